package checker

import (
	"slices"
	"testing"

	"github.com/stretchr/testify/require"
)

func step(txn string, delta int64) Entry { return Entry{Txn: txn, Delta: delta} }

func undo(txn string, delta int64) Entry { return Entry{Txn: txn, Delta: delta, Compensation: true} }

// withLedgers is h, as a saga history, with the given ledgers for keys a
// and b.
func withLedgers(h History, a, b []Entry) History {
	h.Ledgers = map[string][]Entry{"a": a, "b": b}
	h.Serializable = false
	return h
}

// as2PC is h as a 2PC history.
func as2PC(h History) History {
	h.Serializable = true
	return h
}

func TestAtomicityPairs(t *testing.T) {
	committed := history(transfer("t1", 1, "a", "b", 3, Committed, 0, 10, 7, 13))
	failed := history(transfer("t1", 1, "a", "b", 3, Failed, 0, 10))
	unknown := history(transfer("t1", 1, "a", "b", 3, Unknown, 0, 0))
	for name, c := range map[string]struct{ ok, bad History }{
		"a committed transfer applied both steps": {
			ok:  withLedgers(committed, []Entry{step("t1", -3)}, []Entry{step("t1", 3)}),
			bad: withLedgers(committed, []Entry{step("t1", -3)}, nil),
		},
		"a completed saga is never compensated": {
			ok:  withLedgers(committed, []Entry{step("t1", -3)}, []Entry{step("t1", 3)}),
			bad: withLedgers(committed, []Entry{step("t1", -3), undo("t1", 3)}, []Entry{step("t1", 3)}),
		},
		"a failed saga compensates every step it applied": {
			ok:  withLedgers(failed, []Entry{step("t1", -3), undo("t1", 3)}, nil),
			bad: withLedgers(failed, []Entry{step("t1", -3)}, nil),
		},
		"a failed 2PC transaction applied nothing": {
			ok:  withLedgers(failed, nil, nil),
			bad: withLedgers(failed, nil, []Entry{step("t1", 3)}),
		},
		"no step compensated twice": {
			ok:  withLedgers(failed, []Entry{step("t1", -3), undo("t1", 3)}, []Entry{step("t1", 3), undo("t1", -3)}),
			bad: withLedgers(failed, []Entry{step("t1", -3), undo("t1", 3), undo("t1", 3)}, nil),
		},
		"no compensation without its step": {
			ok:  withLedgers(failed, []Entry{step("t1", -3), undo("t1", 3)}, nil),
			bad: withLedgers(failed, []Entry{step("t1", -3), undo("t1", 3)}, []Entry{undo("t1", -3)}),
		},
		"no compensation before its step": {
			ok:  withLedgers(failed, []Entry{step("t1", -3), undo("t1", 3)}, nil),
			bad: withLedgers(failed, []Entry{undo("t1", 3), step("t1", -3)}, nil),
		},
		"no step applied twice": {
			ok:  withLedgers(committed, []Entry{step("t1", -3)}, []Entry{step("t1", 3)}),
			bad: withLedgers(committed, []Entry{step("t1", -3), step("t1", -3)}, []Entry{step("t1", 3)}),
		},
		"a step changes the balance by the transfer's amount": {
			ok:  withLedgers(committed, []Entry{step("t1", -3)}, []Entry{step("t1", 3)}),
			bad: withLedgers(committed, []Entry{step("t1", -3)}, []Entry{step("t1", 4)}),
		},
		"an unknown transfer ends whole or undone": {
			ok:  withLedgers(unknown, []Entry{step("t1", -3), undo("t1", 3)}, nil),
			bad: withLedgers(unknown, []Entry{step("t1", -3)}, nil),
		},
		"2PC never compensates": {
			ok:  as2PC(withLedgers(failed, nil, nil)),
			bad: as2PC(withLedgers(failed, []Entry{step("t1", -3), undo("t1", 3)}, nil)),
		},
		"ledger entries belong to submitted transfers": {
			ok:  withLedgers(committed, []Entry{step("t1", -3)}, []Entry{step("t1", 3)}),
			bad: withLedgers(committed, []Entry{step("t1", -3)}, []Entry{step("t1", 3), step("t9", 3)}),
		},
	} {
		v := CheckAtomicity(c.ok)
		require.Equal(t, Ok, v.Result, "%s: ok twin: %v", name, v)
		v = CheckAtomicity(c.bad)
		require.Equal(t, Violation, v.Result, "%s: bad twin: %v", name, v)
	}
	require.Equal(t, Undecided, CheckAtomicity(committed).Result, "no ledgers, no verdict")
}

func update(id string, client int, key, field, value string) Op {
	return Op{ID: id, Client: client, Kind: Update, Keys: []string{key}, Status: Committed, Write: &Field{Name: field, Value: value}}
}

