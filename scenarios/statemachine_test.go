package scenarios

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"pgregory.net/rapid"

	"github.com/flowtx/flowtx/faults"
	"github.com/flowtx/flowtx/protocols/saga"
	"github.com/flowtx/flowtx/protocols/twopc"
	"github.com/flowtx/flowtx/runtime"
	"github.com/flowtx/flowtx/sim"
)

// The state-machine property (issue: property tests): rapid draws a
// sequence of actions, each a workload operation ("client c submits a
// transfer, a read or an update") or a fault ("crash worker w", "restart
// the coordinator", "the store fails for d", "partition a from b for d",
// "add latency for d", "crash worker w at a trigger", "client c times
// out", "advance virtual time by d"), then heals every
// crashed process; the run of that script must pass every
// check Run makes: the checker's strict serializability (2PC), final-state
// accounting, exactly-once and liveness verdicts, and the workload's own.
//
// Clients are closed-loop, so operations carry no time: they become each
// client's request list, in order, and the faults a given schedule along a
// virtual-time cursor that only "advance" moves. The job is built by NewJob
// and its drawn requests replaced by the script's before runJob plays it,
// so the verdicts are exactly Run's.

// Script limits: operations a client may be given, and how far the fault
// cursor may advance (well before the scripts' time limit).
const (
	scriptOpsPerClientMax = 40
	scriptFaultSpanMax    = sim.Second
	scriptTimeLimit       = 5 * sim.Second
)

// script is one drawn test case: the config, each client's requests in
// order, the fault schedule so far, the cursor, and which processes are
// down (-1 is the coordinator).
type script struct {
	cfg      Config
	requests [][]runtime.Request
	schedule faults.Schedule
	now      sim.Time
	down     map[int]bool
}

// scriptOf draws scripts for a transfer scenario: the actions of a rapid
// state machine, healed at the end.
func scriptOf(scenario string) *rapid.Generator[*script] {
	return rapid.Custom(func(t *rapid.T) *script {
		s := newScript(t, scenario)
		t.Repeat(s.actions())
		s.heal()
		return s
	})
}

func newScript(t *rapid.T, scenario string) *script {
	cfg := Config{
		Scenario: scenario,
		// The seed still draws network delays and storage latencies.
		Seed:    rapid.Uint64().Draw(t, "seed"),
		Workers: rapid.IntRange(1, 4).Draw(t, "workers"),
		Clients: rapid.IntRange(1, 4).Draw(t, "clients"),
		Keys:    rapid.IntRange(2, 8).Draw(t, "keys"),
		// Low balances, so that transfers run out of funds and abort or
		// compensate.
		InitialBalance:     rapid.Int64Range(1, 5).Draw(t, "initial-balance"),
		AmountMax:          3,
		Conflict:           rapid.SampledFrom([]twopc.Conflict{twopc.Wait, twopc.NoWait, twopc.WaitDie}).Draw(t, "conflict"),
		SagaMode:           rapid.SampledFrom([]saga.Mode{saga.Parallel, saga.Sequential}).Draw(t, "saga-mode"),
		CheckpointInterval: sim.Time(rapid.SampledFrom([]int64{5, 10, 20}).Draw(t, "checkpoint-interval-ms")) * sim.Millisecond,
		TimeLimit:          scriptTimeLimit,
	}
	return &script{cfg: cfg, requests: make([][]runtime.Request, cfg.Clients), schedule: faults.Schedule{}, down: map[int]bool{}}
}

