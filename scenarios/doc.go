// Package scenarios puts workloads on the runtime and runs them: it turns a
// Config into a Job of worker, checkpoint-coordinator and client processes
// that either driver can run, runs one seed of it under the simulator
// (Run), with a fault schedule drawn from the seed or given, checks what
// the clients saw against the final state, and shrinks a failing run to a
// small one (Shrink).
//
// # Jobs and drivers
//
// NewJob resolves a Config against its scenario's defaults (Resolve),
// registers the workload's function types, takes the fault schedule (below)
// and draws every client's requests before the run, each client from its
// own stream "workload/client/<c>". Requests and faults therefore depend on
// the seed and the config alone, never on the timing of the run, and
// adding a fault draw, or giving a schedule, does not shift the workload.
//
// Config.Faults names the fault model. FaultsNone ("none", the zero
// value's default) has no faults. FaultsCrash ("crash") draws a schedule
// of worker and coordinator crashes with their restarts, and store-failure
// windows, from the seed's stream "faults" (faults.DrawCrashes; the
// parameters are in docs/fault-model.md). FaultsGiven ("given") runs
// exactly Config.Schedule, as read from a file by `flowtx replay --faults
// FILE` or found by Shrink; Resolve validates it for the job
// (faults.Schedule.Validate) and requires it to end before the time
// limit.
//
// Install adds the job's processes to a Driver, anything with AddNode: the
// simulator kernel (*sim.Sim) and the real-time driver (*realtime.Driver)
// both are. Workers come first, as nodes 0..Workers-1, then the checkpoint
// coordinator (node Workers), then the clients. A worker node runs a
// runtime.Worker and is its runtime.Host, translating between the
// runtime's types and sim.Env; the coordinator node does the same for the
// runtime.Coordinator and sums its counters over its incarnations. The
// runtime itself never sees sim. Links to and from the coordinator are
// slower and more spread out than the others, so that checkpoint markers
// often overtake requests.
//
// Done reports whether every client has had all its requests answered; it
// reads an atomic counter, so the real-time driver may poll it from another
// goroutine. Settled reports whether the job has converged (coordinator up
// and steady, every worker running its generation). Check reads the final
// state from the worker processes and runs the checks; call it only once
// the driver has stopped.
//
// # Workloads
//
// A Workload is a scenario's business:
//
//   - Register adds its function types to the registry;
//   - Requests draws one client's operations, in order, from the client's
//     stream. A request to an address with an empty ID goes to a fresh
//     instance named after the request ("c3#7"): a transaction's own
//     coordinator, which runs exactly that transaction;
//   - Retryable reports whether a response asks the client to try again
//     (a 2PC transaction that lost a deadlock or met a lock);
//   - Check judges an Outcome, one line per violated property.
//
// A workload may also have a method Pipeline() runtime.Pipeline: Install
// then gives every worker that pipeline, the plug point where a transaction
// protocol's participant side sits (runtime.Config.Pipeline). The YCSB
// scenarios use it; bank and chain run without one.
//
// A scenario registers itself in an init function with its name, a
// one-line description (About), its default Config and a constructor for
// its Workload; Names lists them, sorted.
//
// # Clients, the ingress and the egress
//
// A client is closed-loop, one request outstanding at a time, unless
// Config.ArrivalRate makes the clients open-loop: together they send that
// many requests per virtual second at Poisson arrival times, answered or
// not. Arrival times are drawn before the run and kept: on the wall clock,
// where timers fire late, a late timer sends every arrival already due
// (in the simulator timers are on time). A client appends
// the request to the durable log "ingress/<w>", the ingress partition of
// the worker w that owns the request's target, then sends w a notice; the
// worker reads its partition from its offset (runtime.Worker.PollIngress),
// so a recovery can rewind it. Responses leave a worker in batches
// (runtime.Host.Release): the worker node appends each client's share to
// that client's egress topic, the durable log "egress/<c>", and sends the
// client a notice. The client reads its topic from its own offset, on a
// notice and every 20ms regardless, and keeps only the first copy of each
// batch, named by (worker, epoch), as a Kafka read-committed consumer
// would; batches of epoch 0 come from a job without transactional egress
// and are never repeats. A response that is not for the request
// outstanding, such as a duplicate, is recorded as unexpected.
//
// A retryable response is recorded, and the operation is resubmitted after
// a backoff (1ms, doubled for each further retry) under a new request id
// (sequence numbers after the drawn ones), so a 2PC retry gets a fresh
// coordinator. After 8 retries the client keeps the last, retryable, answer
// and moves on; the checks accept that.
//
// # Histories and checks
//
// Each client records one Op per request it sent, retries included: the
// index of the drawn operation it is an attempt of (retries share it), the
// request (with its coordinator's id filled in), the response, whether one
// came, and the call and return times as Env.Now gave them. An Outcome
// holds every client's history, the responses clients did not expect, and
// the final state of every instance that holds state, protocol state
// included. The job checks exactly-once answers as clients saw them (no
// unexpected response) and liveness (every client done, every request it
// sent answered); then the workload's Check adds the scenario's own
// properties.
//
// A workload that can also describe its outcome as a checker.History (a
// method History(Outcome) checker.History; the YCSB scenarios have one) is
// judged by the independent checker too: checker.Check's verdicts
// (exactly-once, liveness, final-state accounting, atomicity, session
// order, strict serializability for 2PC) go into Result.Verdicts, and every verdict that is not Ok
// becomes a violation line: an Unknown verdict fails the run, as a
// Violation does, rather than passing it silently. A run that did not
// settle gives the checker no final state. Config.NoChecker skips the
// checker (the workload's own check still runs), for throughput
// benchmarks at a concurrency where porcupine's search would give up.
//
// Each violation is one line prefixed with its kind: "exactly-once:",
// "liveness:", "invariant:" (below), the scenario's ("bank:", "chain:",
// "ycsb:"), or a checker verdict's ("final-state-accounting:",
// "atomicity:", "session-order:", "strict-serializability:", and the
// checker's own "exactly-once:" and "liveness:").
//
// # The bank scenario
//
// One function type, bank/account, with instances acct-0..acct-<Keys-1>
// and one piece of state, the balance. Clients send deposits, withdrawals
// and reads in the ratio 2:2:1, amounts 1..100; every operation is answered
// with the balance after it. A withdrawal larger than the balance fails with
// ErrInsufficientFunds, a business failure. The function writes the new
// balance before it checks, so the scenario leans on the runtime discarding
// a failed invocation's effects. An account only replies, so every request
// stays on the worker whose ingress partition it came from. Defaults: 4
// workers, 8 clients, 50 operations each, 16 accounts.
//
// Its invariant: each account's final balance equals the deposits minus
// the successful withdrawals its clients were told of, and no balance,
// final or reported, is negative. runtime.BugKeepFailedEffects, which
// applies a failed invocation's effects, breaks it, and a test requires the
// check to catch that on every seed it tries.
//
// # The chain scenario
//
// One function type, chain/link, with instances link-0..link-<Keys-1>. A
// request starts a chain of 0..48 hops at a random link; each hop counts a
// visit in the link's state and forwards to the next link of a fixed
// permutation of the keys, which is full of cycles (every fifth link
// forwards with a delayed message, 2ms later), and the last hop answers
// the client with its key through Egress. Hops cross workers, so this is,
// with the YCSB transfers, what exercises remote sends and channel
// recording, and it is the only scenario with delayed messages. Defaults:
// 4 workers, 8 clients, 20 chains each, 32 links.
// Its invariant: the answer names the chain's last link, and every link's
// visit count equals the number of answered chains that passed through it.
//
// Interleaving and the final state: with Disjoint, the bank gives each
// client accounts of its own, so its final state does not depend on how
// clients interleave, which lets a real-time run be compared with a
// simulated one and a crash run with a fault-free one. The chain draws its
// starting links the same way with or without Disjoint; it needs no such
// help, because visit counts commute. The YCSB scenarios ignore Disjoint.
//
// # The YCSB scenarios
//
// The paper's workload, as three scenarios over one function type,
// ycsb/record, with instances r0..r<Keys-1>: transfer-2pc (every operation
// a transfer, run as a 2PC transaction), transfer-saga (every operation a
// transfer, run as a saga) and ycsb (TransferShare percent transfers, 50 by
// default, 2PC unless Protocol is "saga"; the rest half reads and half
// single-field updates). A record holds a balance (InitialBalance, 10,000
// by default, until first written) and the string fields f0..f9 that
// updates write. Keys are drawn uniformly, or Zipfian with theta Zipf (key
// r0 the hottest). A transfer moves 1..AmountMax (default 1) between two
// distinct records through a coordinator of type ycsb/transfer-2pc or
// ycsb/transfer-saga, one instance per request; it is answered with its
// outcome as the message kind ("committed", "aborted", "retryable",
// "completed", "compensated") and a JSON body with the reason or the
// balances its steps read. Conflict picks how 2PC meets a held lock (wait
// with deadlock detection, no-wait or wait-die), SagaMode how sagas run
// their steps. The workload's pipeline is twopc.Participant with a
// saga.Participant as its Next. Defaults: 4 workers, 8 clients, 25
// operations each, 100 records, a 20s time limit. docs/protocols.md
// explains the protocols.
//
// The invariant: money is conserved (the balances sum to Keys times
// InitialBalance); each record's balance is its initial balance plus
// exactly the transfers clients were told committed or completed; and no
// lock, queue, coordinator or saga progress is left in any instance's
// state at the end. The checker adds its verdicts (above). Each known-bad
// protocol variant (twopc.Bugs, saga.Bugs) must be caught by its campaign
// in Variants, which runs with balances low enough for insufficient
// funds.
//
// # Run, faults, safety and liveness
//
// Run builds a kernel seeded with the run's seed, with the job's network
// and a checkpoint store whose operations take 1..5ms and fail inside the
// schedule's store-failure windows, installs the job and schedules the
// crashes and restarts. It runs in two phases. Safety: the schedule plays
// out (drawn crashes start during the first FaultSpan, 300ms by default,
// each process restarting within three checkpoint intervals; a given
// schedule may place its events anywhere before the time limit), while the
// workload runs and the checks' histories are recorded. Liveness: after the last fault (restart
// or end of a store failure) the job must finish every client's
// requests and settle (the coordinator steady, every worker restored to
// the current generation) within TimeLimit of virtual time; then it runs
// 20ms more, so that stray messages and timers land, and checks. A run
// not converged by the time limit, or a kernel error (ErrEventsMax), is a
// liveness violation. A broken invariant inside the runtime or a protocol
// panics through its assert; Run reports that as one "invariant:"
// violation, at the virtual time it happened, and skips the checks, which
// would only add noise about the half-updated state.
//
// # Results
//
// A Result carries the configuration, the fault schedule, the counts
// (requests, answered, business failures, faults), the workers' summed
// runtime.Stats, the coordinator's counters, the store's size at the end,
// the events, the virtual time, the trace hash, the checker's verdicts
// (for a workload it can judge), the violations and the Outcome. Line
// renders it as one line, as `flowtx run` prints each seed; Describe as
// `flowtx replay` does: the config line, one line per fault, the outcome
// line and every violation, sorted. Its JSON tags shape `flowtx run
// --json`. RunTraced is Run with every kernel event handed to a function.
// Config.String renders every parameter of a resolved config on one line,
// the YCSB ones only when a protocol is set.
//
// Bugs lists every deliberately broken variant a run can select: the
// runtime's (runtime.Bugs), then 2PC's, then the saga's, then the
// clients' BugClientRetryCommitted (a client resubmits a transfer that
// committed). Variants pairs each with the campaign that must catch it,
// and CleanCampaigns lists those campaigns without their bugs, which must
// pass: `flowtx selftest` runs both.
//
// # Shrinking
//
// Shrink minimises a failing run while its first violation keeps its kind
// (the word before the colon: "exactly-once", "invariant", "ycsb", ...); a
// candidate that passes, fails with another kind first, or cannot run does
// not count. It runs the config once, takes the run's schedule as given
// (Faults "given"), and shrinks in turn:
//
//  1. the schedule, by Zeller's delta debugging (ddmin) over fault units: a
//     crash with the restart that ends it, a crash never restarted, or a
//     store-failure window. The empty schedule is tried first; then the
//     units split into n chunks, n from 2, each chunk tried alone, then,
//     for n > 2, each complement; a failing chunk resets n to 2, a failing
//     complement lowers it by one, and a round without one doubles it,
//     until n reaches the number of units. The units left are 1-minimal;
//  2. the number of clients, the first of 1, 2, ... that fails;
//  3. the operations per client, by binary search for the smallest count
//     that fails.
//
// Workers, keys and the seed stay as they were. Clients are the last
// nodes, so the schedule's worker numbers stay valid, and each draws from
// its own stream, so fewer clients or operations send a subset of the same
// requests (the bank with Disjoint aside, whose keys depend on the client
// count). A shrink makes at most 2,000 runs. Shrunk holds the minimal
// config, with its schedule, which replays with `flowtx replay --faults
// FILE`; its result; the kind kept; and the number of runs. A config that
// passes comes back unshrunk, with its passing result.
//
// # Limits
//
// Resolve rejects, naming the field: workers outside 1..128 (a worker must
// own at least one of the runtime's key groups), clients outside 1..10,000,
// operations per client outside 1..1,000,000, keys outside 1..10,000,000, a
// negative invocation cost, a time limit that is not positive, Disjoint
// with fewer keys than clients, a transfer share outside 1..100 other than
// NoTransfers (for a scenario with a protocol), a protocol other than 2pc
// or saga, a Zipfian theta that is neither 0 nor in (0, 1) (NaN included),
// an initial balance below NoBalance or an amount maximum below 1, a fault
// model other than none, crash, network, all, swarm or given, a Schedule
// with a model other than given, faults of any model without checkpoints,
// a fault span
// outside (0, time limit), a schedule that faults.Schedule.Validate
// rejects for the job's workers or that ends (Schedule.End) at or after
// the time limit, and an unknown scenario or bug.
//
// Zero fields take the defaults, so a real zero is asked for with a
// sentinel: TransferShare NoTransfers for a mix of reads and updates only
// (in transfer-2pc and transfer-saga too), InitialBalance NoBalance for
// records that start empty. Config.String and the replay command print
// both as 0. A zero amount maximum cannot be asked for. With one key the
// YCSB scenarios draw no transfers. The YCSB check compares final balances;
// the balances answers report are judged only by the checker's
// serializability check, so only for 2PC. Neither has a non-negativity
// rule: a saga's compensation can drive a balance below zero
// (docs/protocols.md).
//
// # BUGGIFY
//
// With Config.Buggify, and only when Install is handed a *sim.Sim, the
// run's BUGGIFY points may fire (runtime.Points; docs/fault-model.md says
// what each stresses). Each point is active in a quarter of seeds and an
// active point fires a quarter of the times it is reached; both come from
// the point's own stream, "buggify/<point>", so BuggifyActive(seed) says
// before the run which are active, and adding a point moves nothing else.
// The job gives the runtime a runtime.Buggify per node for the points the
// runtime reaches (slow-invocation, early-checkpoint), and reaches the
// other two itself by wrapping a process's Env: a worker's holds a marker,
// and every packet after it on that channel, for a drawn delay
// (delayed-marker); a client's appends a request again under the same id
// a while later (duplicate-request). Every firing is marked in the
// kernel's trace (kind "buggify"), so it shows in `flowtx replay --trace`
// and moves the trace hash; Result.Buggify counts the firings of each
// active point. Without Config.Buggify nothing is drawn and a run is the
// same, event for event, as before BUGGIFY existed. The known-bad
// no-ingress-dedup is caught only with it.
//
// # Swarm
//
// Faults FaultsSwarm makes each seed draw its own run (TigerBeetle's
// swarm testing): Resolve replaces workers (1..6), clients (1..8), keys
// (2..128), the checkpoint interval (2, 5, 10 or 25ms) and strategy,
// and, for the YCSB scenarios, the protocol and transfer share (ycsb only),
// Zipf theta (none, or 0.5..0.99), initial balance (10,000, or 1..10),
// amount maximum (1..5), conflict policy and saga mode with draws from the
// seed's stream "swarm", and draws the fault model into Config.Swarm:
// crash, store failures, network and store latency each on or off, the
// mean gap between fault draws (FaultSpan/2 .. FaultSpan/32), downtimes
// (1..5 intervals), network windows and spike sizes (1..8 intervals), and
// the coordinator, store-failure and store-latency probabilities (up to
// 0.5). The draws depend on the seed and scenario alone, so resolving a
// resolved config draws the same again and `--seed N --faults swarm`
// replays seed N exactly. Config.Drawn renders the draws as the line a
// run prints first ("SEED=7 workers=3 ..."). Shrinking a swarm run turns
// it into a given schedule with every drawn value kept.
package scenarios
