package checker

import "fmt"

// CheckAtomicity checks, for both protocols, the keys' ledgers read at
// quiescence against what clients were told of each transfer: every step
// applied at most once and compensated at most once, never compensated
// before it was applied; a committed transaction or completed saga applied
// every step and compensated none; a failed one (aborted, compensated,
// retryable) left no step standing: under 2PC it applied none, under a
// saga every step it applied was compensated exactly once. A transfer of
// unknown outcome must end in one of those two shapes. Ledger entries of a
// transaction no client submitted, or on a key it does not touch, break
// the rules too.
func CheckAtomicity(h History) Verdict {
	const check = "atomicity"
	if h.Ledgers == nil {
		return undecided(check, "the run did not reach quiescence, so there are no ledgers")
	}
	if v, fine := checkWellFormed(h); !fine {
		return v
	}
	transfers := map[string]Op{}
	for _, o := range h.Ops {
		if o.Kind == Transfer {
			transfers[o.ID] = o
		}
	}
	steps := map[string]map[string]*stepLedger{} // txn -> key -> what the key's ledger says of it
	for _, key := range h.Keys {
		for _, e := range h.Ledgers[key] {
			o, known := transfers[e.Txn]
			if !known {
				return violation(check, fmt.Sprintf("ledger of %s has an entry of %s, which no client submitted as a transfer", key, e.Txn))
			}
			if steps[e.Txn] == nil {
				steps[e.Txn] = map[string]*stepLedger{}
			}
			s := steps[e.Txn][key]
			if s == nil {
				s = &stepLedger{}
				steps[e.Txn][key] = s
			}
			if e.Compensation && h.Serializable {
				return violation(check, fmt.Sprintf("ledger of %s compensates %s, but 2PC never compensates: it applies a step only at commit", key, e.Txn), o)
			}
			if why := s.add(e, o, key); why != "" {
				return violation(check, fmt.Sprintf("%s on %s: %s", e.Txn, key, why), o)
			}
		}
	}
	for _, o := range h.Ops {
		if o.Kind != Transfer {
			continue
		}
		if why := settled(o, steps[o.ID]); why != "" {
			return violation(check, fmt.Sprintf("%s (%s): %s", o.ID, o.Status, why), o)
		}
	}
	return ok(check)
}

// stepLedger is what one key's ledger records of one transaction's step.
type stepLedger struct {
	applied, compensated int
}

// add records ledger entry e of transfer o on key and says what rule it
// breaks, if any.
func (s *stepLedger) add(e Entry, o Op, key string) string {
	want, onKey := stepDelta(o, key)
	switch {
	case !onKey:
		return "the transfer does not touch this key"
	case e.Compensation && e.Delta != -want:
		return fmt.Sprintf("compensation of %+d, want %+d", e.Delta, -want)
	case !e.Compensation && e.Delta != want:
		return fmt.Sprintf("step of %+d, want %+d", e.Delta, want)
	case e.Compensation && s.applied == 0:
		return "compensated before (or without) its step"
	case e.Compensation && s.compensated == 1:
		return "compensated twice"
	case !e.Compensation && s.applied == 1:
		return "step applied twice"
	case e.Compensation:
		s.compensated++
	default:
		s.applied++
	}
	return ""
}

// stepDelta is the change transfer o's step makes to key's balance.
func stepDelta(o Op, key string) (int64, bool) {
	switch key {
	case o.Keys[0]:
		return -o.Amount, true
	case o.Keys[1]:
		return o.Amount, true
	}
	return 0, false
}

// settled says what is wrong with the final shape of transfer o's steps.
func settled(o Op, steps map[string]*stepLedger) string {
	whole, none := true, true // every step applied and none compensated; nothing left standing
	for _, key := range o.Keys {
		s := steps[key]
		if s == nil {
			s = &stepLedger{}
		}
		whole = whole && s.applied == 1 && s.compensated == 0
		none = none && s.applied == s.compensated
	}
	switch {
	case o.Status == Committed && !whole:
		return "reported committed, but not every step applied, or one compensated"
	case (o.Status == Failed || o.Status == Retryable) && !none:
		return "reported failed, but a step it applied was not compensated"
	case o.Status == Unknown && !whole && !none:
		return "of unknown outcome, but neither every step applied nor every applied step compensated"
	}
	return ""
}
