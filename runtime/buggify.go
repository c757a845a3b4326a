package runtime

import "fmt"

// Point names a BUGGIFY injection point: a place in the runtime, or in a
// driver acting for it, where a simulated run may do something legal but
// rare, to push the code through paths a quiet run never takes
// (FoundationDB's BUGGIFY). A point never changes what the runtime
// guarantees; it changes timing and repetition.
type Point string

// Known points. The runtime reaches the first two itself; the drivers of
// the simulator reach the next two on its behalf (a marker's send, a
// client's append), and the transaction protocols the last through
// Context.Buggify; all are listed here so that every point has one name.
const (
	// BuggifySlowInvocation keeps the worker busy for extra time after an
	// invocation starts, holding up its run queue.
	BuggifySlowInvocation Point = "slow-invocation"
	// BuggifyEarlyCheckpoint has the coordinator start its next
	// checkpoint early, down to back to back.
	BuggifyEarlyCheckpoint Point = "early-checkpoint"
	// BuggifyDelayedMarker holds a checkpoint marker, and everything sent
	// after it on its channel, for extra time before it leaves.
	BuggifyDelayedMarker Point = "delayed-marker"
	// BuggifyDuplicateRequest has a client append a request to the
	// ingress a second time, under the same request id, a while later.
	BuggifyDuplicateRequest Point = "duplicate-request"
	// BuggifyDelayedDecision has a transaction protocol send an outcome
	// late, through SendAfter: a 2PC coordinator its commits or aborts
	// (participants stay locked, their queues grow, a crash is likelier
	// to fall between vote and decision, and the delayed messages ride
	// through snapshots), a saga its compensations.
	BuggifyDelayedDecision Point = "delayed-decision"
)

// Points lists every BUGGIFY point, in the order drivers draw them.
func Points() []Point {
	return []Point{BuggifySlowInvocation, BuggifyEarlyCheckpoint, BuggifyDelayedMarker, BuggifyDuplicateRequest, BuggifyDelayedDecision}
}

// Buggify is the driver's side of BUGGIFY: whether a point fires, each
// time it is reached. The simulator's implementation decides from the
// run's seed and records every firing in its trace; the real-time driver
// has none (a nil Buggify never fires).
type Buggify interface {
	// Fire reports whether point p fires now, and if it does, an extra
	// delay drawn from [1, extraMax] (0 when extraMax is 0).
	Fire(p Point, extraMax Micros) (extra Micros, fired bool)
}

// Limits on what a point that fires adds, so that BUGGIFY slows a run
// down without turning every one into a liveness failure.
const (
	// slowInvocationMax stays under the coordinator's heartbeat timeout,
	// so a slow invocation is never taken for a dead worker.
	slowInvocationMax Micros = 5_000
)

// buggify asks b whether p fires; a nil b never fires.
func buggify(b Buggify, p Point, extraMax Micros) (Micros, bool) {
	if b == nil {
		return 0, false
	}
	extra, fired := b.Fire(p, extraMax)
	if fired && (extra < 0 || extra > extraMax || extraMax > 0 && extra == 0) {
		panic(fmt.Sprintf("runtime: buggify %s: extra %d outside [1, %d]", p, extra, extraMax))
	}
	return extra, fired
}

// slowdown is the extra time the invocation about to start keeps the
// worker busy: BuggifySlowInvocation's draw, or 0. A kick already pending
// would end the service early, so the point is not reached then.
func (w *Worker) slowdown() Micros {
	if w.kickPending {
		return 0
	}
	extra, _ := buggify(w.cfg.Buggify, BuggifySlowInvocation, slowInvocationMax)
	return extra
}

// checkpointDelay is the time until the coordinator's next checkpoint:
// the interval, or, when BuggifyEarlyCheckpoint fires, less, down to 0.
func (c *Coordinator) checkpointDelay() Micros {
	early, _ := buggify(c.cfg.Buggify, BuggifyEarlyCheckpoint, c.cfg.CheckpointInterval)
	return c.cfg.CheckpointInterval - early
}
