package realtime

import (
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/flowtx/flowtx/sim"
)

// Config sets up a driver. Zero fields take the defaults below.
type Config struct {
	// MailboxMax bounds the callbacks queued for one node at once; a push
	// past it panics. Default 1<<20.
	MailboxMax int
	// StoreDir, if set, keeps the durable store in files in this directory,
	// created on the first Put, so it outlives the OS process and a driver
	// started on the same StoreDir sees what earlier ones wrote. Empty keeps
	// the store in memory, for this driver only. See "Durable store" in the
	// package documentation.
	StoreDir string
}

const (
	mailboxMaxDefault = 1 << 20
	// pollInterval is how often RunUntil evaluates its condition.
	pollInterval = time.Millisecond
)

// ErrTimeout reports a RunUntil whose condition still did not hold when its
// timeout passed.
var ErrTimeout = errors.New("realtime: timeout")

// phase is where a driver is in its life: New, then Start, then Stop.
type phase uint8

const (
	phaseNew phase = iota
	phaseRunning
	phaseStopped
)

func (p phase) String() string {
	switch p {
	case phaseNew:
		return "before Start"
	case phaseRunning:
		return "while running"
	case phaseStopped:
		return "after Stop"
	}
	return fmt.Sprintf("phase(%d)", uint8(p))
}

// Driver runs sim.Process values on goroutines against the wall clock: one
// goroutine per node, fed by the node's mailbox. Its methods are for the
// goroutine that owns the run (a test, a command) and must not be called
// from process callbacks: Crash, Process and Stop wait for callbacks to
// finish.
type Driver struct {
	cfg    Config
	nodes  []*node // fixed once Start is called, so it is read without a lock
	store  durable
	logs   *logs
	timers *timers
	wg     sync.WaitGroup // the node goroutines

	mu    sync.Mutex
	phase phase
	start time.Time // set by Start before any goroutine reads it
}

// New returns a driver with no nodes.
func New(cfg Config) *Driver {
	if cfg.MailboxMax == 0 {
		cfg.MailboxMax = mailboxMaxDefault
	}
	if cfg.MailboxMax < 0 {
		panic(fmt.Sprintf("realtime: Config.MailboxMax %d is negative", cfg.MailboxMax))
	}
	var store durable = &memStore{store: sim.NewStore()}
	if cfg.StoreDir != "" {
		store = newFileStore(cfg.StoreDir, storeQueueMax)
	}
	return &Driver{
		cfg:    cfg,
		store:  store,
		logs:   &logs{records: map[string][]sim.Message{}},
		timers: newTimers(),
	}
}

// AddNode registers a process built by factory and queues its start; it
// runs once Start is called. Nodes are numbered 0, 1, 2... in the order they
// are added, as in the kernel. The factory is called again for every
// restart. Nodes can be added only before Start.
func (d *Driver) AddNode(factory func() sim.Process) sim.NodeID {
	d.mustBe(phaseNew, "AddNode")
	id := sim.NodeID(len(d.nodes))
	nd := &node{id: id, factory: factory, box: newMailbox(id, d.cfg.MailboxMax)}
	d.nodes = append(d.nodes, nd)
	nd.restart()
	return id
}

// Start starts the clock (Env.Now is 0 here) and one goroutine per node.
func (d *Driver) Start() {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.phase != phaseNew {
		panic(fmt.Sprintf("realtime: Start %v", d.phase))
	}
	d.phase = phaseRunning
	d.start = time.Now()
	for _, nd := range d.nodes {
		d.wg.Add(1)
		go d.run(nd)
	}
}