// actions is the state machine: each action either applies or skips
// before it draws anything, as rapid wants of an inapplicable action. The
// invariant checks the script itself: its schedule so far is one that
// Resolve accepts.
func (s *script) actions() map[string]func(*rapid.T) {
	return map[string]func(*rapid.T){
		"transfer": func(t *rapid.T) {
			c := s.client(t)
			from := rapid.IntRange(0, s.cfg.Keys-1).Draw(t, "from")
			to := (from + rapid.IntRange(1, s.cfg.Keys-1).Draw(t, "to-offset")) % s.cfg.Keys
			amount := rapid.Int64Range(1, s.cfg.AmountMax).Draw(t, "amount")
			body, err := json.Marshal(transferArgs{From: from, To: to, Amount: amount})
			if err != nil {
				t.Fatalf("json.Marshal(transfer) = %v", err)
			}
			s.submit(c, runtime.Address{Type: s.coordinatorType()}, runtime.Message{Kind: opTransfer, Body: body})
		},
		"read": func(t *rapid.T) {
			c := s.client(t)
			s.submit(c, recordAddress(rapid.IntRange(0, s.cfg.Keys-1).Draw(t, "key")), runtime.Message{Kind: opRead})
		},
		"update": func(t *rapid.T) {
			c := s.client(t)
			k := rapid.IntRange(0, s.cfg.Keys-1).Draw(t, "key")
			field := fmt.Sprintf("f%d=v%d.%d", rapid.IntRange(0, fieldsMax-1).Draw(t, "field"), c, len(s.requests[c]))
			s.submit(c, recordAddress(k), runtime.Message{Kind: opUpdate, Body: []byte(field)})
		},
		"crash-worker":   func(t *rapid.T) { s.toggle(t, true) },
		"restart-worker": func(t *rapid.T) { s.toggle(t, false) },
		"crash-coordinator": func(t *rapid.T) {
			if s.down[-1] {
				t.Skip("the coordinator is down")
			}
			s.fault(faults.Event{Kind: faults.CrashCoordinator}, -1, true)
		},
		"restart-coordinator": func(t *rapid.T) {
			if !s.down[-1] {
				t.Skip("the coordinator is up")
			}
			s.fault(faults.Event{Kind: faults.RestartCoordinator}, -1, false)
		},
		"store-failure": func(t *rapid.T) {
			s.schedule = append(s.schedule, faults.Event{At: s.now, Kind: faults.StoreFailure, Until: s.now + drawSpan(t, "store-down")})
		},
		"partition": func(t *rapid.T) {
			a, b := s.nodePair(t)
			kind := faults.Partition
			if rapid.Bool().Draw(t, "one-way") {
				kind = faults.PartitionOneWay
			}
			s.schedule = append(s.schedule, faults.Event{At: s.now, Kind: kind, Until: s.now + drawSpan(t, "partition"), Nodes: []faults.Node{a, b}})
		},
		"delay-spike": func(t *rapid.T) {
			var nodes []faults.Node // none: every link
			if rapid.Bool().Draw(t, "one-node") {
				nodes = []faults.Node{faults.Node(rapid.IntRange(-1, s.cfg.Workers-1).Draw(t, "node"))}
			}
			s.schedule = append(s.schedule, faults.Event{At: s.now, Kind: faults.DelaySpike, Until: s.now + drawSpan(t, "spike"),
				Nodes: nodes, Extra: drawSpan(t, "extra")})
		},
		"crash-at-trigger": func(t *rapid.T) {
			s.schedule = append(s.schedule, faults.Event{At: s.now, Kind: faults.CrashWorkerOn,
				Worker: rapid.IntRange(0, s.cfg.Workers-1).Draw(t, "worker"), Trigger: rapid.SampledFrom(faults.Triggers()).Draw(t, "trigger"),
				Until: s.now + drawSpan(t, "armed"), Down: drawSpan(t, "down")})
		},
		"client-timeout": func(t *rapid.T) {
			c := rapid.IntRange(0, len(s.requests)-1).Draw(t, "client")
			s.schedule = append(s.schedule, faults.Event{At: s.now, Kind: faults.ClientTimeout, Client: c})
		},
		"advance": func(t *rapid.T) {
			if s.now >= scriptFaultSpanMax {
				t.Skip("the fault span is used up")
			}
			s.now += drawSpan(t, "advance")
		},
		"": func(t *rapid.T) {
			if err := s.schedule.Validate(s.cfg.Workers); err != nil {
				t.Fatalf("the script built an invalid schedule: %v\n%v", err, s.schedule)
			}
		},
	}
}

