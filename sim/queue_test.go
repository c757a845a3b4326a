package sim

import (
	"slices"
	"testing"

	"pgregory.net/rapid"
)

// TestQueueOrderProperty checks the heap against a sorted slice: under any
// interleaving of pushes and pops, pop returns the least (at, seq) event.
// Times are drawn from a small range so that ties, broken by seq, are common.
func TestQueueOrderProperty(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		var q eventQueue
		var model []event
		var seq uint64
		steps := rapid.IntRange(0, 300).Draw(t, "steps")
		for i := range steps {
			if len(model) > 0 && rapid.IntRange(0, 2).Draw(t, "pop") == 0 {
				slices.SortFunc(model, func(a, b event) int {
					if a.before(&b) {
						return -1
					}
					return 1
				})
				got, want := q.pop(), model[0]
				model = model[1:]
				if got.at != want.at || got.seq != want.seq {
					t.Fatalf("step %d: pop() = (%v, %d); want (%v, %d)", i, got.at, got.seq, want.at, want.seq)
				}
				continue
			}
			seq++
			e := event{at: Time(rapid.Int64Range(0, 20).Draw(t, "at")), seq: seq, node: NodeID(i)}
			q.push(e)
			model = append(model, e)
		}
		if q.len() != len(model) {
			t.Fatalf("len() = %d; want %d", q.len(), len(model))
		}
	})
}

// TestQueuePopClearsSlot checks that pop drops the queue's reference to the
// message of the slot it vacates, so delivered messages can be collected.
func TestQueuePopClearsSlot(t *testing.T) {
	var q eventQueue
	q.push(event{at: 1, seq: 1, msg: note{Tag: "a"}})
	q.push(event{at: 2, seq: 2, msg: note{Tag: "b"}})
	q.pop()
	if tail := q.items[:2][1]; tail.msg != nil {
		t.Fatalf("vacated slot after pop holds %v; want nil", tail.msg)
	}
}

func TestEventKindString(t *testing.T) {
	for k, want := range map[eventKind]string{evStart: "start", evDeliver: "deliver", evTimer: "timer",
		evStore: "store", evCall: "call"} {
		if got := k.String(); got != want {
			t.Errorf("eventKind(%d).String() = %q; want %q", k, got, want)
		}
	}
}
