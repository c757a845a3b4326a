package realtime

import (
	"fmt"
	"math"
	"time"

	"github.com/flowtx/flowtx/sim"
)

// delayMax is the longest timer delay time.Duration can express (about 292
// years). A longer delay never fires in a real run, so it sets no timer.
const delayMax = sim.Time(math.MaxInt64 / int64(time.Microsecond))

// env is the sim.Env of one incarnation of a node. It is built for each
// Start and tags everything it queues with that incarnation, so effects of
// an incarnation that has since crashed are dropped on arrival.
type env struct {
	d   *Driver
	nd  *node
	inc uint32
}

var _ sim.Env = (*env)(nil)

// Now is wall-clock microseconds since Driver.Start, on the monotonic clock.
func (e *env) Now() sim.Time {
	return sim.Time(time.Since(e.d.start) / time.Microsecond)
}

func (e *env) Self() sim.NodeID { return e.nd.id }

// Send pushes msg straight into the target's mailbox. The sender's callbacks
// run one at a time on one goroutine and each push appends under the
// mailbox's lock, so messages on one link arrive in send order.
func (e *env) Send(to sim.NodeID, msg sim.Message) {
	if int(to) < 0 || int(to) >= len(e.d.nodes) {
		panic(fmt.Sprintf("realtime: %v sends to unknown node %v", e.nd.id, to))
	}
	target := e.d.nodes[to]
	target.box.push(item{kind: itemDeliver, inc: target.inc.Load(),
		from: e.nd.id, fromInc: e.inc, msg: msg})
}

// After sets a wall-clock timer. time.AfterFunc never fires early, and Now
// truncates to whole microseconds on both sides, so Fire sees Now at least
// delay after the Now at which the timer was set.
func (e *env) After(delay sim.Time, timer sim.Message) {
	if delay > delayMax {
		return
	}
	it := item{kind: itemTimer, inc: e.inc, msg: timer}
	e.d.timers.after(time.Duration(max(delay, 0))*time.Microsecond, func() {
		e.nd.box.push(it)
	})
}

// Store hands op to the durable store and queues the result for Stored,
// which therefore runs after the current callback, as under the kernel.
func (e *env) Store(op sim.StoreOp) {
	e.d.store.submit(op, func(r sim.StoreResult) {
		e.nd.box.push(item{kind: itemStored, inc: e.inc, result: &r})
	})
}

func (e *env) Append(log string, record sim.Message) sim.Offset {
	return e.d.logs.append(log, record)
}

func (e *env) Read(log string, from sim.Offset, max int) []sim.Message {
	return e.d.logs.read(log, from, max)
}
