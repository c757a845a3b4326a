package realtime

import (
	"fmt"
	"sync"
	"sync/atomic"

	"github.com/flowtx/flowtx/sim"
)

// node is one process slot: its factory, its mailbox, and its current
// incarnation.
//
// inc counts incarnations as the kernel does, and its parity is the node's
// liveness: odd while up, even while crashed (0 before the first start).
// Every queued item carries the inc it was queued for, so one atomic load
// decides whether an item still has a live addressee; Send reads the
// target's inc without taking any lock.
type node struct {
	id      sim.NodeID
	factory func() sim.Process
	box     *mailbox
	inc     atomic.Uint32 // written only by crash and restart, under life

	// life serialises crash and restart, so each sees the other's whole
	// effect and inc and proc always change together.
	life sync.Mutex
	// mu is held for each callback and while crash and restart swap proc,
	// so proc never changes under a running callback.
	mu   sync.Mutex
	proc sim.Process // nil while crashed
}

func up(inc uint32) bool { return inc%2 == 1 }

// crash ends the current incarnation at once: from the moment inc turns even
// nothing queued for it is delivered, even if the callback in progress has
// not returned; the node's goroutine drops the queued items as it reaches
// them. crash then waits for that callback to finish and drops the process.
func (nd *node) crash() {
	nd.life.Lock()
	defer nd.life.Unlock()
	cur := nd.inc.Load()
	if !up(cur) {
		return
	}
	nd.inc.Store(cur + 1)
	nd.mu.Lock()
	nd.proc = nil
	nd.mu.Unlock()
}

// restart builds a fresh process and queues its Start, unless the node is
// up. The start item is queued before inc turns odd, so anything sent to the
// new incarnation (whose sender must first read the new inc) queues behind
// it; and both happen under mu, so the goroutine cannot judge the start item
// against the old inc.
func (nd *node) restart() {
	nd.life.Lock()
	defer nd.life.Unlock()
	cur := nd.inc.Load()
	if up(cur) {
		return
	}
	proc := nd.factory()
	if proc == nil {
		panic(fmt.Sprintf("realtime: factory of %v returned a nil process", nd.id))
	}
	nd.mu.Lock()
	defer nd.mu.Unlock()
	nd.proc = proc
	nd.box.push(item{kind: itemStart, inc: cur + 1})
	nd.inc.Store(cur + 1)
}

// run is the node's goroutine: it feeds queued items to the process, one at
// a time, until the mailbox closes.
func (d *Driver) run(nd *node) {
	defer d.wg.Done()
	for {
		it, ok := nd.box.next()
		if !ok {
			return
		}
		d.dispatch(nd, it)
	}
}

// dispatch calls the callback for it if its addressee still lives; for a
// message, the sender's incarnation must also still live, as in the kernel,
// where a crash drops everything in flight from the crashed node.
func (d *Driver) dispatch(nd *node, it item) {
	nd.mu.Lock()
	defer nd.mu.Unlock()
	cur := nd.inc.Load()
	if !up(cur) || cur != it.inc {
		return
	}
	if it.kind == itemDeliver && d.nodes[it.from].inc.Load() != it.fromInc {
		return
	}
	if nd.proc == nil {
		panic(fmt.Sprintf("realtime: %v up at incarnation %d without a process", nd.id, cur))
	}
	switch it.kind {
	case itemStart:
		nd.proc.Start(&env{d: d, nd: nd, inc: cur})
	case itemDeliver:
		nd.proc.Receive(it.from, it.msg)
	case itemTimer:
		nd.proc.Fire(it.msg)
	case itemStored:
		nd.proc.Stored(*it.result)
	default:
		panic(fmt.Sprintf("realtime: %v got an item of unknown kind %d", nd.id, it.kind))
	}
}
