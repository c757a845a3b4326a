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
// session order, strict serializability.
func Check(h History, o Options) []Verdict {
	serial, _, _ := CheckSerializable(h, o.SerializableTimeout)
	return []Verdict{CheckExactlyOnce(h), CheckLiveness(h), CheckAccounting(h), CheckAtomicity(h), CheckSessionOrder(h), serial}
}
