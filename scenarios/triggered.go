package scenarios

import (
	"github.com/flowtx/flowtx/faults"
	"github.com/flowtx/flowtx/runtime"
	"github.com/flowtx/flowtx/sim"
)

// triggeredCrashes is how many crashes at triggers (faults.CrashWorkerOn)
// the "all" and swarm fault models draw a run: each hits a moment that a
// crash at a random time rarely does (a snapshot being stored, a vote
// awaiting its decision), if the worker reaches it while armed.
const triggeredCrashes = 3

// clientTimeouts is how many client timeouts (faults.ClientTimeout) the
// same models draw a run: each resends a client's requests in flight.
const clientTimeouts = 2

// armedCrashes are a simulated run's crashes at triggers: each fires at
// most once, the first time its worker reaches its trigger in its window.
type armedCrashes struct {
	events []faults.Event
	fired  []bool
	sim    *sim.Sim
	layout layout
}

// arm takes the schedule's crashes at triggers, to be fired on s.
func (a *armedCrashes) arm(s *sim.Sim, l layout, schedule faults.Schedule) {
	a.sim, a.layout = s, l
	for _, e := range schedule {
		if e.Kind == faults.CrashWorkerOn {
			a.events = append(a.events, e)
		}
	}
	a.fired = make([]bool, len(a.events))
}

// tripped counts the crashes that fired.
func (a *armedCrashes) tripped() int {
	n := 0
	for _, f := range a.fired {
		if f {
			n++
		}
	}
	return n
}

// trip is called by worker w at trigger t: an armed crash of w at t
// crashes it as soon as its current step ends, and restarts it Down later.
func (j *Job) trip(w runtime.WorkerID, t faults.Trigger) {
	a := &j.armed
	for i, e := range a.events {
		now := a.sim.Now()
		if a.fired[i] || e.Worker != int(w) || e.Trigger != t || now < e.At || now >= e.Until {
			continue
		}
		a.fired[i] = true
		n := a.layout.workerNode(w)
		a.sim.At(now, func() { a.sim.Crash(n) })
		a.sim.At(now+e.Down, func() { a.sim.Restart(n) })
		return
	}
}
