package scenarios

import (
	"testing"

	"github.com/stretchr/testify/require"
	"pgregory.net/rapid"

	"github.com/flowtx/flowtx/protocols/saga"
	"github.com/flowtx/flowtx/protocols/twopc"
	"github.com/flowtx/flowtx/runtime"
	"github.com/flowtx/flowtx/sim"
)

// The protocol properties under crash faults (issue: 2PC and sagas), all
// checked by the YCSB scenarios' check on every run:
//   - money is conserved at quiescence, for both protocols;
//   - every 2PC transaction ends the same way at every participant: each
//     record's balance is its initial one plus exactly the transfers that
//     clients were told committed, and no lock or queue is left;
//   - every saga ends completed, or with each succeeded step compensated
//     exactly once (same balance check; no saga progress left).

func drawProtocolConfig(t *rapid.T) Config {
	return Config{
		Scenario:       rapid.SampledFrom([]string{"transfer-2pc", "transfer-saga", "ycsb"}).Draw(t, "scenario"),
		Seed:           rapid.Uint64().Draw(t, "seed"),
		Workers:        rapid.IntRange(1, 5).Draw(t, "workers"),
		Clients:        rapid.IntRange(1, 8).Draw(t, "clients"),
		Ops:            rapid.IntRange(1, 15).Draw(t, "ops"),
		Keys:           rapid.IntRange(2, 12).Draw(t, "keys"),
		InitialBalance: rapid.Int64Range(0, 6).Draw(t, "initial-balance"),
		AmountMax:      rapid.Int64Range(1, 4).Draw(t, "amount-max"),
		Conflict:       rapid.SampledFrom([]twopc.Conflict{twopc.Wait, twopc.NoWait, twopc.WaitDie}).Draw(t, "conflict"),
		SagaMode:       rapid.SampledFrom([]saga.Mode{saga.Parallel, saga.Sequential}).Draw(t, "saga-mode"),
		Strategy:       rapid.SampledFrom([]runtime.Strategy{runtime.Unaligned, runtime.Aligned}).Draw(t, "strategy"),
		Faults:         rapid.SampledFrom([]string{FaultsNone, FaultsCrash}).Draw(t, "faults"),
	}
}

func TestProtocolsKeepTheirPropertiesUnderCrashes(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		cfg := drawProtocolConfig(t)
		res, err := Run(cfg)
		if err != nil {
			t.Fatalf("run: %v", err)
		}
		if !res.OK {
			t.Fatalf("faults:\n%v\n%s", res.Schedule, res.Describe())
		}
	})
}

// Contention is real: with few keys, 2PC transactions deadlock (or, under
// no-wait, conflict) and clients retry them; sagas run into insufficient
// funds and compensate.
func TestProtocolsMeetContention(t *testing.T) {
	count := func(cfg Config, kind string) int {
		n := 0
		for seed := uint64(1); seed <= 5; seed++ {
			cfg.Seed = seed
			res, err := Run(cfg)
			require.NoError(t, err)
			require.True(t, res.OK, res.Describe())
			for _, h := range res.Outcome.Histories {
				for _, op := range h {
					if op.Response.Msg.Kind == kind {
						n++
					}
				}
			}
		}
		return n
	}
	hot := Config{Keys: 4, Clients: 8, Ops: 20, Faults: FaultsNone}
	for _, c := range []struct {
		cfg  Config
		kind string
	}{
		{Config{Scenario: "transfer-2pc"}, "retryable"},
		{Config{Scenario: "transfer-2pc", Conflict: twopc.NoWait}, "retryable"},
		{Config{Scenario: "transfer-2pc", Conflict: twopc.WaitDie}, "retryable"},
		{Config{Scenario: "transfer-2pc", InitialBalance: 1, AmountMax: 3}, "aborted"},
		{Config{Scenario: "transfer-saga", InitialBalance: 1, AmountMax: 3}, "compensated"},
		{Config{Scenario: "transfer-saga", InitialBalance: 1, AmountMax: 3, SagaMode: saga.Sequential}, "compensated"},
	} {
		cfg := c.cfg
		cfg.Keys, cfg.Clients, cfg.Ops, cfg.Faults = hot.Keys, hot.Clients, hot.Ops, hot.Faults
		require.Positive(t, count(cfg, c.kind), "%+v: no %s outcome", c.cfg, c.kind)
	}
}

// Each known-bad protocol variant is caught within a few seeds of a crash
// campaign with balances low enough for insufficient funds.
func TestProtocolPropertiesCatchKnownBadVariants(t *testing.T) {
	for _, c := range []struct {
		scenario string
		bug      string
	}{
		{"transfer-2pc", string(twopc.BugApplyAtPrepare)},
		{"transfer-2pc", string(twopc.BugUnlockBeforeCommit)},
		{"transfer-2pc", string(twopc.BugCommitOnNo)},
		{"transfer-saga", string(saga.BugSkipLateCompensation)},
		{"transfer-saga", string(saga.BugCompensateTwice)},
	} {
		t.Run(c.bug, func(t *testing.T) {
			for seed := uint64(1); seed <= 20; seed++ {
				res, err := Run(Config{Scenario: c.scenario, Seed: seed, Faults: FaultsCrash, Bug: runtime.Bug(c.bug),
					InitialBalance: 3, AmountMax: 3, Keys: 20})
				require.NoError(t, err)
				if !res.OK {
					t.Logf("%s caught at seed %d: %s", c.bug, seed, firstLine(res.Violations[0]))
					return
				}
			}
			t.Fatalf("%s not caught in 20 seeds", c.bug)
		})
	}
}

// A crash between a participant's vote and the coordinator's decision:
// the participant's worker crashes right after it sends a yes vote over the
// network, and restarts a little later. Locks, queues, kept effects and
// coordinator progress are instance state, so the job recovers to a
// checkpoint where they are consistent, and every run still passes the
// check.
func TestCrashBetweenVoteAndDecision(t *testing.T) {
	crashed := 0
	for seed := uint64(1); seed <= 10; seed++ {
		cfg := Config{Scenario: "transfer-2pc", Seed: seed, Keys: 10, InitialBalance: 2, AmountMax: 2}
		job, err := NewJob(cfg)
		require.NoError(t, err)
		cfg = job.Config()
		s := sim.New(sim.Config{Seed: cfg.Seed, Network: job.network()})
		armed := true
		s.SetTracer(func(e sim.TraceEvent) {
			tr, ok := e.Msg.(runtime.Transfer)
			if !armed || e.Kind != "deliver" || !ok || tr.Envelope.Msg.Kind != "2pc/vote" || !isYes(tr.Envelope.Msg) {
				return
			}
			armed = false
			crashed++
			voter := e.From
			s.At(s.Now(), func() { s.Crash(voter) })
			s.At(s.Now()+3*sim.Millisecond, func() { s.Restart(voter) })
		})
		job.Install(s)
		require.Empty(t, simulate(s, job))
		_, violations := job.Check(s.Process)
		require.Empty(t, violations, "seed %d", seed)
		require.Greater(t, job.Checkpoints().Recoveries, int64(1), "seed %d: the crash was not recovered from", seed)
	}
	require.Equal(t, 10, crashed)
}

func isYes(m runtime.Message) bool { return twopc.IsYesVote(m) }
