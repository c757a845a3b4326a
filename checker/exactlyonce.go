package checker

import "fmt"

// CheckExactlyOnce checks that every submitted request got exactly one
// response, that no response answers a request never submitted, and that
// at most one attempt of each client operation took effect (a retry is for
// an attempt that did not). Operations still unanswered are the liveness
// check's business.
func CheckExactlyOnce(h History) Verdict {
	const check = "exactly-once"
	effective := map[string]Op{}
	for _, o := range h.Ops {
		if o.Logical == "" || o.Kind == Read || o.Status != Committed {
			continue
		}
		if first, twice := effective[o.Logical]; twice {
			return violation(check, fmt.Sprintf("operation %s took effect twice, as %s and %s", o.Logical, first.ID, o.ID), first, o)
		}
		effective[o.Logical] = o
	}
	submitted := map[string]bool{}
	for _, id := range h.Submitted {
		submitted[id] = true
	}
	seen := map[string]int{}
	for _, id := range h.Responses {
		seen[id]++
		switch {
		case !submitted[id]:
			return violation(check, fmt.Sprintf("a response to %s, which no client submitted", id))
		case seen[id] == 2:
			return violation(check, fmt.Sprintf("request %s answered twice", id), opByID(h, id)...)
		}
	}
	return ok(check)
}

// CheckLiveness checks that every operation was answered by the end of the
// run. Runs end only after their faults stop and the job settles, so an
// operation still unknown is one the job never finished.
func CheckLiveness(h History) Verdict {
	const check = "liveness"
	var pending []Op
	for _, o := range h.Ops {
		if o.Status == Unknown {
			pending = append(pending, o)
		}
	}
	if len(pending) == 0 {
		return ok(check)
	}
	const shown = 8
	return violation(check, fmt.Sprintf("%d operations still undecided after the faults stopped", len(pending)), pending[:min(shown, len(pending))]...)
}

func opByID(h History, id string) []Op {
	for _, o := range h.Ops {
		if o.ID == id {
			return []Op{o}
		}
	}
	return nil
}
