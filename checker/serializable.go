package checker

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/anishathalye/porcupine"
)

// CheckSerializable checks a 2PC history for strict serializability: a
// total order of the transactions, consistent with real time (an operation
// that returned before another was called comes first), in which every
// operation is legal and returns what it returned. Porcupine searches for
// that order, one partition of keys at a time (operations on keys that no
// transfer connects cannot constrain each other). The search is bounded by
// timeout; when it runs out, and the history has the records' ledgers,
// ledgerOrder tries to build one order the way an auditor would, and the
// verdict is Ok only if that order is verified operation by operation
// (verifyOrder); otherwise it is Unknown, never a pass.
func CheckSerializable(h History, timeout time.Duration) (Verdict, porcupine.LinearizationInfo, porcupine.Model) {
	if timeout <= 0 {
		timeout = serializableTimeoutDefault
	}
	v, info, model := searchSerializable(h, timeout)
	if v.Result != Undecided {
		return v, info, model
	}
	if byLedgers, found := serializableByLedgers(h, model); found {
		byLedgers.Detail = fmt.Sprintf("porcupine gave up after %v; %s", timeout, byLedgers.Detail)
		return byLedgers, info, model
	}
	return v, info, model
}

// searchSerializable is porcupine's search alone, bounded by timeout, on
// a well-formed history (anything else is a violation, not a search).
func searchSerializable(h History, timeout time.Duration) (Verdict, porcupine.LinearizationInfo, porcupine.Model) {
	const check = "strict-serializability"
	model := balanceModel(h)
	if v, fine := checkWellFormed(h); !fine {
		return v, porcupine.LinearizationInfo{}, model
	}
	if !h.Serializable {
		v := ok(check)
		v.Detail = "not promised by this protocol, not checked"
		return v, porcupine.LinearizationInfo{}, model
	}
	result, info := porcupine.CheckOperationsVerbose(model, operations(h), timeout)
	switch result {
	case porcupine.Ok:
		return ok(check), info, model
	case porcupine.Illegal:
		return violation(check, "no order of the transactions explains what clients saw", witness(h, info)...), info, model
	}
	return undecided(check, fmt.Sprintf("search gave up after %v", timeout)), info, model
}

// serializableByLedgers is the auditor's shortcut: an order built from the
// records' ledgers (ledgerOrder) that verifyOrder accepts proves the
// history strictly serializable, whatever the ledgers say, since the
// order is checked against what clients saw alone. Found false proves
// nothing.
func serializableByLedgers(h History, model porcupine.Model) (Verdict, bool) {
	if !h.Serializable || h.Ledgers == nil {
		return Verdict{}, false
	}
	order := ledgerOrder(h, model)
	if order == nil || !verifyOrder(h, model, order) {
		return Verdict{}, false
	}
	v := ok("strict-serializability")
	v.Detail = fmt.Sprintf("an order of all %d operations built from the ledgers respects real time and is legal step by step", len(order))
	return v, true
}

// serializableTimeoutDefault bounds the search when the caller gives no
// timeout.
const serializableTimeoutDefault = 10 * time.Second

// returnNever is the return time of an operation that never returned: it
// may be ordered after everything ("return at infinity").
const returnNever = 1 << 62

// operations turns the ops that can matter into porcupine operations:
// updates touch no balance and retryable operations took no effect.
func operations(h History) []porcupine.Operation {
	var out []porcupine.Operation
	for _, o := range h.Ops {
		if o.Kind == Update || o.Status == Retryable {
			continue
		}
		ret := o.Return
		if o.Status == Unknown {
			ret = returnNever
		}
		out = append(out, porcupine.Operation{ClientId: o.Client, Input: o, Call: o.Call, Output: o, Return: ret})
	}
	return out
}

// balances is the model's state: every key's balance, in pages of
// pageSize, copied on write. A step changes two keys, so it copies two
// pages and the page table instead of the whole state: with thousands of
// keys in one partition that is the difference between checking in
// milliseconds and giving up. States are never modified in place.
type balances struct {
	pages []*page
}

const pageSize = 128

type page [pageSize]int64

// keySpace numbers a history's keys, for the pages.
type keySpace struct {
	index   map[string]int
	initial int64
}

func newKeySpace(h History) *keySpace {
	ks := &keySpace{index: map[string]int{}, initial: h.Initial}
	add := func(k string) {
		if _, ok := ks.index[k]; !ok {
			ks.index[k] = len(ks.index)
		}
	}
	for _, k := range h.Keys {
		add(k)
	}
	for _, o := range h.Ops {
		for _, k := range o.Keys {
			add(k)
		}
	}
	return ks
}

func (ks *keySpace) initialState() balances {
	p := new(page)
	for i := range p {
		p[i] = ks.initial
	}
	pages := make([]*page, (len(ks.index)+pageSize-1)/pageSize)
	for i := range pages {
		pages[i] = p // shared until written
	}
	return balances{pages: pages}
}

func (ks *keySpace) get(b balances, k string) int64 {
	i := ks.index[k]
	return b.pages[i/pageSize][i%pageSize]
}

