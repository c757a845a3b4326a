// Package twopc is two-phase commit across stateful functions, as in de
// Heus et al. (2022): a transaction's coordinator is itself a stateful
// function, its participants are ordinary functions, and exactly-once
// messaging and checkpoints (package runtime) stand in for the timeouts and
// logs a classic 2PC needs.
//
// # Declaring a transaction
//
// A Coordinator declares, for one request, the participant calls (Begin)
// and what to emit once the outcome is known (Decided): Reply to whoever
// asked, Send, SendAfter, Egress. Register makes it a function type. Each
// coordinator instance runs one transaction; the scenarios name it after
// the client request. Outcomes are Committed, Aborted (a participant's
// function failed: a business abort) and Retryable (the transaction lost a
// deadlock, or met a lock under NoWait; the client may resubmit).
//
//	twopc.Register(reg, "transfer", twopc.Coordinator{
//		Begin: func(ctx runtime.Context, m runtime.Message) ([]twopc.Call, error) {
//			return []twopc.Call{{To: from, Msg: withdraw}, {To: to, Msg: deposit}}, nil
//		},
//		Decided: func(ctx runtime.Context, o twopc.Outcome) { ctx.Reply(status(o)) },
//	})
//
// # Coordinator
//
//	           request
//	              │ Begin: PREPARE to every call
//	              ▼
//	       ┌─ collecting votes ◄──┐ yes (not the last): record its reply
//	       │      │    │          │ BLOCKED: record the waits-for edge,
//	       │      │    └──────────┘          send a probe to the holder
//	       │      │ PROBE: forward along waits-for edges (once per probe)
//	a no   │      │ last yes                 own probe back: deadlock
//	       ▼      ▼                                   │
//	 ABORT to all   COMMIT to all             ABORT to all
//	 Decided(Aborted  Decided(Committed)      Decided(Retryable)
//	  or Retryable)           │                       │
//	       └──────────────────┴──► state deleted ◄────┘
//
// Votes and probes that arrive after the decision find no state and are
// ignored.
//
// # Participant
//
// Participant is a runtime.Pipeline; every instance of a job goes through
// it. It keeps a lock (its holders, with their kept effects) and a FIFO
// queue in instance state. A Call declared ReadOnly takes the lock shared:
//
//	            PREPARE(T): run the function; failed: vote no, stay unlocked
//	locked by T ◄──────────────── unlocked ───────────────► shared by R1..Rn
//	(exclusive)   PREPARE(T)       ▲     ▲    PREPARE(R),      │  ▲
//	     │                         │     │    read-only        │  │ PREPARE(R'),
//	     │ COMMIT(T): apply kept   │     │                     └──┘ read-only,
//	     │ ABORT(T): drop them     │     │ COMMIT/ABORT of the      queue empty:
//	     └─────────────────────────┘     └─ last Ri (of another     joins
//	       then serve the queue             Ri: still shared)
//	                                        then serve the queue
//
//	locked either way, every other message is queued; a PREPARE also:
//	  Wait:    BLOCKED to its coordinator, naming every holder
//	  NoWait:  vote no (conflict)
//	  WaitDie: wait if older than every holder, else vote no (conflict)
//
// COMMIT applies the holder's kept effects, ABORT drops them; a read-only
// call's function that writes state is refused at prepare (vote no,
// ReasonReadOnlyWrite), so a shared holder keeps only messages. When the
// last holder leaves, the queue is served in order until a message locks
// the instance exclusively; while the lock is shared, read-only prepares at
// the head of the queue join it. A read-only prepare never overtakes a
// queued message, so a writer waiting for readers is not starved by later
// ones.
//
// ABORT of a transaction whose PREPARE still waits in the queue removes it
// from there (and, under a shared lock, lets the read-only prepares behind
// it join). When the lock passes to new holders, the prepares still queued
// are judged again: under Wait their coordinators learn the new waits-for
// edges, so no deadlock through them goes unnoticed; under WaitDie those
// not older than every new holder die.
//
// # Deadlocks
//
// Chandy-Misra-Haas edge chasing, as in the paper: a queued PREPARE makes
// the participant tell the waiting coordinator who holds the lock; the
// coordinator sends a probe naming itself to each holder's coordinator;
// coordinators forward probes along their own waits-for edges, once per
// probe; a probe that returns to its initiator aborts it as Retryable. An
// edge may be stale by the time a probe travels it, so a transaction may
// be aborted without a real deadlock: safe, and only a cost.
//
// # Limits and bugs
//
// Conflict selects how a prepare meets a held lock: Wait (the paper's, with
// deadlock detection), NoWait (Beldi's: abort at once) or WaitDie (older
// waits, younger aborts; no deadlocks, no probes). Locks are whole-instance,
// exclusive, or shared among read-only calls; a shared lock has at most
// holdersMax holders, and at most queueMax messages wait behind a lock.
// Bugs lists deliberately broken variants (apply at prepare, unlock before
// commit, commit on a no, commit with a vote missing, dirty read, queue
// served newest first, a read-only prepare joining an exclusive lock)
// that the interaction tests, the scenario checks and `flowtx selftest`
// must catch. Under BUGGIFY a coordinator may send its decision late
// (runtime.BuggifyDelayedDecision, through Context.Buggify).
package twopc
