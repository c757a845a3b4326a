package checker

import (
	"fmt"
	"strings"
)

// Result is a verdict's outcome: the checks are tri-state, never a bool,
// so that a search that gave up is never mistaken for a pass.
type Result string

// Results.
const (
	Ok        Result = "ok"
	Violation Result = "violation"
	Undecided Result = "unknown"
)

// Verdict is the result of one check, with a minimal witness when it
// failed: the operations and the rule they break.
type Verdict struct {
	Check   string `json:"check"`
	Result  Result `json:"result"`
	Detail  string `json:"detail,omitempty"`
	Witness []Op   `json:"witness,omitempty"`
}

func (v Verdict) String() string {
	s := fmt.Sprintf("%s: %s", v.Check, v.Result)
	if v.Detail != "" {
		s += ": " + v.Detail
	}
	if len(v.Witness) > 0 {
		parts := make([]string, len(v.Witness))
		for i, o := range v.Witness {
			parts[i] = o.String()
		}
		s += " [" + strings.Join(parts, "; ") + "]"
	}
	return s
}

func ok(check string) Verdict { return Verdict{Check: check, Result: Ok} }

func violation(check, detail string, witness ...Op) Verdict {
	return Verdict{Check: check, Result: Violation, Detail: detail, Witness: witness}
}

func undecided(check, why string) Verdict {
	return Verdict{Check: check, Result: Undecided, Detail: why}
}