func failedUpdate(id string, client int, key, field, value string) Op {
	o := update(id, client, key, field, value)
	o.Status = Failed
	return o
}

func readFields(id string, client int, key string, fields map[string]string) Op {
	return Op{ID: id, Client: client, Kind: Read, Keys: []string{key}, Status: Committed, Values: []int64{10}, Fields: fields}
}

func TestSessionOrderPairs(t *testing.T) {
	for name, c := range map[string]struct{ ok, bad History }{
		"a read does not see its client's later write": {
			ok:  history(readFields("r1", 1, "a", nil), update("u2", 1, "a", "f1", "x")),
			bad: history(readFields("r1", 1, "a", map[string]string{"f1": "x"}), update("u2", 1, "a", "f1", "x")),
		},
		"a read sees its client's earlier write": {
			ok:  history(update("u1", 1, "a", "f1", "x"), readFields("r2", 1, "a", map[string]string{"f1": "x"})),
			bad: history(update("u1", 1, "a", "f1", "x"), readFields("r2", 1, "a", nil)),
		},
		"a read does not see an older write of its client": {
			ok:  history(update("u1", 1, "a", "f1", "x"), update("u2", 1, "a", "f1", "y"), readFields("r3", 1, "a", map[string]string{"f1": "y"})),
			bad: history(update("u1", 1, "a", "f1", "x"), update("u2", 1, "a", "f1", "y"), readFields("r3", 1, "a", map[string]string{"f1": "x"})),
		},
		"a read sees only values updates wrote": {
			ok:  history(update("u1", 1, "a", "f1", "x"), readFields("r2", 2, "a", map[string]string{"f1": "x"})),
			bad: history(update("u1", 1, "a", "f1", "x"), readFields("r2", 2, "a", map[string]string{"f1": "y"})),
		},
		"a read never sees a failed update's value": {
			ok:  history(update("u1", 1, "a", "f1", "x"), readFields("r2", 2, "a", map[string]string{"f1": "x"})),
			bad: history(failedUpdate("u1", 1, "a", "f1", "x"), readFields("r2", 2, "a", map[string]string{"f1": "x"})),
		},
		"another client's value is allowed, its own future is not": {
			ok:  history(update("u1", 1, "a", "f1", "x"), update("v1", 2, "a", "f1", "z"), readFields("r2", 1, "a", map[string]string{"f1": "z"})),
			bad: history(readFields("r1", 2, "a", map[string]string{"f1": "z"}), update("v1", 2, "a", "f1", "z")),
		},
	} {
		v := CheckSessionOrder(c.ok)
		require.Equal(t, Ok, v.Result, "%s: ok twin: %v", name, v)
		v = CheckSessionOrder(c.bad)
		require.Equal(t, Violation, v.Result, "%s: bad twin: %v", name, v)
		require.NotEmpty(t, v.Witness, "%s: the read, and the write it involves", name)
	}
}

// A history the checks cannot judge is one violation, never a pass: an
// unknown status must not read as "took no effect".
func TestMalformedHistoriesAreViolations(t *testing.T) {
	good := history(transfer("t1", 1, "a", "b", 3, Committed, 0, 10, 7, 13), readKeys("r1", 2, []string{"a", "b"}, []int64{7, 13}, 20, 30))
	good.Ledgers = map[string][]Entry{"a": {step("t1", -3)}, "b": {step("t1", 3)}}
	for _, v := range Check(good, Options{}) {
		require.NotEqual(t, Violation, v.Result, v.String())
	}
	for name, change := range map[string]func(*Op){
		"unknown status":         func(o *Op) { o.Status = "unreadable answer" },
		"unknown kind":           func(o *Op) { o.Kind = "scan" },
		"transfer with one key":  func(o *Op) { o.Keys = o.Keys[:1] },
		"transfer to itself":     func(o *Op) { o.Keys = []string{"a", "a"} },
		"committed, three reads": func(o *Op) { o.Values = []int64{1, 2, 3} },
	} {
		h := good
		h.Ops = slices.Clone(good.Ops)
		change(&h.Ops[0])
		v := Check(h, Options{})
		require.Len(t, v, 1, name)
		require.Equal(t, Violation, v[0].Result, "%s: %v", name, v[0])
		require.Equal(t, "well-formed-history", v[0].Check, name)
		s, _, _ := CheckSerializable(h, 0)
		require.Equal(t, Violation, s.Result, "%s: CheckSerializable", name)
	}
	noKeys := good
	noKeys.Ops = slices.Clone(good.Ops)
	noKeys.Ops[1].Keys = nil
	require.Equal(t, Violation, Check(noKeys, Options{})[0].Result, "a read of no key")
}
