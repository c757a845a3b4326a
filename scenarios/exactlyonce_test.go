package scenarios

import (
	"fmt"
	"reflect"
	"strings"
	"testing"

	"pgregory.net/rapid"

	"github.com/flowtx/flowtx/runtime"
	"github.com/flowtx/flowtx/sim"
)

// The exactly-once properties of the runtime under crashes (issue: exactly
// once), checked on every run:
//
//	(a) every ingress request gets exactly one released response;
//	(b) the final state, and every response, equal those of a fault-free
//	    run of the same ingress log;
//	(c) no restored checkpoint was ever incomplete (a worker that finds
//	    its snapshot missing breaks an invariant, which fails the run).
//
// (a) and (c) surface as the run's violations; (b) compares two runs.

// crashVerdict names the first property a crash run breaks, or "".
func crashVerdict(faulty, clean Result) (property, detail string) {
	for _, v := range faulty.Violations {
		switch {
		case strings.HasPrefix(v, "invariant:"):
			return "(c) complete checkpoints", v
		case strings.HasPrefix(v, "exactly-once:"), strings.HasPrefix(v, "liveness:"):
			return "(a) one response per request", v
		}
	}
	if len(faulty.Violations) > 0 {
		return "(b) state as fault-free", faulty.Violations[0]
	}
	if !reflect.DeepEqual(faulty.Outcome.State, clean.Outcome.State) {
		return "(b) state as fault-free", "final state differs from the fault-free run"
	}
	if got, want := responses(faulty.Outcome), responses(clean.Outcome); !reflect.DeepEqual(got, want) {
		return "(b) state as fault-free", "responses differ from the fault-free run"
	}
	return "", ""
}

func runCrashAndClean(cfg Config) (faulty, clean Result, err error) {
	cfg.Faults = FaultsCrash
	if faulty, err = Run(cfg); err != nil {
		return
	}
	cfg.Faults = FaultsNone
	clean, err = Run(cfg)
	return
}

func drawCrashConfig(t *rapid.T) Config {
	cfg := Config{
		Scenario:           rapid.SampledFrom([]string{"bank", "chain"}).Draw(t, "scenario"),
		Seed:               rapid.Uint64().Draw(t, "seed"),
		Workers:            rapid.IntRange(1, 5).Draw(t, "workers"),
		Clients:            rapid.IntRange(1, 6).Draw(t, "clients"),
		Ops:                rapid.IntRange(1, 20).Draw(t, "ops"),
		CheckpointInterval: sim.Time(rapid.SampledFrom([]int64{2, 5, 10, 25}).Draw(t, "interval-ms")) * sim.Millisecond,
		InvocationCost:     rapidMicros(t),
		Strategy:           rapid.SampledFrom([]runtime.Strategy{runtime.Unaligned, runtime.Aligned}).Draw(t, "strategy"),
		// Disjoint keys make the bank's final state independent of how
		// clients interleave, so that it can be compared with (b).
		Disjoint: true,
	}
	cfg.Keys = rapid.IntRange(cfg.Clients, 4*cfg.Clients+8).Draw(t, "keys")
	return cfg
}

func TestExactlyOnceUnderCrashes(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		cfg := drawCrashConfig(t)
		faulty, clean, err := runCrashAndClean(cfg)
		if err != nil {
			t.Fatalf("run: %v", err)
		}
		if !clean.OK {
			t.Fatalf("fault-free run failed: %s", clean.Describe())
		}
		if p, detail := crashVerdict(faulty, clean); p != "" {
			t.Fatalf("%s broken: %s\nfaults:\n%v\n%s", p, detail, faulty.Schedule, faulty.Describe())
		}
	})
}

