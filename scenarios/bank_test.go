package scenarios

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/flowtx/flowtx/runtime"
)

func TestBankSeedsPass(t *testing.T) {
	for seed := uint64(1); seed <= 20; seed++ {
		res, err := Run(Config{Scenario: "bank", Seed: seed})
		require.NoError(t, err)
		require.True(t, res.OK, "seed %d: %s", seed, res.Describe())
		require.Equal(t, res.Requests, res.Answered)
		require.Greater(t, res.Failed, 0, "seed %d: no withdrawal failed, so the failure path went untested", seed)
	}
}

// The known-bad runtime that applies a failed invocation's effects must be
// caught by the bank's balance check on every seed: failed withdrawals
// happen on all of them.
func TestBankCatchesKeptFailedEffects(t *testing.T) {
	for seed := uint64(1); seed <= 5; seed++ {
		res, err := Run(Config{Scenario: "bank", Seed: seed, Bug: runtime.BugKeepFailedEffects})
		require.NoError(t, err)
		require.False(t, res.OK, "seed %d: bug not caught", seed)
		require.Contains(t, res.Violations[0], "bank:")
	}
}

func TestChainSeedsPass(t *testing.T) {
	for seed := uint64(1); seed <= 20; seed++ {
		res, err := Run(Config{Scenario: "chain", Seed: seed})
		require.NoError(t, err)
		require.True(t, res.OK, "seed %d: %s", seed, res.Describe())
		require.Greater(t, res.Stats.RemoteSends, int64(0), "seed %d: no hop crossed workers", seed)
	}
}
