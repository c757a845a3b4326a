package checker

import (
	"slices"
	"testing"

	"github.com/stretchr/testify/require"
	"pgregory.net/rapid"
)

// Histories in pairs: each ok history passes its check, and a small change
// to it (the bad twin) fails it.

func transfer(id string, client int, from, to string, amount int64, st Status, call, ret int64, values ...int64) Op {
	return Op{ID: id, Client: client, Kind: Transfer, Keys: []string{from, to}, Amount: amount, Status: st, Values: values, Call: call, Return: ret}
}

func read(id string, client int, key string, value int64, call, ret int64) Op {
	return Op{ID: id, Client: client, Kind: Read, Keys: []string{key}, Status: Committed, Values: []int64{value}, Call: call, Return: ret}
}

func readKeys(id string, client int, keys []string, values []int64, call, ret int64) Op {
	return Op{ID: id, Client: client, Kind: Read, Keys: keys, Status: Committed, Values: values, Call: call, Return: ret}
}

func history(ops ...Op) History {
	h := History{Serializable: true, Initial: 10, Keys: []string{"a", "b", "c"}, Ops: ops}
	for _, o := range ops {
		h.Submitted = append(h.Submitted, o.ID)
		if o.Status != Unknown {
			h.Responses = append(h.Responses, o.ID)
		}
	}
	return h
}

func TestSerializablePairs(t *testing.T) {
	for name, c := range map[string]struct{ ok, bad History }{
		"sequential transfer then read": {
			ok:  history(transfer("t1", 1, "a", "b", 3, Committed, 0, 10, 7, 13), read("r1", 2, "a", 7, 20, 30)),
			bad: history(transfer("t1", 1, "a", "b", 3, Committed, 0, 10, 7, 13), read("r1", 2, "a", 10, 20, 30)),
		},
		"concurrent read may see either state": {
			ok:  history(transfer("t1", 1, "a", "b", 3, Committed, 0, 10, 7, 13), read("r1", 2, "a", 10, 5, 15)),
			bad: history(transfer("t1", 1, "a", "b", 3, Committed, 0, 10, 7, 13), read("r1", 2, "a", 8, 5, 15)),
		},
		"a failed transfer needs short funds": {
			ok:  history(transfer("t1", 1, "a", "b", 11, Failed, 0, 10)),
			bad: history(transfer("t1", 1, "a", "b", 5, Failed, 0, 10)),
		},
		"a committed transfer needs the funds": {
			ok:  history(transfer("t1", 1, "a", "b", 10, Committed, 0, 10, 0, 20)),
			bad: history(transfer("t1", 1, "a", "b", 11, Committed, 0, 10, -1, 21)),
		},
		"lost update: two transfers read the same balance": {
			ok:  history(transfer("t1", 1, "a", "b", 1, Committed, 0, 10, 9, 11), transfer("t2", 2, "a", "c", 1, Committed, 0, 10, 8, 11)),
			bad: history(transfer("t1", 1, "a", "b", 1, Committed, 0, 10, 9, 11), transfer("t2", 2, "a", "c", 1, Committed, 0, 10, 9, 11)),
		},
		"a read transaction sees all of a transfer or none of it": {
			ok:  history(transfer("t1", 1, "a", "b", 3, Committed, 0, 10, 7, 13), readKeys("r1", 2, []string{"a", "b"}, []int64{10, 10}, 5, 15)),
			bad: history(transfer("t1", 1, "a", "b", 3, Committed, 0, 10, 7, 13), readKeys("r1", 2, []string{"a", "b"}, []int64{7, 10}, 5, 15)),
		},
		"an unknown transfer may have applied": {
			ok:  history(transfer("t1", 1, "a", "b", 4, Unknown, 0, 0), read("r1", 2, "a", 6, 20, 30)),
			bad: history(transfer("t1", 1, "a", "b", 4, Unknown, 0, 0), read("r1", 2, "a", 5, 20, 30)),
		},
	} {
		v, _, _ := CheckSerializable(c.ok, 0)
		require.Equal(t, Ok, v.Result, "%s: ok twin: %v", name, v)
		v, _, _ = CheckSerializable(c.bad, 0)
		require.Equal(t, Violation, v.Result, "%s: bad twin: %v", name, v)
		require.NotEmpty(t, v.Witness, "%s: a violation names its operations", name)
	}
}

func TestSagaHistoriesAreNotHeldToSerializability(t *testing.T) {
	h := history(transfer("t1", 1, "a", "b", 1, Committed, 0, 10, 9, 11), transfer("t2", 2, "a", "c", 1, Committed, 0, 10, 9, 11))
	h.Serializable = false
	v, _, _ := CheckSerializable(h, 0)
	require.Equal(t, Ok, v.Result)
}

