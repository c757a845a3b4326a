package scenarios

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/flowtx/flowtx/runtime"
	"github.com/flowtx/flowtx/sim"
)

// buggifySeeds is how many seeds each BUGGIFY campaign runs: a few under
// -short, more otherwise.
func buggifySeeds() uint64 {
	if testing.Short() {
		return 4
	}
	return 16
}

// Each point is active in some seeds and not in others, fires only where
// it is active, and fires somewhere; every firing is one "buggify" event
// in the trace; and without Config.Buggify nothing fires and no count is
// kept.
func TestBuggifyPointsFireInSomeSeedsNotOthers(t *testing.T) {
	fired := map[runtime.Point]int{}
	inactive := map[runtime.Point]int{}
	for i := range 24 {
		// The chain reaches the runtime's points, 2PC transfers the
		// protocols' too.
		seed, scenario := uint64(i/2+1), []string{"chain", "transfer-2pc"}[i%2]
		cfg := Config{Scenario: scenario, Seed: seed, Faults: FaultsCrash, Buggify: true}
		marks := 0
		res, err := RunTraced(cfg, func(e sim.TraceEvent) {
			if e.Kind == "buggify" {
				marks++
			}
		})
		require.NoError(t, err)
		active := BuggifyActive(seed)
		require.Len(t, res.Buggify, len(active), "seed %d: a count per active point", seed)
		total := 0
		for i, c := range res.Buggify {
			require.Equal(t, active[i], c.Point)
			fired[c.Point] += c.Fired
			total += c.Fired
		}
		require.Equal(t, total, marks, "seed %d: every firing is traced", seed)
		for _, p := range runtime.Points() {
			if !contains(active, p) {
				inactive[p]++
			}
		}
		off, err := Run(Config{Scenario: scenario, Seed: seed, Faults: FaultsCrash})
		require.NoError(t, err)
		require.Nil(t, off.Buggify)
		if total > 0 {
			require.NotEqual(t, off.Hash, res.Hash, "seed %d: firings move the trace hash", seed)
		} else {
			require.Equal(t, off.Hash, res.Hash, "seed %d: nothing fired, yet the run changed", seed)
		}
	}
	for _, p := range runtime.Points() {
		require.Positive(t, fired[p], "%s never fired in 12 seeds of each scenario", p)
		require.Positive(t, inactive[p], "%s was active in every seed", p)
	}
}

func contains(ps []runtime.Point, p runtime.Point) bool {
	for _, q := range ps {
		if q == p {
			return true
		}
	}
	return false
}

// With BUGGIFY on, the same seed still gives the same run, event for event.
func TestBuggifySameSeedSameTraceHash(t *testing.T) {
	for _, scenario := range []string{"chain", "ycsb"} {
		cfg := Config{Scenario: scenario, Seed: 5, Faults: FaultsAll, Buggify: true}
		a, err := Run(cfg)
		require.NoError(t, err)
		b, err := Run(cfg)
		require.NoError(t, err)
		require.Equal(t, a.Hash, b.Hash)
		require.Equal(t, a.Events, b.Events)
		require.Equal(t, a.Buggify, b.Buggify)
		require.NotEmpty(t, a.Buggify, "seed 5 has no active point: pick another")
	}
}

// Campaigns of every scenario under crash and all faults, BUGGIFY on, pass
// every check. The points must have fired, and duplicated requests must
// have been met and skipped, or the campaign proves nothing.
func TestBuggifyCampaignsHaveNoViolations(t *testing.T) {
	fired := map[runtime.Point]int{}
	var duplicates int64
	for _, model := range []string{FaultsCrash, FaultsAll} {
		for _, scenario := range []string{"bank", "chain", "transfer-2pc", "transfer-saga", "ycsb"} {
			for seed := uint64(1); seed <= buggifySeeds(); seed++ {
				res, err := Run(Config{Scenario: scenario, Seed: seed, Faults: model, Buggify: true})
				require.NoError(t, err)
				require.True(t, res.OK, "%s/%s seed %d:\n%s", model, scenario, seed, res.Describe())
				for _, c := range res.Buggify {
					fired[c.Point] += c.Fired
				}
				duplicates += res.Stats.Duplicates
			}
		}
	}
	t.Logf("firings %v, duplicate requests skipped %d", fired, duplicates)
	for _, p := range runtime.Points() {
		require.Positive(t, fired[p], "%s never fired", p)
	}
	require.Positive(t, duplicates, "no duplicated request reached a worker")
}

// A duplicated request is harmless only because the ingress skips it:
// without that (no-ingress-dedup) the same seeds answer requests twice and
// apply deposits twice, and the checks say so. Without BUGGIFY no request
// is duplicated and the bug cannot be seen at all.
func TestDuplicateRequestsNeedIngressDedup(t *testing.T) {
	const seedsMax = 20
	caught := 0
	for seed := uint64(1); seed <= seedsMax; seed++ {
		cfg := Config{Scenario: "bank", Seed: seed, Faults: FaultsCrash, Bug: runtime.BugNoIngressDedup}
		quiet, err := Run(cfg)
		require.NoError(t, err)
		require.True(t, quiet.OK, "seed %d without BUGGIFY:\n%s", seed, quiet.Describe())
		cfg.Buggify = true
		res, err := Run(cfg)
		require.NoError(t, err)
		if !contains(BuggifyActive(seed), runtime.BuggifyDuplicateRequest) {
			continue
		}
		require.False(t, res.OK, "seed %d duplicates requests, yet passes", seed)
		require.Equal(t, "exactly-once", violationKind(res))
		caught++
	}
	require.Positive(t, caught, "no seed in 1..%d duplicated a request", seedsMax)
}

// The slow-invocation point slows a worker's service whether invocations
// cost time or not, and the run still passes.
func TestSlowInvocationsWithInvocationCost(t *testing.T) {
	for seed := uint64(1); seed <= 12; seed++ {
		if !contains(BuggifyActive(seed), runtime.BuggifySlowInvocation) {
			continue
		}
		for _, cost := range []runtime.Micros{0, 50} {
			cfg := Config{Scenario: "chain", Seed: seed, Faults: FaultsCrash, InvocationCost: cost}
			plain, err := Run(cfg)
			require.NoError(t, err)
			cfg.Buggify = true
			slow, err := Run(cfg)
			require.NoError(t, err)
			require.True(t, slow.OK, "seed %d cost %d:\n%s", seed, cost, slow.Describe())
			require.Greater(t, slow.SimTime, plain.SimTime, "seed %d cost %d: slow invocations took no time", seed, cost)
		}
		return
	}
	t.Fatal("slow-invocation is active in no seed of 1..12")
}

// Under 2PC transfers no function sends a delayed message, so snapshots
// that leave delayed messages out lose nothing; BUGGIFY's delayed decision
// sends commits and aborts through SendAfter, and a crash then loses one:
// a participant locked for ever, a transfer half applied.
func TestDelayedDecisionExposesSnapshotsWithoutDelayedMessages(t *testing.T) {
	caught := func(buggify bool) int {
		n := 0
		for seed := uint64(45); seed <= 60; seed++ {
			res, err := Run(Config{Scenario: "transfer-2pc", Seed: seed, Faults: FaultsCrash, Buggify: buggify,
				Bug: runtime.BugSnapshotWithoutDelayed})
			require.NoError(t, err)
			if !res.OK {
				n++
			}
		}
		return n
	}
	require.Zero(t, caught(false), "without BUGGIFY 2PC has no delayed messages to lose")
	require.Positive(t, caught(true))
}
