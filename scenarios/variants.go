package scenarios

import (
	"github.com/flowtx/flowtx/protocols/saga"
	"github.com/flowtx/flowtx/protocols/twopc"
	"github.com/flowtx/flowtx/runtime"
	"github.com/flowtx/flowtx/sim"
)

// Variant is a deliberately broken runtime or protocol and the campaign
// that must catch it: the self-test runs each one's config over many seeds.
type Variant struct {
	Bug    string
	About  string
	Config Config // the campaign's config; its seed is the first one
}

// Variants lists every known-bad variant with its campaign, in the order
// `flowtx selftest --list` prints them. Runtime variants run crash
// campaigns on the scenario whose traffic exposes them (network campaigns
// for the one about lost packets); protocol variants run transfer
// campaigns with balances low enough for business aborts.
func Variants() []Variant {
	chain := Config{Scenario: "chain", Faults: FaultsCrash}
	aligned := chain
	aligned.Strategy = runtime.Aligned
	partitioned := chain
	partitioned.Faults = FaultsNetwork
	transfers2PC := Config{Scenario: "transfer-2pc", Faults: FaultsCrash, Keys: 20, InitialBalance: 3, AmountMax: 3}
	mix2PC := transfers2PC
	mix2PC.Scenario, mix2PC.Keys = "ycsb", 5 // reads must meet locks often
	transfersSaga := transfers2PC
	transfersSaga.Scenario = "transfer-saga"
	// Open-loop clients put several of their own requests in one lock
	// queue; a rate low enough for porcupine to decide every history.
	sequentialSaga := transfersSaga
	sequentialSaga.SagaMode = saga.Sequential
	// Read transactions of two records with shared locks, among transfers.
	sharedReads := Config{Scenario: "ycsb", Faults: FaultsCrash, Keys: 5, ReadKeys: 2, SharedLocks: true}
	openMix2PC := Config{Scenario: "ycsb", Faults: FaultsCrash, Keys: 5, ArrivalRate: 150, TransferShare: 30}
	v := []Variant{
		{string(runtime.BugKeepFailedEffects), "a failed invocation's effects are applied", Config{Scenario: "bank", Faults: FaultsCrash}},
		{string(runtime.BugNoChannelRecording), "snapshots leave out messages in flight", chain},
		{string(runtime.BugEarlyEgress), "responses leave before their checkpoint completes", chain},
		{string(runtime.BugNoIngressRewind), "recovery does not rewind the ingress", chain},
		{string(runtime.BugCompleteEarly), "a checkpoint is recorded complete before every snapshot is stored", chain},
		{string(runtime.BugSnapshotWithoutDelayed), "snapshots leave out delayed messages", chain},
		{string(runtime.BugNoAlignment), "an aligned worker processes a channel whose marker came early", aligned},
		{string(runtime.BugIgnoreChannelGap), "a worker goes on past a channel that lost packets", partitioned},
		{string(twopc.BugApplyAtPrepare), "a participant applies its effects at prepare", transfers2PC},
		{string(twopc.BugUnlockBeforeCommit), "a participant unlocks when it votes", transfers2PC},
		{string(twopc.BugCommitOnNo), "the coordinator commits on a no vote", transfers2PC},
		{string(twopc.BugCommitMissingVote), "the coordinator commits with one vote missing", transfers2PC},
		{string(twopc.BugDirtyRead), "a locked participant serves a read with uncommitted writes", mix2PC},
		{string(twopc.BugSharedJoinsWriter), "a read-only prepare joins a lock held exclusive", sharedReads},
		{string(twopc.BugQueueReordered), "a participant serves its lock queue newest first", openMix2PC},
		{string(saga.BugSkipLateCompensation), "a step that succeeds after the saga failed is not compensated", transfersSaga},
		{string(saga.BugCompensateTwice), "every compensation is sent twice", transfersSaga},
		{string(saga.BugCompensateEarly), "a saga compensates every step not seen to fail, unsent ones included", sequentialSaga},
	}
	v = append(v, Variant{string(BugClientRetryCommitted), "a client resubmits a committed transfer under a new id", transfers2PC})
	// A value deleted and brought back by a recovery does harm only where
	// something depends on its absence: a 2PC lock or queue, released and
	// deleted, that comes back blocks the record or serves requests again.
	// That needs a lock to be in a snapshot and released before a later
	// one: few keys, BUGGIFY's slow invocations and frequent checkpoints.
	lockedDeltas := Config{Scenario: "transfer-2pc", Faults: FaultsCrash, Keys: 5, Buggify: true, CheckpointInterval: 3 * sim.Millisecond}
	v = append(v, Variant{string(runtime.BugDeltaWithoutDeletions), "delta snapshots leave out values deleted since their base", lockedDeltas})
	v = append(v, Variant{string(runtime.BugNoIngressDedup), "a request sent twice under one id is routed twice", Config{Scenario: "bank", Faults: FaultsCrash, Buggify: true}})
	for i := range v {
		v[i].Config.Bug = runtime.Bug(v[i].Bug)
	}
	return v
}

// CleanCampaigns are the configs of Variants without their bugs: the
// self-test requires them to pass on the same seeds, so that a variant is
// caught by its bug and not by a flaky check.
func CleanCampaigns() []Config {
	seen := map[string]bool{}
	var out []Config
	for _, v := range Variants() {
		cfg := v.Config
		cfg.Bug = runtime.NoBug
		key := cfg.String()
		if resolved, err := Resolve(cfg); err == nil {
			key = resolved.String() // names the protocol options too
		}
		if !seen[key] {
			seen[key] = true
			out = append(out, cfg)
		}
	}
	return out
}
