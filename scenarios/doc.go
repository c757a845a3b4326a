// Package scenarios puts workloads on the runtime and runs them: it turns a
// Config into a Job of worker and client processes that either driver can
// run, runs one seed of it under the simulator (Run), and checks what the
// clients saw against the final state.
//
// # Jobs and drivers
//
// NewJob resolves a Config against its scenario's defaults (Resolve),
// registers the workload's function types, and draws every client's
// requests before the run, each client from its own stream
// "workload/client/<c>" of the seed. The requests therefore depend on the
// seed alone, never on the timing of the run.
//
// Install adds the job's processes to a Driver, anything with AddNode: the
// simulator kernel (*sim.Sim) and the real-time driver (*realtime.Driver)
// both are. Workers come first, as nodes 0..Workers-1, then clients. A worker
// node runs a runtime.Worker and is its runtime.Host, translating between
// the runtime's types and sim.Env; the runtime itself never sees sim. Done
// reports whether every client has had all its requests answered; it reads
// an atomic counter, so the real-time driver may poll it from another
// goroutine. Check reads the final state from the worker processes and runs
// the checks; call it only once the driver has stopped.
//
// # Clients and the ingress
//
// A client is closed-loop: one request outstanding at a time. It appends the
// request to the durable log "ingress/<w>", the ingress partition of the
// worker w that owns the request's target, then sends w a notice; the worker
// reads its partition from its offset (runtime.Worker.PollIngress). The
// response comes back as a runtime.Response message from the worker that
// answered (runtime.Host.Release). A response that is not for the request
// outstanding, such as a duplicate, is recorded as unexpected.
//
// # Histories and checks
//
// Each client records one Op per request: the request, its response, whether
// one came, and the call and return times as Env.Now gave them. An Outcome
// holds every client's history and the final state of every instance that
// holds state. The job checks exactly-once answers as clients saw them (no
// unexpected response) and liveness (every request answered); then the
// workload's Check adds the scenario's own properties. Each violation is
// one line, most of them prefixed with the property ("exactly-once:",
// "liveness:") or the scenario ("bank:", "chain:").
//
// # Workloads
//
// A Workload is a scenario's business: Register adds its function types,
// Requests draws one client's operations, Check judges an Outcome. A
// scenario registers itself in an init function with its name, a one-line
// description, its default Config and its Workload; Names lists them.
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
// stays on the worker whose ingress partition it came from.
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
// request starts a chain of 0..16 hops at a random link; each hop counts a
// visit in the link's state and forwards to the next link of a fixed
// permutation of the keys, which is full of cycles, and the last hop
// answers the client with its key through Egress. Hops cross workers, so
// this is the scenario that exercises remote sends (a test requires some on
// every seed). Its invariant: the answer names the chain's last link, and
// every link's visit count equals the number of answered chains that passed
// through it.
//
// Interleaving and the final state: with Disjoint, the bank gives each
// client accounts of its own, so its final state does not depend on how
// clients interleave, which lets a real-time run be compared with a
// simulated one. The chain draws its starting links the same way with or
// without Disjoint; it needs no such help, because visit counts commute.
//
// # Run and Result
//
// Run builds a kernel seeded with the run's seed, installs the job, and runs
// until every client is done or TimeLimit of virtual time has passed, then
// up to one more virtual second so that stray messages and timers land,
// then checks. A kernel error (ErrEventsMax) becomes a liveness violation.
// The Result carries the configuration, the counts, the workers' summed
// runtime.Stats, the events, the virtual time, the trace hash, the
// violations and the Outcome. Line and Describe render it for `flowtx run`
// and `flowtx replay`, and its JSON tags shape `flowtx run --json`.
// RunTraced is Run with every kernel event handed to a function.
//
// # Limits
//
// Resolve rejects, naming the field: workers outside 1..128 (a worker must
// own at least one of the runtime's key groups), clients outside 1..10,000,
// operations per client outside 1..1,000,000, keys outside 1..10,000,000, a
// negative invocation cost, a time limit that is not positive, Disjoint
// with fewer keys than clients, and an unknown scenario or bug.
//
// # Not yet
//
// Runs inject no faults, and nothing is checkpointed: a worker that
// crashed and restarted would start with empty state and read its ingress
// partition again from offset 0. Recovery, the transaction protocols and an
// independent checker come with the packages of those names.
package scenarios
