package checker

import (
	"fmt"
	"sort"
)

// unknownSubsetsMax bounds the final-state search: with up to this many
// transfers of unknown outcome every subset is tried; with more the
// verdict is Unknown.
const unknownSubsetsMax = 12

// CheckAccounting checks the final state, for both protocols: each key's
// balance at quiescence must be its initial balance plus the deltas of
// exactly the transfers reported committed (a completed saga counts as
// committed; a failed or compensated one contributes nothing), and of some
// subset of those whose outcome is unknown.
func CheckAccounting(h History) Verdict {
	const check = "final-state-accounting"
	if h.Final == nil {
		return undecided(check, "the run did not reach quiescence, so there is no final state")
	}
	if v, fine := checkWellFormed(h); !fine {
		return v
	}
	want := map[string]int64{}
	for _, k := range h.Keys {
		want[k] = h.Initial
	}
	var unknown []Op
	for _, o := range h.Ops {
		if o.Kind != Transfer {
			continue
		}
		switch o.Status {
		case Committed:
			want[o.Keys[0]] -= o.Amount
			want[o.Keys[1]] += o.Amount
		case Unknown:
			unknown = append(unknown, o)
		}
	}
	if len(unknown) > unknownSubsetsMax {
		return undecided(check, fmt.Sprintf("%d transfers of unknown outcome, more than the %d the search tries", len(unknown), unknownSubsetsMax))
	}
	for subset := 0; subset < 1<<len(unknown); subset++ {
		if matches(h, want, unknown, subset) {
			return ok(check)
		}
	}
	return violation(check, mismatch(h, want), unknown...)
}

func matches(h History, want map[string]int64, unknown []Op, subset int) bool {
	got := map[string]int64{}
	for k, v := range want { // order-independent: copies a map
		got[k] = v
	}
	for i, o := range unknown {
		if subset&(1<<i) != 0 {
			got[o.Keys[0]] -= o.Amount
			got[o.Keys[1]] += o.Amount
		}
	}
	for _, k := range h.Keys {
		if h.Final[k] != got[k] {
			return false
		}
	}
	return true
}

// mismatch names the keys whose final balance the committed transfers do
// not explain, and says whether money was conserved.
func mismatch(h History, want map[string]int64) string {
	var sum, total int64
	var keys []string
	for _, k := range h.Keys {
		sum += h.Final[k]
		total += h.Initial
		if h.Final[k] != want[k] {
			keys = append(keys, fmt.Sprintf("%s=%d (committed transfers give %d)", k, h.Final[k], want[k]))
		}
	}
	sort.Strings(keys)
	const shown = 4
	more := ""
	if len(keys) > shown {
		more = fmt.Sprintf(" and %d more", len(keys)-shown)
		keys = keys[:shown]
	}
	conserved := "money conserved"
	if sum != total {
		conserved = fmt.Sprintf("money not conserved: %d, want %d", sum, total)
	}
	return fmt.Sprintf("%s; %v%s", conserved, keys, more)
}