// with returns b with keys set to values, copying only what changes.
func (ks *keySpace) with(b balances, keys []string, values []int64) balances {
	next := balances{pages: append([]*page(nil), b.pages...)}
	copied := map[int]bool{}
	for j, k := range keys {
		i := ks.index[k]
		if !copied[i/pageSize] {
			p := *next.pages[i/pageSize]
			next.pages[i/pageSize] = &p
			copied[i/pageSize] = true
		}
		next.pages[i/pageSize][i%pageSize] = values[j]
	}
	return next
}

func (ks *keySpace) equal(a, b balances) bool {
	for i := range a.pages {
		if a.pages[i] != b.pages[i] && *a.pages[i] != *b.pages[i] {
			return false
		}
	}
	return true
}

func balanceModel(h History) porcupine.Model {
	ks := newKeySpace(h)
	names := make([]string, len(ks.index))
	for k, i := range ks.index { // order-independent: fills a slice by index
		names[i] = k
	}
	return porcupine.Model{
		Partition: partitionByKeys,
		Init:      func() any { return ks.initialState() },
		Step: func(state, input, _ any) (bool, any) {
			b, o := state.(balances), input.(Op)
			switch o.Kind {
			case Read:
				switch o.Status {
				case Committed:
					return readMatches(ks, b, o), b
				case Failed, Unknown:
					return true, b // took no effect, or need not have
				}
			case Transfer:
				return stepTransfer(ks, b, o)
			}
			return false, b
		},
		Equal:             func(a, b any) bool { return ks.equal(a.(balances), b.(balances)) },
		DescribeOperation: func(input, _ any) string { return input.(Op).String() },
		DescribeState: func(state any) string {
			b := state.(balances)
			var parts []string
			for i, k := range names {
				if v := b.pages[i/pageSize][i%pageSize]; v != ks.initial {
					parts = append(parts, fmt.Sprintf("%s=%d", k, v))
				}
			}
			sort.Strings(parts)
			return strings.Join(parts, " ")
		},
	}
}

// stepTransfer applies a transfer to the state if that is what the client
// saw. A committed transfer needs the funds and must have read the balances
// it moved to; a failed one is legal only if the funds were short; an
// unknown one applies when it can (if it did not, porcupine may order it
// last, where it changes nothing anyone saw).
func stepTransfer(ks *keySpace, b balances, o Op) (bool, any) {
	from, to := ks.get(b, o.Keys[0]), ks.get(b, o.Keys[1])
	enough := from >= o.Amount
	switch o.Status {
	case Failed:
		return !enough, b
	case Unknown:
		if !enough {
			return true, b
		}
	case Committed:
		if !enough || len(o.Values) != 2 || o.Values[0] != from-o.Amount || o.Values[1] != to+o.Amount {
			return false, b
		}
	default:
		return false, b
	}
	return true, ks.with(b, o.Keys, []int64{from - o.Amount, to + o.Amount})
}

// partitionByKeys splits a history into groups of operations on keys that
// transfers connect: union-find over the keys.
func partitionByKeys(history []porcupine.Operation) [][]porcupine.Operation {
	parent := map[string]string{}
	var find func(string) string
	find = func(k string) string {
		p, ok := parent[k]
		if !ok || p == k {
			parent[k] = k
			return k
		}
		root := find(p)
		parent[k] = root
		return root
	}
	for _, op := range history {
		keys := op.Input.(Op).Keys
		for _, k := range keys[1:] {
			parent[find(k)] = find(keys[0])
		}
	}
	groups := map[string][]porcupine.Operation{}
	var roots []string
	for _, op := range history {
		r := find(op.Input.(Op).Keys[0])
		if _, seen := groups[r]; !seen {
			roots = append(roots, r)
		}
		groups[r] = append(groups[r], op)
	}
	sort.Strings(roots)
	out := make([][]porcupine.Operation, len(roots))
	for i, r := range roots {
		out[i] = groups[r]
	}
	return out
}

// witness picks, from the partition that failed, the end of the longest
// order porcupine could build and the first operations it could not place
// after it: where the history stops making sense. It is bounded to keep
// reports readable.
func witness(h History, info porcupine.LinearizationInfo) []Op {
	const placedMax, unplacedMax = 4, 4
	parts := partitionByKeys(operations(h))
	for i, lins := range info.PartialLinearizationsOperations() {
		if i >= len(parts) {
			break
		}
		var longest []porcupine.Operation
		for _, lin := range lins {
			if len(lin) > len(longest) {
				longest = lin
			}
		}
		if len(longest) == len(parts[i]) {
			continue // this partition linearized
		}
		var out []Op
		placed := map[string]bool{}
		for _, o := range longest {
			placed[o.Input.(Op).ID] = true
		}
		for _, o := range longest[max(0, len(longest)-placedMax):] {
			out = append(out, o.Input.(Op))
		}
		for _, o := range parts[i] {
			if op := o.Input.(Op); !placed[op.ID] && len(out) < placedMax+unplacedMax {
				out = append(out, op)
			}
		}
		return out
	}
	return nil
}

// readMatches reports whether committed read o, of one key or (a read
// transaction) several, returned the balances of state b.
func readMatches(ks *keySpace, b balances, o Op) bool {
	if len(o.Values) != len(o.Keys) {
		return false
	}
	for i, k := range o.Keys {
		if o.Values[i] != ks.get(b, k) {
			return false
		}
	}
	return true
}