// drawSpan draws a positive span of virtual time up to about 30ms, as
// milliseconds and microseconds apart: rapid favours small integers, and
// one draw in microseconds would keep nearly every fault inside the first
// checkpoint interval.
func drawSpan(t *rapid.T, label string) sim.Time {
	ms := sim.Time(rapid.IntRange(0, 30).Draw(t, label+"-ms"))
	us := sim.Time(rapid.IntRange(0, 999).Draw(t, label+"-us"))
	return max(ms*sim.Millisecond+us, 1)
}

// client draws the client an operation is for; a client with its share of
// operations takes no more.
func (s *script) client(t *rapid.T) int {
	var open []int
	for c, reqs := range s.requests {
		if len(reqs) < scriptOpsPerClientMax {
			open = append(open, c)
		}
	}
	if len(open) == 0 {
		t.Skip("every client has its share of operations")
	}
	return rapid.SampledFrom(open).Draw(t, "client")
}

// nodePair draws two distinct nodes of the job, the coordinator (-1)
// among them; a job always has it and one worker.
func (s *script) nodePair(t *rapid.T) (faults.Node, faults.Node) {
	a := rapid.IntRange(-1, s.cfg.Workers-1).Draw(t, "node-a")
	// Shifted by one to count from zero, b is a plus 1..Workers, modulo
	// the Workers+1 nodes.
	b := (a + 2 + rapid.IntRange(0, s.cfg.Workers-1).Draw(t, "node-b-offset")) % (s.cfg.Workers + 1)
	return faults.Node(a), faults.Node(b - 1)
}

func (s *script) coordinatorType() runtime.FuncType {
	if s.cfg.Scenario == "transfer-saga" {
		return TransferSagaType
	}
	return Transfer2PCType
}

// submit appends a request to client c's list, numbered as NewJob numbers
// drawn ones (from 1), so that retries take the ids after them.
func (s *script) submit(c int, to runtime.Address, msg runtime.Message) {
	id := runtime.RequestID{Client: runtime.ClientID(c), Seq: uint64(len(s.requests[c]) + 1)}
	s.requests[c] = append(s.requests[c], runtime.Request{ID: id, To: to, Msg: msg})
}

// toggle crashes a worker that is up, or restarts one that is down.
func (s *script) toggle(t *rapid.T, crash bool) {
	var candidates []int
	for w := range s.cfg.Workers {
		if s.down[w] != crash {
			candidates = append(candidates, w)
		}
	}
	if len(candidates) == 0 {
		t.Skip("no worker to crash or restart")
	}
	w := rapid.SampledFrom(candidates).Draw(t, "worker")
	kind := faults.RestartWorker
	if crash {
		kind = faults.CrashWorker
	}
	s.fault(faults.Event{Kind: kind, Worker: w}, w, crash)
}

// fault adds a crash or restart of process p at the cursor.
func (s *script) fault(e faults.Event, p int, crash bool) {
	e.At = s.now
	s.schedule = append(s.schedule, e)
	s.down[p] = crash
}

// heal restarts every process still down, at the cursor, workers first:
// the run's liveness phase starts from there.
func (s *script) heal() {
	for w := range s.cfg.Workers {
		if s.down[w] {
			s.fault(faults.Event{Kind: faults.RestartWorker, Worker: w}, w, false)
		}
	}
	if s.down[-1] {
		s.fault(faults.Event{Kind: faults.RestartCoordinator}, -1, false)
	}
}

// run plays the script, with a bug switched on or not, as Run would: the
// config resolved by NewJob, the schedule given, the clients' requests the
// script's.
func (s *script) run(bug runtime.Bug) (Result, error) {
	cfg := s.cfg
	cfg.Bug = bug
	cfg.Faults, cfg.Schedule = FaultsGiven, s.schedule
	cfg.Ops = 1
	for _, reqs := range s.requests {
		cfg.Ops = max(cfg.Ops, len(reqs))
	}
	job, err := NewJob(cfg)
	if err != nil {
		return Result{}, err
	}
	job.requests = s.requests
	return runJob(job, nil), nil
}

// String renders the script's operations, one line per client, and its
// fault schedule, for failure messages.
func (s *script) String() string {
	var b strings.Builder
	for c, reqs := range s.requests {
		fmt.Fprintf(&b, "client %d:", c)
		for _, r := range reqs {
			fmt.Fprintf(&b, " %s(%s %s)", r.Msg.Kind, r.To.ID, r.Msg.Body)
		}
		b.WriteString("\n")
	}
	fmt.Fprintf(&b, "%v\n", s.schedule)
	return b.String()
}

