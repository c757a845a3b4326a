package scenarios

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/flowtx/flowtx/sim"
	"github.com/flowtx/flowtx/sim/realtime"
)

// One workload, both drivers: the simulator and the real-time driver run
// the same job (disjoint keys, so the final state does not depend on how
// clients interleave) and must end in the same state with every request
// answered the same way.
func TestRealtimeMatchesSimulator(t *testing.T) {
	for _, name := range []string{"bank", "chain"} {
		t.Run(name, func(t *testing.T) {
			compareDrivers(t, Config{Scenario: name, Seed: 11, Workers: 3, Clients: 6, Ops: 60, Keys: 24, Disjoint: true, CheckpointInterval: 2 * sim.Millisecond})
		})
	}
}

func compareDrivers(t *testing.T, cfg Config) {

	simulated, err := Run(cfg)
	require.NoError(t, err)
	require.True(t, simulated.OK, simulated.Describe())

	job, err := NewJob(cfg)
	require.NoError(t, err)
	d := realtime.New(realtime.Config{})
	job.Install(d)
	d.Start()
	runErr := d.RunUntil(job.Done, 20*time.Second)
	d.Stop()
	require.NoError(t, runErr)
	outcome, violations := job.Check(d.Process)
	require.Empty(t, violations)

	require.Equal(t, simulated.Outcome.State, outcome.State, "final state, simulated vs real time")
	require.Equal(t, responses(simulated.Outcome), responses(outcome), "responses, simulated vs real time")
}

// responses strips the times from histories: they differ between drivers.
func responses(o Outcome) [][]string {
	out := make([][]string, len(o.Histories))
	for c, h := range o.Histories {
		for _, op := range h {
			out[c] = append(out[c], op.Response.String())
		}
	}
	return out
}

var _ Driver = (*sim.Sim)(nil)
var _ Driver = (*realtime.Driver)(nil)

// The real-time driver recovers from a worker crash the same way: crash a
// worker mid-run on the wall clock, restart it, and the job still ends in
// the fault-free state with every request answered exactly once.
func TestRealtimeRecoversFromCrash(t *testing.T) {
	cfg := Config{Scenario: "chain", Seed: 5, Workers: 3, Clients: 4, Ops: 40, Keys: 24, CheckpointInterval: 2 * sim.Millisecond}
	simulated, err := Run(cfg)
	require.NoError(t, err)
	require.True(t, simulated.OK, simulated.Describe())

	job, err := NewJob(cfg)
	require.NoError(t, err)
	d := realtime.New(realtime.Config{StoreDir: t.TempDir()}) // snapshots as files, fsynced and renamed
	job.Install(d)
	d.Start()
	time.Sleep(40 * time.Millisecond) // about a third of the run
	require.False(t, job.Done(), "the job finished before the crash")
	victim := job.layout.workerNode(1)
	d.Crash(victim)
	time.Sleep(5 * time.Millisecond)
	d.Restart(victim)
	runErr := d.RunUntil(job.Done, 30*time.Second)
	time.Sleep(20 * time.Millisecond) // stragglers
	d.Stop()
	require.NoError(t, runErr)
	outcome, violations := job.Check(d.Process)
	require.Empty(t, violations)
	require.Equal(t, simulated.Outcome.State, outcome.State)
	require.Equal(t, responses(simulated.Outcome), responses(outcome))
	require.Greater(t, job.Checkpoints().Recoveries, int64(1), "the crash was not noticed")
}