// RunUntil waits until cond holds, checking it every millisecond, and
// returns an error wrapping ErrTimeout if timeout passes first. cond runs on
// the caller's goroutine, concurrently with the processes, so it must read
// only what is safe to share (atomics, channels).
func (d *Driver) RunUntil(cond func() bool, timeout time.Duration) error {
	d.mustBe(phaseRunning, "RunUntil")
	if timeout <= 0 {
		panic(fmt.Sprintf("realtime: RunUntil with timeout %v", timeout))
	}
	deadline := time.Now().Add(timeout)
	tick := time.NewTicker(pollInterval)
	defer tick.Stop()
	for !cond() {
		if !time.Now().Before(deadline) {
			return fmt.Errorf("%w: condition still false after %v", ErrTimeout, timeout)
		}
		<-tick.C
	}
	return nil
}

// Stop cancels pending timers, ends every node goroutine and waits for them,
// then waits for the store operations already started to complete (with a
// StoreDir, every Put issued before Stop is then on disk). Queued callbacks,
// and the results of those operations, are dropped. Afterwards the
// processes and the store may be inspected freely. Stop is idempotent.
func (d *Driver) Stop() {
	d.mu.Lock()
	was := d.phase
	d.phase = phaseStopped
	d.mu.Unlock()
	if was == phaseStopped {
		return
	}
	d.timers.stop()
	for _, nd := range d.nodes {
		nd.box.close()
	}
	d.wg.Wait()
	d.store.close() // after the nodes: no callback is left to submit
}

// Crash stops node n now, as the kernel's Crash does: its process is gone,
// and everything queued for it, every message in flight from it, and every
// timer and storage result it was waiting for is dropped. Writes and log
// appends it made still land. A callback in progress runs to its end, but
// its messages, timers and storage results are dropped too; Crash returns
// once it has finished. Crashing a crashed node does nothing.
func (d *Driver) Crash(n sim.NodeID) {
	d.node(n).crash()
}

// Restart starts a fresh process on node n, built by its factory, unless it
// is up. Its Start runs on the node's goroutine before anything sent to the
// new incarnation.
func (d *Driver) Restart(n sim.NodeID) {
	d.mustNotBe(phaseStopped, "Restart")
	d.node(n).restart()
}

// Up reports whether node n is running.
func (d *Driver) Up(n sim.NodeID) bool { return up(d.node(n).inc.Load()) }

// Process returns node n's current process, nil while it is crashed. While
// the driver runs, the process belongs to its goroutine: read its fields
// only after Stop.
func (d *Driver) Process(n sim.NodeID) sim.Process {
	nd := d.node(n)
	nd.mu.Lock()
	defer nd.mu.Unlock()
	return nd.proc
}

// Store returns the durable store for inspection, before Start or after
// Stop. In memory (no StoreDir) it is the store itself, which the processes
// share. With a StoreDir it is a copy read from the directory, as
// StoreSnapshot returns, and Store panics with the error if the directory
// cannot be read.
func (d *Driver) Store() *sim.Store {
	d.mustNotBe(phaseRunning, "Store")
	if m, ok := d.store.(*memStore); ok {
		return m.store
	}
	st, err := d.store.snapshot()
	if err != nil {
		panic(fmt.Sprintf("realtime: Store: %v", err))
	}
	return st
}

// StoreSnapshot returns a copy of the durable store's contents, read from
// StoreDir if one is set, once every operation submitted so far has
// completed. Like Store, it may be called only before Start or after Stop.
func (d *Driver) StoreSnapshot() (*sim.Store, error) {
	d.mustNotBe(phaseRunning, "StoreSnapshot")
	return d.store.snapshot()
}

func (d *Driver) node(n sim.NodeID) *node {
	if int(n) < 0 || int(n) >= len(d.nodes) {
		panic(fmt.Sprintf("realtime: unknown node %v (have %d)", n, len(d.nodes)))
	}
	return d.nodes[n]
}

func (d *Driver) mustBe(p phase, op string) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.phase != p {
		panic(fmt.Sprintf("realtime: %s %v; allowed only %v", op, d.phase, p))
	}
}

func (d *Driver) mustNotBe(p phase, op string) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.phase == p {
		panic(fmt.Sprintf("realtime: %s %v", op, d.phase))
	}
}