// Crash campaigns actually crash things: a property that holds only
// because nothing failed would prove nothing.
func TestCrashCampaignsRecover(t *testing.T) {
	var recoveries, restores, aborted int64
	for seed := uint64(1); seed <= 10; seed++ {
		res, err := Run(Config{Scenario: "chain", Seed: seed, Faults: FaultsCrash})
		if err != nil || !res.OK {
			t.Fatalf("seed %d: %v %s", seed, err, res.Describe())
		}
		recoveries += res.Checkpoints.Recoveries - 1 // the start-up restore is not a recovery
		restores += res.Stats.Restores
		aborted += res.Checkpoints.Aborted
	}
	if aborted == 0 {
		t.Fatal("no checkpoint was aborted: store failures and crashes mid-snapshot never hit")
	}
	if recoveries < 20 {
		t.Fatalf("10 crash seeds recovered only %d times", recoveries)
	}
	if restores == 0 {
		t.Fatal("no worker restored a checkpoint")
	}
}

// Each known-bad runtime must be caught by the properties within a few
// seeds of a crash campaign on the chain scenario, under both strategies.
func TestExactlyOncePropertiesCatchKnownBadVariants(t *testing.T) {
	const seedsMax = 40
	for _, strategy := range []runtime.Strategy{runtime.Unaligned, runtime.Aligned} {
		for _, bug := range []runtime.Bug{
			runtime.BugNoChannelRecording,
			runtime.BugEarlyEgress,
			runtime.BugNoIngressRewind,
			runtime.BugCompleteEarly,
			runtime.BugSnapshotWithoutDelayed,
		} {
			t.Run(strategy.String()+"/"+string(bug), func(t *testing.T) {
				catch(t, Config{Scenario: "chain", Strategy: strategy, Bug: bug}, seedsMax)
			})
		}
	}
}

// The aligned strategy's own known-bad variant: not holding a channel
// whose marker came early makes inconsistent snapshots.
func TestAlignedPropertiesCatchMissingAlignment(t *testing.T) {
	catch(t, Config{Scenario: "chain", Strategy: runtime.Aligned, Bug: runtime.BugNoAlignment}, 100)
}

// catch runs crash seeds of cfg until the properties catch its bug.
func catch(t *testing.T, cfg Config, seedsMax uint64) {
	t.Helper()
	bug := cfg.Bug
	for seed := uint64(1); seed <= seedsMax; seed++ {
		cfg.Seed = seed
		faulty, clean, err := runCrashAndClean(cfg)
		if err != nil {
			t.Fatal(err)
		}
		if p, detail := crashVerdict(faulty, clean); p != "" {
			t.Logf("%s caught at seed %d by %s: %s", bug, seed, p, firstLine(detail))
			return
		}
	}
	t.Fatalf("%s not caught in %d seeds", bug, seedsMax)
}

func firstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i]
	}
	return fmt.Sprint(s)
}

// Old checkpoints are garbage-collected: after a long fault-free run the
// store holds, per worker, the snapshots of the retained checkpoints'
// chains (the two retained checkpoints may sit on two chains, each at most
// as long as the longest the run wrote) and one in flight, plus the
// completion records and the generation. Under crashes, aborted
// checkpoints linger until a newer full snapshot is retained; the store
// still holds a small fraction of what was written.
func TestCheckpointStoreStaysBounded(t *testing.T) {
	for _, faults := range []string{FaultsNone, FaultsCrash} {
		res, err := Run(Config{Scenario: "chain", Seed: 3, Ops: 60, Faults: faults})
		if err != nil || !res.OK {
			t.Fatalf("%s: %v %s", faults, err, res.Describe())
		}
		if res.Checkpoints.Completed < 20 {
			t.Fatalf("%s: only %d checkpoints", faults, res.Checkpoints.Completed)
		}
		perWorker := 2*int(res.Stats.ChainMax) + 1
		if faults == FaultsCrash {
			perWorker *= 2
		}
		if written := int(res.Stats.Snapshots) / res.Workers; perWorker >= written {
			t.Fatalf("%s: a bound of %d keys per worker would hold whatever the collector kept of %d", faults, perWorker, written)
		}
		if bound := perWorker*res.Workers + 3; res.StoreKeys > bound {
			t.Fatalf("%s: %d keys in the store after %d checkpoints, want <= %d", faults, res.StoreKeys, res.Checkpoints.Completed, bound)
		}
	}
}
