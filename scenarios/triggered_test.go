package scenarios

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/flowtx/flowtx/faults"
	"github.com/flowtx/flowtx/runtime"
	"github.com/flowtx/flowtx/sim"
)

// armedAt is a schedule of one crash of worker 1 at trigger t, armed for
// most of the default fault span.
func armedAt(t faults.Trigger) faults.Schedule {
	return faults.Schedule{{At: 20 * sim.Millisecond, Kind: faults.CrashWorkerOn, Worker: 1, Trigger: t,
		Until: 200 * sim.Millisecond, Down: 5 * sim.Millisecond}}
}

// A crash at a trigger fires (the worker crashes at the moment it trips,
// as the trace shows) and the job recovers from it: a snapshot being
// stored under the chain's traffic, a vote awaiting its decision under 2PC
// transfers.
func TestCrashAtTriggerFiresAndRecovers(t *testing.T) {
	for _, c := range []struct {
		scenario string
		trigger  faults.Trigger
	}{{"chain", faults.SnapshotWrite}, {"transfer-2pc", faults.VoteSent}, {"ycsb", faults.VoteSent}} {
		for seed := uint64(1); seed <= 5; seed++ {
			var crashes []sim.Time
			trace := func(e sim.TraceEvent) {
				if e.Kind == "crash" && e.Node == sim.NodeID(1) {
					crashes = append(crashes, e.At)
				}
			}
			res, err := RunTraced(Config{Scenario: c.scenario, Seed: seed, Faults: FaultsGiven, Schedule: armedAt(c.trigger)}, trace)
			require.NoError(t, err)
			require.True(t, res.OK, "%s seed %d: %v", c.scenario, seed, res.Violations)
			require.Equal(t, 1, res.Tripped, "%s seed %d: the armed crash fires", c.scenario, seed)
			require.Len(t, crashes, 1, "%s seed %d: worker 1 crashes once", c.scenario, seed)
			require.GreaterOrEqual(t, crashes[0], 20*sim.Millisecond)
		}
	}
}

// A crash as a worker stores its snapshot is what a checkpoint recorded
// complete too early cannot survive: one armed crash catches
// complete-early within a few seeds, where the clean runtime passes them
// all (the test above).
func TestCrashAtSnapshotWriteCatchesCompleteEarly(t *testing.T) {
	caught := 0
	for seed := uint64(1); seed <= 5; seed++ {
		res, err := Run(Config{Scenario: "chain", Seed: seed, Faults: FaultsGiven, Schedule: armedAt(faults.SnapshotWrite),
			Bug: runtime.BugCompleteEarly})
		require.NoError(t, err)
		if !res.OK {
			caught++
		}
	}
	require.Positive(t, caught, "complete-early survives a crash at every snapshot write")
}

// The "all" model arms crashes at triggers, drawn from their own stream:
// its other faults are those it drew before, and some of them fire.
func TestAllFaultsArmCrashesAtTriggers(t *testing.T) {
	tripped := 0
	for seed := uint64(1); seed <= 10; seed++ {
		res, err := Run(Config{Scenario: "transfer-2pc", Seed: seed, Faults: FaultsAll})
		require.NoError(t, err)
		require.True(t, res.OK, "seed %d: %v", seed, res.Violations)
		require.Equal(t, triggeredCrashes, res.Schedule.Count(faults.CrashWorkerOn))
		tripped += res.Tripped
	}
	require.Positive(t, tripped)
}

// A client timeout resends the client's requests in flight under the same
// ids: the ingress keeps the first copy, so the clean runtime passes, and
// without that deduplication (no-ingress-dedup) requests are applied and
// answered twice.
func TestClientTimeoutsNeedIngressDeduplication(t *testing.T) {
	timeouts := faults.Schedule{}
	for c := range 8 {
		timeouts = append(timeouts, faults.Event{At: sim.Time(10+20*c) * sim.Millisecond, Kind: faults.ClientTimeout, Client: c})
	}
	for seed := uint64(1); seed <= 3; seed++ {
		cfg := Config{Scenario: "bank", Seed: seed, Faults: FaultsGiven, Schedule: timeouts}
		res, err := Run(cfg)
		require.NoError(t, err)
		require.True(t, res.OK, "seed %d: %v", seed, res.Violations)
		require.Positive(t, res.Stats.Duplicates, "seed %d: the resent requests reach the ingress", seed)
		cfg.Bug = runtime.BugNoIngressDedup
		bad, err := Run(cfg)
		require.NoError(t, err)
		require.False(t, bad.OK, "seed %d: resent requests applied twice go unnoticed", seed)
	}
	_, err := Resolve(Config{Scenario: "bank", Clients: 2, Faults: FaultsGiven, Schedule: faults.Schedule{{At: 1, Kind: faults.ClientTimeout, Client: 2}}})
	require.ErrorContains(t, err, "no client 2")
}
