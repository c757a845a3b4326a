package checker

import "fmt"

// checkWellFormed rejects a history the other checks cannot judge: an
// operation of an unknown kind or status, a transfer that does not name
// two distinct keys or moves a negative amount, a read of no key or a
// committed one whose values do not match its keys, an update of other
// than one key. The checks index keys and values on these shapes, and a
// status they do not know must never read as "took no effect" and pass.
func checkWellFormed(h History) (Verdict, bool) {
	const check = "well-formed-history"
	for _, o := range h.Ops {
		if why := malformed(o); why != "" {
			return violation(check, fmt.Sprintf("%s: %s", o.ID, why), o), false
		}
	}
	return ok(check), true
}

func malformed(o Op) string {
	switch o.Status {
	case Committed, Failed, Retryable, Unknown:
	default:
		return fmt.Sprintf("status %q is none of committed, failed, retryable, unknown", o.Status)
	}
	switch o.Kind {
	case Transfer:
		if len(o.Keys) != 2 || o.Keys[0] == o.Keys[1] || o.Amount < 0 {
			return fmt.Sprintf("a transfer needs two distinct keys and an amount >= 0, has keys %v and amount %d", o.Keys, o.Amount)
		}
		if o.Status == Committed && len(o.Values) != 0 && len(o.Values) != 2 {
			return fmt.Sprintf("a committed transfer reads two balances, not %d", len(o.Values))
		}
	case Read:
		if len(o.Keys) == 0 {
			return "a read of no key"
		}
	case Update:
		if len(o.Keys) != 1 {
			return fmt.Sprintf("an update of %d keys", len(o.Keys))
		}
	default:
		return fmt.Sprintf("kind %q is none of read, update, transfer", o.Kind)
	}
	return ""
}