// GoString is String: rapid logs each draw with %#v.
func (s *script) GoString() string { return s.String() }

// checkScript is the property: the script's run passes, and the checker
// judged it (an empty verdict list would pass without judging anything).
func checkScript(t *rapid.T, s *script) {
	res, err := s.run(runtime.NoBug)
	if err != nil {
		t.Fatalf("run: %v\n%v", err, s)
	}
	if len(res.Verdicts) == 0 {
		t.Fatalf("Verdicts = none; want the checker's verdicts\n%v", s)
	}
	if !res.OK {
		t.Fatalf("run failed:\n%v%s", s, res.Describe())
	}
}

// TestStateMachine runs the property on transfer-2pc and transfer-saga:
// rapid's default 100 scripts each (20 under -short), about 30 actions a
// script (-rapid.steps).
func TestStateMachine(t *testing.T) {
	for _, scenario := range []string{"transfer-2pc", "transfer-saga"} {
		t.Run(scenario, rapid.MakeCheck(func(t *rapid.T) {
			checkScript(t, scriptOf(scenario).Draw(t, "script"))
		}))
	}
}

// The scripts are not vacuous: among the first the generator draws, some
// recover from a crash (a recovery besides the job's first start) and
// some transfers end without taking effect (aborted or compensated).
func TestStateMachineScriptsExerciseFaults(t *testing.T) {
	for _, scenario := range []string{"transfer-2pc", "transfer-saga"} {
		recovered, undone := 0, 0
		gen := scriptOf(scenario)
		for seed := range 20 {
			res, err := gen.Example(seed).run(runtime.NoBug)
			if err != nil {
				t.Fatalf("%s script %d: run = %v", scenario, seed, err)
			}
			if res.Checkpoints.Recoveries > 1 {
				recovered++
			}
			for _, h := range res.Outcome.Histories {
				for _, op := range h {
					if k := op.Response.Msg.Kind; k == twopc.Aborted.String() || k == saga.Compensated.String() {
						undone++
					}
				}
			}
		}
		t.Logf("%s: %d of 20 scripts recovered from a crash, %d transfers undone", scenario, recovered, undone)
		if recovered == 0 || undone == 0 {
			t.Errorf("%s: %d of 20 scripts recovered from a crash, %d transfers undone; want some of each", scenario, recovered, undone)
		}
	}
}

// The property catches known-bad protocol variants: for each, one of the
// first scripts the generator draws (rapid's Example, from fixed seeds, so
// the test is deterministic) must fail its run with the bug switched on.
// If the checks stopped catching the bug, this test fails.
func TestStateMachineCatchesKnownBadVariants(t *testing.T) {
	const seedsMax = 20
	for _, c := range []struct {
		scenario string
		bug      runtime.Bug
	}{
		{"transfer-2pc", runtime.Bug(twopc.BugApplyAtPrepare)},
		{"transfer-2pc", runtime.Bug(twopc.BugUnlockBeforeCommit)},
		{"transfer-2pc", runtime.Bug(twopc.BugCommitOnNo)},
		{"transfer-2pc", runtime.Bug(twopc.BugCommitMissingVote)},
		{"transfer-2pc", BugClientRetryCommitted},
		{"transfer-saga", runtime.Bug(saga.BugSkipLateCompensation)},
		{"transfer-saga", runtime.Bug(saga.BugCompensateTwice)},
	} {
		t.Run(string(c.bug), func(t *testing.T) {
			gen := scriptOf(c.scenario)
			for seed := range seedsMax {
				s := gen.Example(seed)
				res, err := s.run(c.bug)
				if err != nil {
					t.Fatalf("run(%s) = %v\n%v", c.bug, err, s)
				}
				if !res.OK {
					t.Logf("caught by script %d (%d faults): %s", seed, len(s.schedule), res.Violations[0])
					return
				}
			}
			t.Fatalf("%s: no violation in %d scripts; want one", c.bug, seedsMax)
		})
	}
}
