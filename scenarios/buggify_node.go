package scenarios

import (
	"fmt"

	"github.com/flowtx/flowtx/runtime"
	"github.com/flowtx/flowtx/sim"
)

// buggyWorker is a worker node under BUGGIFY: its Env holds a checkpoint
// marker back when BuggifyDelayedMarker fires, with everything the worker
// sends after it on that channel, as a worker that postponed those sends
// would. Channels stay FIFO, and sequence numbers stay in order, because
// nothing overtakes a held packet. A crash loses what is held, as it loses
// what is in flight.
type buggyWorker struct {
	*workerNode
	bug nodeBuggify
	env *holdingEnv
}

func (b *buggyWorker) Start(env sim.Env) {
	b.env = &holdingEnv{Env: env, bug: b.bug, held: map[sim.NodeID][]sim.Message{}}
	b.workerNode.Start(b.env)
}

func (b *buggyWorker) Fire(timer sim.Message) {
	if f, ok := timer.(flushTimer); ok {
		b.env.flush(f.to)
		return
	}
	b.workerNode.Fire(timer)
}

// holdingEnv is a worker's Env that can hold the packets to a worker.
type holdingEnv struct {
	sim.Env
	bug  nodeBuggify
	held map[sim.NodeID][]sim.Message // per receiver, in send order; a key only while holding
}

func (e *holdingEnv) Send(to sim.NodeID, msg sim.Message) {
	if q, holding := e.held[to]; holding {
		if len(q) >= heldMax {
			panic(fmt.Sprintf("scenarios: %d packets held behind a delayed marker to %v", len(q), to))
		}
		e.held[to] = append(q, msg)
		return
	}
	if _, marker := msg.(runtime.Marker); marker {
		if extra, fired := e.bug.Fire(runtime.BuggifyDelayedMarker, markerDelayMax); fired {
			e.held[to] = []sim.Message{msg}
			e.Env.After(sim.Time(extra), flushTimer{to: to})
			return
		}
	}
	e.Env.Send(to, msg)
}

// flush sends what was held for to, in order.
func (e *holdingEnv) flush(to sim.NodeID) {
	q, holding := e.held[to]
	if !holding {
		panic(fmt.Sprintf("scenarios: flush of %v, which holds nothing", to))
	}
	delete(e.held, to)
	for _, m := range q {
		e.Env.Send(to, m)
	}
}

// flushTimer ends a delayed marker's hold on the channel to a worker.
type flushTimer struct{ to sim.NodeID }

func (t flushTimer) Fingerprint() uint64 { return 0xf105<<32 | uint64(uint32(t.to)) }
func (t flushTimer) String() string      { return fmt.Sprintf("flush %v", t.to) }

// buggyClient is a client under BUGGIFY: when BuggifyDuplicateRequest
// fires on an append to the ingress, its Env appends the same request
// again, under the same id, a while later, and nudges the worker, as a
// producer that retried a send whose acknowledgement it missed would.
type buggyClient struct {
	*client
	bug   nodeBuggify
	owner func(runtime.Address) runtime.WorkerID
	env   *duplicatingEnv
}

func (b *buggyClient) Start(env sim.Env) {
	b.env = &duplicatingEnv{Env: env, bug: b.bug}
	b.client.Start(b.env)
}

func (b *buggyClient) Fire(timer sim.Message) {
	r, ok := timer.(resendTimer)
	if !ok {
		b.client.Fire(timer)
		return
	}
	w := b.owner(r.request.To)
	b.env.Env.Append(ingressLog(w), r.request)
	b.env.Env.Send(b.layout.workerNode(w), notice{})
}

// duplicatingEnv is a client's Env that may append a request twice.
type duplicatingEnv struct {
	sim.Env
	bug nodeBuggify
}

func (e *duplicatingEnv) Append(log string, record sim.Message) sim.Offset {
	off := e.Env.Append(log, record)
	if r, ok := record.(runtime.Request); ok {
		if extra, fired := e.bug.Fire(runtime.BuggifyDuplicateRequest, duplicateDelayMax); fired {
			e.Env.After(sim.Time(extra), resendTimer{request: r})
		}
	}
	return off
}

// resendTimer appends a duplicate of a request.
type resendTimer struct{ request runtime.Request }

func (t resendTimer) Fingerprint() uint64 { return 0x2e5e<<48 ^ t.request.Fingerprint() }
func (t resendTimer) String() string      { return fmt.Sprintf("resend %v", t.request.ID) }

// asWorker returns the worker node a process is, with or without BUGGIFY.
func asWorker(p sim.Process) (*workerNode, bool) {
	switch n := p.(type) {
	case *workerNode:
		return n, true
	case *buggyWorker:
		return n.workerNode, true
	}
	return nil, false
}
