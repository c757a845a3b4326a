package realtime

import (
	"strings"
	"testing"

	"github.com/flowtx/flowtx/sim"
)

// seq is a numbered test message.
type seq int

func (m seq) Fingerprint() uint64 { return uint64(m) }

// tag is a named test message.
type tag string

func (m tag) Fingerprint() uint64 { return sim.Fingerprint(string(m)) }

// inert is a process that expects nothing: embedding it lets a test process
// implement only the callbacks it uses, and any other callback fails loudly.
type inert struct{}

func (inert) Start(sim.Env)                   { panic("realtime test: unexpected Start") }
func (inert) Receive(sim.NodeID, sim.Message) { panic("realtime test: unexpected Receive") }
func (inert) Fire(sim.Message)                { panic("realtime test: unexpected Fire") }
func (inert) Stored(sim.StoreResult)          { panic("realtime test: unexpected Stored") }

// queued returns how many callbacks wait in node n's mailbox.
func queued(d *Driver, n sim.NodeID) int { return d.nodes[n].box.queued() }

// mustPanic fails t unless f panics with a message containing want.
func mustPanic(t *testing.T, want string, f func()) {
	t.Helper()
	defer func() {
		t.Helper()
		r := recover()
		msg, _ := r.(string)
		if r == nil || !strings.Contains(msg, want) {
			t.Fatalf("panic = %v; want one containing %q", r, want)
		}
	}()
	f()
}

// forEachStore runs test once per durable store: in memory, and in files
// under a fresh directory.
func forEachStore(t *testing.T, test func(t *testing.T, cfg Config)) {
	t.Run("memory", func(t *testing.T) { test(t, Config{}) })
	t.Run("files", func(t *testing.T) { test(t, Config{StoreDir: t.TempDir()}) })
}