func TestAccountingPairs(t *testing.T) {
	h := history(transfer("t1", 1, "a", "b", 3, Committed, 0, 10, 7, 13), transfer("t2", 1, "b", "c", 20, Failed, 20, 30))
	h.Final = map[string]int64{"a": 7, "b": 13, "c": 10}
	require.Equal(t, Ok, CheckAccounting(h).Result)
	h.Final = map[string]int64{"a": 7, "b": 10, "c": 13} // the failed transfer applied
	v := CheckAccounting(h)
	require.Equal(t, Violation, v.Result, v.String())
	h.Final = map[string]int64{"a": 7, "b": 13, "c": 11} // money created
	require.Contains(t, CheckAccounting(h).Detail, "money not conserved")

	u := history(transfer("t1", 1, "a", "b", 3, Unknown, 0, 0))
	u.Final = map[string]int64{"a": 7, "b": 13, "c": 10}
	require.Equal(t, Ok, CheckAccounting(u).Result, "the unknown transfer applied")
	u.Final = map[string]int64{"a": 10, "b": 10, "c": 10}
	require.Equal(t, Ok, CheckAccounting(u).Result, "the unknown transfer did not apply")
	u.Final = map[string]int64{"a": 4, "b": 16, "c": 10}
	require.Equal(t, Violation, CheckAccounting(u).Result, "applied twice")
	u.Final = nil
	require.Equal(t, Undecided, CheckAccounting(u).Result)
}

func TestAccountingGivesUpOnTooManyUnknowns(t *testing.T) {
	var ops []Op
	for i := range unknownSubsetsMax + 1 {
		ops = append(ops, transfer(string(rune('A'+i)), i, "a", "b", 1, Unknown, 0, 0))
	}
	h := history(ops...)
	h.Final = map[string]int64{"a": 10, "b": 10, "c": 10}
	require.Equal(t, Undecided, CheckAccounting(h).Result)
}

func TestExactlyOncePairs(t *testing.T) {
	h := history(read("r1", 1, "a", 10, 0, 5), read("r2", 1, "a", 10, 6, 9))
	require.Equal(t, Ok, CheckExactlyOnce(h).Result)
	h.Responses = append(h.Responses, "r1")
	require.Equal(t, Violation, CheckExactlyOnce(h).Result, "answered twice")
	h.Responses = []string{"r1", "r2", "r3"}
	require.Equal(t, Violation, CheckExactlyOnce(h).Result, "answer to a request never submitted")
}

func TestExactlyOnceCatchesAnOperationThatTookEffectTwice(t *testing.T) {
	retry := func(id string, st Status) Op {
		o := transfer(id, 1, "a", "b", 1, st, 0, 5, 9, 11)
		o.Logical = "c1.0"
		return o
	}
	require.Equal(t, Ok, CheckExactlyOnce(history(retry("t1", Retryable), retry("t2", Committed))).Result)
	v := CheckExactlyOnce(history(retry("t1", Committed), retry("t2", Committed)))
	require.Equal(t, Violation, v.Result)
	require.Len(t, v.Witness, 2)
}

func TestLivenessPairs(t *testing.T) {
	require.Equal(t, Ok, CheckLiveness(history(read("r1", 1, "a", 10, 0, 5))).Result)
	v := CheckLiveness(history(read("r1", 1, "a", 10, 0, 5), transfer("t1", 2, "a", "b", 1, Unknown, 3, 0)))
	require.Equal(t, Violation, v.Result)
	require.Len(t, v.Witness, 1)
}

// Porcupine's verdict against brute force: on small random histories (few
// keys, few operations, random statuses and values, so that many are
// illegal) the search must agree with trying every order consistent with
// real time.
func TestSerializableAgreesWithBruteForce(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		keys := []string{"a", "b", "c"}
		n := rapid.IntRange(1, 6).Draw(t, "ops")
		var ops []Op
		for i := range n {
			call := rapid.Int64Range(0, 20).Draw(t, "call")
			ret := call + rapid.Int64Range(1, 20).Draw(t, "duration")
			id := string(rune('A' + i))
			st := rapid.SampledFrom([]Status{Committed, Committed, Failed, Unknown}).Draw(t, "status")
			if rapid.Bool().Draw(t, "is-read") {
				ops = append(ops, Op{ID: id, Client: i, Kind: Read, Keys: []string{rapid.SampledFrom(keys).Draw(t, "key")},
					Status: Committed, Values: []int64{rapid.Int64Range(8, 12).Draw(t, "read")}, Call: call, Return: ret})
				continue
			}
			from := rapid.IntRange(0, 2).Draw(t, "from")
			to := (from + rapid.IntRange(1, 2).Draw(t, "to")) % 3
			o := Op{ID: id, Client: i, Kind: Transfer, Keys: []string{keys[from], keys[to]},
				Amount: rapid.Int64Range(1, 12).Draw(t, "amount"), Status: st, Call: call, Return: ret}
			if st == Committed {
				o.Values = []int64{rapid.Int64Range(-2, 12).Draw(t, "from-after"), rapid.Int64Range(8, 22).Draw(t, "to-after")}
			}
			ops = append(ops, o)
		}
		h := history(ops...)
		v, _, _ := CheckSerializable(h, 0)
		if want := bruteForceSerializable(h); (v.Result == Ok) != want {
			t.Fatalf("porcupine says %v, brute force says %v for %v", v.Result, want, ops)
		}
	})
}

