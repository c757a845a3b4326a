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
// it. It keeps a lock, the kept effects and a FIFO queue in instance state:
//
//	            PREPARE(T): run the function
//	unlocked ──────────────────────────────► locked by T
//	   ▲   failed: vote no, stay unlocked      │ kept effects = what it did
//	   │                                       │ (its reply goes with the yes vote)
//	   │ COMMIT(T): apply kept effects         │ any other message: queued
//	   │ ABORT(T): drop them                   │ (a PREPARE: BLOCKED to its
//	   └───────────────────────────────────────┘  coordinator, naming T;
//	     then serve the queue in order             under NoWait: vote no)
//	     until a message locks again
//
// ABORT of a transaction whose PREPARE still waits in the queue removes it
// from there. When the lock passes to a new holder, the coordinators of
// prepares still queued learn the new waits-for edge, so no deadlock
// through it goes unnoticed.
//
// # Deadlocks
//
// Chandy-Misra-Haas edge chasing, as in the paper: a queued PREPARE makes
// the participant tell the waiting coordinator who holds the lock; the
// coordinator sends a probe naming itself to the holder's coordinator;
// coordinators forward probes along their own waits-for edges, once per
// probe; a probe that returns to its initiator aborts it as Retryable. An
// edge may be stale by the time a probe travels it, so a transaction may
// be aborted without a real deadlock: safe, and only a cost.
//
// # Limits and bugs
//
// Conflict selects how a prepare meets a held lock: Wait (the paper's, with
// deadlock detection), NoWait (Beldi's: abort at once) or WaitDie (older
// waits, younger aborts; no deadlocks, no probes). Locks are exclusive and
// whole-instance; shared locks for read-only participants are not built
// yet. Bugs lists deliberately broken variants (apply at prepare, unlock
// before commit, commit on a no, commit with a vote missing, dirty read)
// that the scenario checks and `flowtx selftest` must catch.
package twopc
