package realtime

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/flowtx/flowtx/sim"
)

func TestRunUntilTimesOutWithAnError(t *testing.T) {
	d := New(Config{})
	defer d.Stop()
	d.Start()
	begin := time.Now()
	err := d.RunUntil(func() bool { return false }, 20*time.Millisecond)
	if !errors.Is(err, ErrTimeout) || !strings.Contains(err.Error(), "20ms") {
		t.Fatalf("RunUntil(false, 20ms) = %v; want ErrTimeout naming 20ms", err)
	}
	if waited := time.Since(begin); waited < 20*time.Millisecond {
		t.Errorf("RunUntil gave up after %v; want at least 20ms", waited)
	}
	if err := d.RunUntil(func() bool { return true }, time.Millisecond); err != nil {
		t.Errorf("RunUntil(true) = %v; want nil", err)
	}
}

// idle is a process that only starts.
type idle struct{ inert }

func (idle) Start(sim.Env) {}

func TestLifecycleMisusePanics(t *testing.T) {
	d := New(Config{})
	n := d.AddNode(func() sim.Process { return idle{} })
	mustPanic(t, "RunUntil before Start", func() { _ = d.RunUntil(func() bool { return true }, time.Second) })
	mustPanic(t, "unknown node n7", func() { d.Crash(7) })
	d.Start()
	mustPanic(t, "AddNode while running", func() { d.AddNode(func() sim.Process { return idle{} }) })
	mustPanic(t, "Start while running", d.Start)
	mustPanic(t, "Store while running", func() { d.Store() })
	mustPanic(t, "StoreSnapshot while running", func() { _, _ = d.StoreSnapshot() })
	d.Stop()
	d.Stop() // idempotent
	mustPanic(t, "Restart after Stop", func() { d.Restart(n) })
	mustPanic(t, "MailboxMax -1", func() { New(Config{MailboxMax: -1}) })
	nilFactory := New(Config{})
	mustPanic(t, "factory of n0 returned a nil process", func() {
		nilFactory.AddNode(func() sim.Process { return nil })
	})
}

func TestCrashAndRestartAreIdempotent(t *testing.T) {
	d := New(Config{})
	defer d.Stop()
	built := 0
	n := d.AddNode(func() sim.Process { built++; return idle{} })
	d.Start()
	d.Restart(n) // up: nothing to do
	d.Crash(n)
	d.Crash(n) // down: nothing to do
	if d.Up(n) || d.Process(n) != nil {
		t.Fatalf("after Crash: Up = %v, Process = %v; want false, nil", d.Up(n), d.Process(n))
	}
	d.Restart(n)
	d.Restart(n)
	if !d.Up(n) || built != 2 {
		t.Errorf("after Restart: Up = %v, factory calls = %d; want true, 2", d.Up(n), built)
	}
}