// bruteForceSerializable tries every order of the history's operations that
// respects real time, with the same step rules.
func bruteForceSerializable(h History) bool {
	ops := operations(h)
	model := balanceModel(h)
	used := make([]bool, len(ops))
	var try func(state any, placed int) bool
	try = func(state any, placed int) bool {
		if placed == len(ops) {
			return true
		}
		for i := range ops {
			if used[i] {
				continue
			}
			// i may go next only if no unplaced operation returned before i was called.
			blocked := false
			for j := range ops {
				if !used[j] && j != i && ops[j].Return < ops[i].Call {
					blocked = true
					break
				}
			}
			if blocked {
				continue
			}
			if legal, next := model.Step(state, ops[i].Input, ops[i].Output); legal {
				used[i] = true
				if try(next, placed+1) {
					return true
				}
				used[i] = false
			}
		}
		return false
	}
	return try(model.Init(), 0)
}

// The ledgers' order is only a shortcut: whenever it proves a small random
// history serializable, with ledgers drawn at random (often wrong), brute
// force must agree.
func TestLedgerOrderAgreesWithBruteForce(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		keys := []string{"a", "b", "c"}
		n := rapid.IntRange(1, 6).Draw(t, "ops")
		var ops []Op
		ledgers := map[string][]Entry{}
		for i := range n {
			call := rapid.Int64Range(0, 20).Draw(t, "call")
			ret := call + rapid.Int64Range(1, 20).Draw(t, "duration")
			id := string(rune('A' + i))
			if rapid.Bool().Draw(t, "is-read") {
				ops = append(ops, Op{ID: id, Client: i, Kind: Read, Keys: []string{rapid.SampledFrom(keys).Draw(t, "key")},
					Status: Committed, Values: []int64{rapid.Int64Range(8, 12).Draw(t, "read")}, Call: call, Return: ret})
				continue
			}
			from := rapid.IntRange(0, 2).Draw(t, "from")
			to := (from + rapid.IntRange(1, 2).Draw(t, "to")) % 3
			st := rapid.SampledFrom([]Status{Committed, Committed, Failed, Unknown}).Draw(t, "status")
			o := Op{ID: id, Client: i, Kind: Transfer, Keys: []string{keys[from], keys[to]},
				Amount: rapid.Int64Range(1, 3).Draw(t, "amount"), Status: st, Call: call, Return: ret}
			if st == Committed {
				o.Values = []int64{rapid.Int64Range(6, 12).Draw(t, "from-after"), rapid.Int64Range(8, 14).Draw(t, "to-after")}
			}
			if st != Failed && rapid.IntRange(0, 4).Draw(t, "in-ledgers") > 0 {
				for _, k := range o.Keys {
					at := rapid.IntRange(0, len(ledgers[k])).Draw(t, "ledger-position")
					ledgers[k] = slices.Insert(ledgers[k], at, Entry{Txn: id})
				}
			}
			ops = append(ops, o)
		}
		h := history(ops...)
		h.Ledgers = ledgers
		if _, found := serializableByLedgers(h, balanceModel(h)); found && !bruteForceSerializable(h) {
			t.Fatalf("the ledgers' order passed a history brute force rejects: %v, ledgers %v", ops, ledgers)
		}
	})
}

// The shortcut decides histories porcupine's search gives up on: 10,000
// operations of 64 concurrent clients over 1,000 keys. (Over 50 keys, with
// a quarter of them reads of balances that recur, it mostly gets stuck:
// then porcupine is tried, and the verdict may be unknown.)
func TestLedgerOrderDecidesConcurrentLegalHistories(t *testing.T) {
	for seed := uint64(1); seed <= 3; seed++ {
		h := legalHistory(10_000, 64, 1_000, seed)
		v, found := serializableByLedgers(h, balanceModel(h))
		require.True(t, found, "seed %d", seed)
		require.Equal(t, Ok, v.Result)
	}
}

// verifyOrder is what makes the shortcut sound: it must reject an order
// that breaks real time, leaves out or repeats an operation, or has a step
// the model does not allow.
func TestVerifyOrderRejectsBadOrders(t *testing.T) {
	h := legalHistory(200, 8, 10, 3)
	model := balanceModel(h)
	order := ledgerOrder(h, model)
	require.NotNil(t, order)
	require.True(t, verifyOrder(h, model, order))
	swapped := slices.Clone(order)
	for i := 1; i < len(swapped); i++ {
		if swapped[i-1].Return < swapped[i].Call {
			swapped[i-1], swapped[i] = swapped[i], swapped[i-1]
			break
		}
	}
	require.False(t, verifyOrder(h, model, swapped), "real time broken")
	require.False(t, verifyOrder(h, model, order[1:]), "an operation left out")
	require.False(t, verifyOrder(h, model, append(slices.Clone(order[1:]), order[1])), "an operation twice")
	wrong := slices.Clone(order)
	for i, o := range wrong {
		if o.Kind == Transfer && o.Status == Committed {
			wrong[i].Values = []int64{o.Values[0] + 1, o.Values[1]}
			break
		}
	}
	require.False(t, verifyOrder(h, model, wrong), "a transfer that read what it could not")
}
