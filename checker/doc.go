// Package checker is the testbed's oracle: pure functions over a History,
// the record of what a run's clients observed (their operations, what each
// read, how each ended, when it was called and returned) plus what the
// workload promises (initial balances) and, at quiescence, the final
// balances. It never reads runtime internals: a bug that hides from the
// clients is, by definition, not one these checks see.
//
// Every check returns a Verdict: Ok, Violation (with a minimal witness,
// the operations and the rule they break) or Unknown (with why: a search
// that ran out of time, an outcome that cannot be decided). Unknown is
// never a pass.
//
//   - CheckExactlyOnce: each submitted request answered exactly once, no
//     answer to a request never submitted.
//   - CheckLiveness: nothing still unanswered at the end of the run (runs
//     end after the faults stop and the job settles).
//   - CheckAccounting: each key's final balance is its initial one plus
//     exactly the transfers reported committed, and some subset of those of
//     unknown outcome (tried exhaustively up to unknownSubsetsMax).
//   - CheckAtomicity: against the records' ledgers, every step of a
//     transfer applied at most once and compensated at most once, never
//     before its step; a committed transfer or completed saga applied
//     whole, a failed one left nothing standing.
//   - CheckSessionOrder: each client's single-key reads and updates take
//     effect in the order the client submitted them.
//   - CheckSerializable: for protocols that promise it (2PC), strict
//     serializability through porcupine, with a model whose state is the
//     balances: a committed transfer needs the funds and returns the
//     balances it produced, a failed one is legal only when the funds were
//     short, a read returns the current balance; operations of unknown
//     outcome may be ordered last. Histories are partitioned by the
//     connected components of co-accessed keys; the search is bounded by a
//     timeout (Unknown when it runs out). When porcupine has not decided
//     after a second, an order built from the records' ledgers
//     (ledgerOrder), re-verified from scratch against the history alone
//     (verifyOrder), can give Ok.
//
// The package imports "time" only to take that timeout as a duration; it
// never reads the clock (the determinism lint holds it to that).
package checker
