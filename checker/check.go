package checker

import "time"

// Options bound the checks.
type Options struct {
	// SerializableTimeout bounds porcupine's search; zero takes
	// serializableTimeoutDefault.
	SerializableTimeout time.Duration
}

// Check runs every check on a history and returns their verdicts in a
// fixed order: exactly-once, liveness, final-state accounting, atomicity,
// session order, strict serializability (serializable: porcupine, then
// the ledgers' order).
//
// A history that is not well formed (checkWellFormed) gets one verdict, a
// violation that names the first bad operation, and no other: the other
// checks cannot judge it.
func Check(h History, o Options) []Verdict {
	if v, fine := checkWellFormed(h); !fine {
		return []Verdict{v}
	}
	serial := serializable(h, o.SerializableTimeout)
	return []Verdict{CheckExactlyOnce(h), CheckLiveness(h), CheckAccounting(h), CheckAtomicity(h), CheckSessionOrder(h), serial}
}

// serializable is Check's serializability verdict: porcupine's search,
// first for at most quickSearch, then, if it gave up, the ledgers' order,
// and last the search again for the rest of the timeout. Most histories
// porcupine decides in milliseconds; those it cannot decide in a second
// it seldom decides at all, and the ledgers' order often does.
func serializable(h History, timeout time.Duration) Verdict {
	if timeout <= 0 {
		timeout = serializableTimeoutDefault
	}
	v, _, model := searchSerializable(h, min(timeout, quickSearch))
	if v.Result != Undecided || !h.Serializable {
		return v
	}
	if byLedgers, found := serializableByLedgers(h, model); found {
		return byLedgers
	}
	if timeout > quickSearch {
		v, _, _ = searchSerializable(h, timeout-quickSearch)
	}
	return v
}

// quickSearch bounds porcupine's first try.
const quickSearch = time.Second
