package scenarios

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/flowtx/flowtx/runtime"
)

// swarmSeeds is how many seeds each swarm campaign runs: a few under
// -short, more otherwise.
func swarmSeeds() uint64 {
	if testing.Short() {
		return 8
	}
	return 40
}

// A seed draws the same parameters every time, and resolving a resolved
// swarm config draws them again: the config line, the schedule and the
// workload are functions of the seed.
func TestSwarmDrawIsDeterministicPerSeed(t *testing.T) {
	for _, scenario := range Names() {
		for seed := uint64(1); seed <= 10; seed++ {
			cfg := Config{Scenario: scenario, Seed: seed, Faults: FaultsSwarm}
			a, err := Resolve(cfg)
			require.NoError(t, err)
			b, err := Resolve(cfg)
			require.NoError(t, err)
			again, err := Resolve(a)
			require.NoError(t, err)
			require.Equal(t, a.String(), b.String())
			require.Equal(t, a.String(), again.String(), "resolving twice draws again, the same")
			ja, err := NewJob(a)
			require.NoError(t, err)
			jb, err := NewJob(cfg)
			require.NoError(t, err)
			require.Equal(t, ja.Faults(), jb.Faults())
			require.Equal(t, ja.requests, jb.requests)
		}
	}
}

// Different seeds draw different runs, every drawn parameter takes more
// than one value over a few seeds, and each stays in its range.
func TestSwarmSeedsDiffer(t *testing.T) {
	seen := map[string]map[string]bool{}
	note := func(field string, v ...any) {
		if seen[field] == nil {
			seen[field] = map[string]bool{}
		}
		seen[field][fmt.Sprint(v...)] = true
	}
	lines := map[string]bool{}
	const seeds = 40
	for seed := uint64(1); seed <= seeds; seed++ {
		c, err := Resolve(Config{Scenario: "ycsb", Seed: seed, Faults: FaultsSwarm})
		require.NoError(t, err)
		lines[c.Drawn()] = true
		require.True(t, c.Workers >= 1 && c.Workers <= swarmWorkersMax, c.Drawn())
		require.True(t, c.Clients >= 1 && c.Clients <= swarmClientsMax, c.Drawn())
		require.GreaterOrEqual(t, c.Keys, 2, c.Drawn())
		note("workers", c.Workers)
		note("clients", c.Clients)
		note("keys", c.Keys)
		note("interval", c.CheckpointInterval)
		note("strategy", c.Strategy)
		note("kinds", c.Swarm.Crash, c.Swarm.Network)
		note("protocol", c.Protocol)
		note("share", c.TransferShare)
		note("zipf", c.Zipf > 0)
		note("balance", c.InitialBalance)
		note("conflict", c.Conflict)
		note("saga-mode", c.SagaMode)
	}
	require.Len(t, lines, seeds, "two seeds drew the same run")
	for field, values := range seen {
		require.Greater(t, len(values), 1, "%s is the same in every seed", field)
	}
	require.Len(t, seen["kinds"], 4, "quiet, crash only, network only and both should all occur")
}

// Swarm campaigns over the YCSB scenarios, BUGGIFY on, pass every check,
// the checker's strict serializability included (so the drawn
// concurrency stays where porcupine decides).
func TestSwarmCampaignOverYCSBIsClean(t *testing.T) {
	var quiet, violent int
	for _, scenario := range []string{"transfer-2pc", "transfer-saga", "ycsb"} {
		for seed := uint64(1); seed <= swarmSeeds(); seed++ {
			res, err := Run(Config{Scenario: scenario, Seed: seed, Faults: FaultsSwarm, Buggify: true})
			require.NoError(t, err)
			require.True(t, res.OK, "%s\n%s", res.Config.Drawn(), res.Describe())
			if len(res.Schedule) == 0 {
				quiet++
			}
			if res.Config.Swarm.Crash && res.Config.Swarm.Network {
				violent++
			}
		}
	}
	require.Positive(t, quiet, "no quiet seed")
	require.Positive(t, violent, "no seed with both crashes and network faults")
}

// A swarm seed replays: the same config gives the same trace hash, and a
// failing swarm run shrinks to a given schedule that keeps the drawn
// parameters and fails the same way.
func TestSwarmReplayReproducesTraceHash(t *testing.T) {
	cfg := Config{Scenario: "chain", Seed: 3, Faults: FaultsSwarm, Buggify: true}
	a, err := Run(cfg)
	require.NoError(t, err)
	b, err := Run(cfg)
	require.NoError(t, err)
	require.Equal(t, a.Hash, b.Hash)
	require.Equal(t, a.Config.Drawn(), b.Config.Drawn())

	bad := Config{Scenario: "bank", Faults: FaultsSwarm, Bug: runtime.BugKeepFailedEffects}
	var failing *Result
	for seed := uint64(1); seed <= 20 && failing == nil; seed++ {
		bad.Seed = seed
		r, err := Run(bad)
		require.NoError(t, err)
		if !r.OK {
			failing = &r
		}
	}
	require.NotNil(t, failing, "keep-failed-effects not caught by 20 swarm seeds")
	s, err := Shrink(failing.Config)
	require.NoError(t, err)
	require.Equal(t, FaultsGiven, s.Config.Faults)
	require.Equal(t, failing.Config.Workers, s.Config.Workers, "shrinking keeps the drawn job")
	require.Equal(t, failing.Config.Keys, s.Config.Keys)
	again, err := Run(s.Config)
	require.NoError(t, err)
	require.Equal(t, s.Kind, violationKind(again))
}
