package scenarios

import (
	"testing"

	"github.com/stretchr/testify/require"
	"pgregory.net/rapid"
)

func TestSameSeedSameTraceHash(t *testing.T) {
	cfg := Config{Scenario: "bank", Seed: 7}
	a, err := Run(cfg)
	require.NoError(t, err)
	b, err := Run(cfg)
	require.NoError(t, err)
	require.Equal(t, a.Hash, b.Hash)
	require.Equal(t, a.Events, b.Events)
	require.Equal(t, a.Outcome, b.Outcome)
}

func TestDifferentSeedsDifferentTraceHashes(t *testing.T) {
	seen := map[string]uint64{}
	for seed := uint64(1); seed <= 30; seed++ {
		res, err := Run(Config{Scenario: "bank", Seed: seed})
		require.NoError(t, err)
		prev, dup := seen[res.Hash]
		require.False(t, dup, "seeds %d and %d share trace hash %s", prev, seed, res.Hash)
		seen[res.Hash] = seed
	}
}

func TestDeterminismOverRandomConfigs(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		cfg := Config{
			Scenario:       "bank",
			Seed:           rapid.Uint64().Draw(t, "seed"),
			Workers:        rapid.IntRange(1, 8).Draw(t, "workers"),
			Clients:        rapid.IntRange(1, 6).Draw(t, "clients"),
			Ops:            rapid.IntRange(1, 30).Draw(t, "ops"),
			Keys:           rapid.IntRange(1, 40).Draw(t, "keys"),
			InvocationCost: rapidMicros(t),
		}
		a, err := Run(cfg)
		if err != nil {
			t.Fatalf("run: %v", err)
		}
		b, _ := Run(cfg)
		if a.Hash != b.Hash || a.Events != b.Events {
			t.Fatalf("same config twice: hash %s vs %s, events %d vs %d", a.Hash, b.Hash, a.Events, b.Events)
		}
		if !a.OK {
			t.Fatalf("clean run failed: %s", a.Describe())
		}
	})
}
