// Package saga is sagas across stateful functions, as in de Heus et al.
// (2022): eventually consistent workflows whose steps are ordinary function
// calls, each paired with a compensating message that undoes it. Sagas take
// no locks and give no isolation; what they promise is that a saga ends
// either with every step done, or with every step that succeeded undone
// exactly once.
//
// # Declaring a saga
//
// A Saga declares, for one request, its steps (Begin: address, message,
// compensating message) and what to emit on the outcome (Decided).
// Register makes it a function type; each instance runs one saga, and its
// progress is instance state, so checkpoints cover it.
//
// # Coordinator
//
//	Parallel (the paper's)                 Sequential
//
//	  send every step                        send step 0
//	     │                                      │ step i ok: send step i+1
//	     │ a step ok: record its reply          │ all ok: Decided(Completed)
//	     │ all ok: Decided(Completed)           │
//	     │ first failure:                       │ step i fails:
//	     │   compensate every succeeded step    │   compensate steps i-1..0
//	     │   Decided(Compensated)               │   Decided(Compensated)
//	     │ a later success: compensate it now   │
//	     ▼                                      ▼
//	  state deleted once no step can still reply
//
// The outcome is emitted as soon as it is known; the coordinator keeps its
// state until every step has replied, so that a success arriving after the
// failure is still compensated.
//
// # Participant
//
// Participant is a runtime.Pipeline that runs a step's function and sends
// the saga its result (success with the function's reply, or the failure);
// a failed step's effects are discarded. Compensations are plain messages
// to the same function (exactly-once delivery, no acknowledgement) and must
// not fail. Under 2PC's participant, steps wait behind locks like any
// other message.
//
// Bugs lists deliberately broken variants (skip late compensation,
// compensate twice, compensate every step not seen to fail) that the
// scenario checks must catch. A saga's compensations may go out late
// under BUGGIFY (runtime.BuggifyDelayedDecision, through Context.Buggify).
package saga
