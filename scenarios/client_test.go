package scenarios

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/flowtx/flowtx/runtime"
	"github.com/flowtx/flowtx/sim"
)

// lateEnv is a client's environment whose clock the test moves, so a timer
// can fire after its due time, as the wall clock's do. It keeps the timers
// asked for and the requests appended.
type lateEnv struct {
	now      sim.Time
	timers   []sim.Time // the delay of each After
	appended []runtime.Request
}

func (e *lateEnv) Now() sim.Time                   { return e.now }
func (e *lateEnv) Self() sim.NodeID                { return 0 }
func (e *lateEnv) Send(sim.NodeID, sim.Message)    {}
func (e *lateEnv) After(d sim.Time, _ sim.Message) { e.timers = append(e.timers, d) }
func (e *lateEnv) Store(sim.StoreOp)               {}
func (e *lateEnv) Read(string, sim.Offset, int) []sim.Message {
	return nil
}
func (e *lateEnv) Append(_ string, r sim.Message) sim.Offset {
	e.appended = append(e.appended, r.(runtime.Request))
	return sim.Offset(len(e.appended) - 1)
}

func openLoopClient(gaps []sim.Time) *client {
	requests := make([]runtime.Request, len(gaps))
	for i := range requests {
		requests[i] = runtime.Request{ID: runtime.RequestID{Seq: uint64(i + 1)}, To: recordAddress(i)}
	}
	return &client{
		layout:   layout{workers: 1, clients: 1},
		requests: requests,
		gaps:     gaps,
		log:      &clientLog{},
		onDone:   func() {},
		owner:    func(runtime.Address) runtime.WorkerID { return 0 },
	}
}

// An open-loop client keeps its drawn schedule when its timers fire late:
// a late timer sends every arrival already overdue and waits only for the
// rest of the next gap, so the offered rate does not sag by the timers'
// lateness.
func TestOpenLoopClientCatchesUpWithLateTimers(t *testing.T) {
	env := &lateEnv{}
	c := openLoopClient([]sim.Time{100, 100, 100, 100, 100})
	c.Start(env)
	require.Equal(t, []sim.Time{egressPoll, 100}, env.timers, "first arrival due at 100")

	env.now = 350 // due at 100; arrivals 2 and 3 (due 200, 300) are overdue too
	c.Fire(arrivalTimer{})
	require.Len(t, env.appended, 3)
	require.Equal(t, sim.Time(50), env.timers[len(env.timers)-1], "arrival 4 is due at 400")

	env.now = 400
	c.Fire(arrivalTimer{})
	require.Len(t, env.appended, 4, "on time: one arrival")
	require.Equal(t, sim.Time(100), env.timers[len(env.timers)-1])
	for i, r := range env.appended {
		require.Equal(t, uint64(i+1), r.ID.Seq, "arrivals keep their order")
	}
}

// On time, as in the simulator, every arrival has a timer of its own and
// waits its whole gap: the schedule is what it was before catching up
// existed, so simulated runs (and their trace hashes) do not change.
func TestOpenLoopClientOnTimeSendsOneArrivalPerTimer(t *testing.T) {
	env := &lateEnv{}
	gaps := []sim.Time{30, 0, 70, 5}
	c := openLoopClient(gaps)
	c.Start(env)
	for i, gap := range gaps {
		require.Equal(t, gap, env.timers[len(env.timers)-1])
		env.now += gap
		c.Fire(arrivalTimer{})
		require.Len(t, env.appended, i+1)
	}
}
