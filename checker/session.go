package checker

import (
	"fmt"
	"sort"
)

// CheckSessionOrder checks that each client's single-key reads and updates
// took effect in the order the client submitted them, as the runtime
// promises for requests from one client to one key (they travel one FIFO
// path: the ingress partition, the channel, the instance's queue). It
// matters for clients with several requests in flight (open-loop arrival):
// a closed-loop client's requests never overlap, and strict
// serializability already orders them.
//
// Rules, over the field values that updates write (unique to each
// update) and that reads return:
//   - a read sees only values some update wrote, and none of an update
//     its client was told took no effect;
//   - a read never sees a write its own client submitted after it;
//   - a read sees its client's last committed write to that field before
//     it, or a value someone else wrote, never nothing or an older value
//     of its own. (Another client's value is always allowed: without a
//     version order the check cannot tell whether it came later.)
//
// History.Ops must list each client's operations in submission order.
func CheckSessionOrder(h History) Verdict {
	if v, fine := checkWellFormed(h); !fine {
		return v
	}
	writers := map[Field]sessionWrite{} // who wrote each value of each key's field, and when in its session
	position := map[int]int{}           // next position in each client's session
	sessionOf := make([]int, len(h.Ops))
	for i, o := range h.Ops {
		sessionOf[i] = position[o.Client]
		position[o.Client]++
		if o.Kind == Update && o.Write != nil {
			writers[keyed(o.Keys[0], o.Write.Name, o.Write.Value)] = sessionWrite{op: o, position: sessionOf[i]}
		}
	}
	last := map[sessionKey]map[string]sessionWrite{} // each session's last committed write per key and field, so far
	for i, o := range h.Ops {
		switch {
		case o.Kind == Update && o.Write != nil && o.Status == Committed:
			k := sessionKey{o.Client, o.Keys[0]}
			if last[k] == nil {
				last[k] = map[string]sessionWrite{}
			}
			last[k][o.Write.Name] = sessionWrite{op: o, position: sessionOf[i]}
		case o.Kind == Read && o.Status == Committed && len(o.Keys) == 1: // a read transaction returns no fields
			mine := last[sessionKey{o.Client, o.Keys[0]}]
			if v, bad := readOutOfOrder(o, sessionOf[i], writers, mine); bad {
				return v
			}
		}
	}
	return ok(sessionCheck)
}

const sessionCheck = "session-order"

// sessionWrite is an update and its position in its client's session.
type sessionWrite struct {
	op       Op
	position int
}

// sessionKey is one client's view of one key.
type sessionKey struct {
	client int
	key    string
}

// keyed names a value of one field of one key.
func keyed(key, field, value string) Field { return Field{Name: key + "/" + field, Value: value} }

// readOutOfOrder applies both rules to read r at position pos of its
// session; mine are the session's committed writes to r's key before r.
func readOutOfOrder(r Op, pos int, writers map[Field]sessionWrite, mine map[string]sessionWrite) (Verdict, bool) {
	key := r.Keys[0]
	for _, name := range sortedNames(r.Fields) {
		seen := r.Fields[name]
		w, known := writers[keyed(key, name, seen)]
		switch {
		case !known:
			return violation(sessionCheck, fmt.Sprintf("%s read %s=%s, which no update in the history wrote", r.ID, name, seen), r), true
		case w.op.Status == Failed || w.op.Status == Retryable:
			return violation(sessionCheck, fmt.Sprintf("%s read %s=%s, written by %s, which was told it took no effect", r.ID, name, seen, w.op.ID), r, w.op), true
		}
		if w.op.Client == r.Client && w.position > pos {
			return violation(sessionCheck, fmt.Sprintf("%s read %s=%s, written by %s, which its client submitted after the read", r.ID, name, seen, w.op.ID), r, w.op), true
		}
	}
	for _, name := range sortedNames(mine) {
		last := mine[name]
		seen, present := r.Fields[name]
		w, known := writers[keyed(key, name, seen)]
		if !present || known && w.op.Client == r.Client && w.position < last.position {
			return violation(sessionCheck, fmt.Sprintf("%s read %s=%q, missing %s, which its client submitted before the read and which committed", r.ID, name, seen, last.op.ID), last.op, r), true
		}
	}
	return Verdict{}, false
}

// sortedNames returns a map's keys in order, so that the first violation
// found, and so the witness, is the same on every run.
func sortedNames[V any](m map[string]V) []string {
	names := make([]string, 0, len(m))
	for n := range m { // order-independent: sorted below
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}
