package scenarios

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/flowtx/flowtx/faults"
	"github.com/flowtx/flowtx/runtime"
)

// networkScenarios are the scenarios whose traffic crosses channels between
// workers (chain, transfers) or only reaches the coordinator (bank).
var networkScenarios = []string{"bank", "chain", "transfer-2pc", "transfer-saga"}

// networkSeeds is how many seeds each network campaign runs: a few under
// -short, more otherwise.
func networkSeeds() uint64 {
	if testing.Short() {
		return 2
	}
	return 12
}

// Network and all-fault campaigns pass: partitions lose packets, the
// runtime notices and recovers, and every check holds. They must also
// lose packets and recover from it, or the campaign proves nothing.
func TestNetworkCampaignsHaveNoViolations(t *testing.T) {
	for _, model := range []string{FaultsNetwork, FaultsAll} {
		var gaps, recoveries int64
		for _, scenario := range networkScenarios {
			for seed := uint64(1); seed <= networkSeeds(); seed++ {
				res, err := Run(Config{Scenario: scenario, Seed: seed, Faults: model})
				require.NoError(t, err)
				require.True(t, res.OK, "%s/%s seed %d:\n%s", model, scenario, seed, res.Describe())
				gaps += res.Stats.Gaps
				recoveries += res.Checkpoints.Recoveries - 1 // the start-up restore is not a recovery
			}
		}
		t.Logf("%s: %d channel gaps found, %d recoveries", model, gaps, recoveries)
		require.Positive(t, gaps, "%s: no partition ever lost a packet between workers", model)
		require.Positive(t, recoveries, "%s: nothing was ever recovered", model)
	}
}

// ignore-channel-gap is the known-bad pair: a worker that goes on past lost
// packets loses their effects, and a network campaign on the chain must
// say so (a hop lost for good leaves a client unanswered).
func TestNetworkCampaignCatchesIgnoredGaps(t *testing.T) {
	const seedsMax = 20
	for _, scenario := range []string{"chain", "transfer-2pc"} {
		caught := false
		for seed := uint64(1); seed <= seedsMax && !caught; seed++ {
			res, err := Run(Config{Scenario: scenario, Seed: seed, Faults: FaultsNetwork, Bug: runtime.BugIgnoreChannelGap})
			require.NoError(t, err)
			if !res.OK {
				require.NotEqual(t, "invariant", violationKind(res), "%s seed %d: a broken invariant, not a lost effect:\n%s", scenario, seed, res.Describe())
				caught = true
				t.Logf("%s: caught at seed %d: %s", scenario, seed, res.Violations[0])
			}
		}
		require.True(t, caught, "%s: ignore-channel-gap not caught in %d seeds", scenario, seedsMax)
	}
}

// The same seed gives the same run under network faults, and the drawn
// schedule replayed as a given one (what replay --faults FILE and shrink
// do) gives the same run again.
func TestSameSeedSameTraceHashWithNetworkFaults(t *testing.T) {
	cfg := Config{Scenario: "chain", Seed: 5, Faults: FaultsAll}
	a, err := Run(cfg)
	require.NoError(t, err)
	b, err := Run(cfg)
	require.NoError(t, err)
	require.Equal(t, a.Hash, b.Hash)
	require.Equal(t, a.Events, b.Events)
	require.Equal(t, a.Outcome, b.Outcome)
	require.True(t, a.Schedule.Lossy(), "seed 5 draws no partition:\n%v", a.Schedule)
	given := cfg
	given.Faults, given.Schedule = FaultsGiven, a.Schedule
	c, err := Run(given)
	require.NoError(t, err)
	require.Equal(t, a.Hash, c.Hash, "the drawn schedule replayed as given")
}

// "all" adds network faults to the crashes of "crash" without moving them:
// the crash schedule of a seed is the same under both models.
func TestAllFaultsKeepTheCrashSchedule(t *testing.T) {
	for seed := uint64(1); seed <= 5; seed++ {
		crash, err := NewJob(Config{Scenario: "bank", Seed: seed, Faults: FaultsCrash})
		require.NoError(t, err)
		all, err := NewJob(Config{Scenario: "bank", Seed: seed, Faults: FaultsAll})
		require.NoError(t, err)
		var crashes, network faults.Schedule
		for _, e := range all.Faults() {
			switch e.Kind {
			case faults.CrashWorker, faults.RestartWorker, faults.CrashCoordinator, faults.RestartCoordinator, faults.StoreFailure:
				crashes = append(crashes, e)
			default:
				network = append(network, e)
			}
		}
		require.Equal(t, crash.Faults(), crashes, "seed %d", seed)
		require.NotEmpty(t, network, "seed %d: no network faults under all", seed)
	}
}

// A network fault is one shrinking unit: a partition and its heal, or a
// swizzle clog with every link it clogs, go or stay together.
func TestNetworkFaultsShrinkAsUnits(t *testing.T) {
	s := faults.Schedule{
		{At: 1, Kind: faults.CrashWorker, Worker: 1},
		{At: 2, Kind: faults.Partition, Nodes: []faults.Node{0, faults.Coordinator}, Until: 50},
		{At: 3, Kind: faults.SwizzleClog, Until: 40, Links: []faults.LinkWindow{{From: 0, To: 1, At: 3, Until: 30}, {From: 1, To: 0, At: 4, Until: 20}}},
		{At: 5, Kind: faults.RestartWorker, Worker: 1},
		{At: 6, Kind: faults.StoreLatency, Extra: 9, Until: 60},
	}
	units := faultUnits(s)
	require.Len(t, units, 4)
	require.Equal(t, faultUnit{s[1]}, units[1])
	require.Equal(t, faultUnit{s[2]}, units[2])
	require.NoError(t, scheduleOf(units[1:3]).Validate(2))
}
