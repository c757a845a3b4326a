package checker

import (
	"container/heap"
	"slices"

	"github.com/anishathalye/porcupine"
)

// ledgerOrder looks for a serial order of h's operations the way an
// auditor would: the records' ledgers give, for every key, the order in
// which transfers applied to it, so the committed transfers' places are
// fixed key by key; reads and failed transfers go wherever the balances
// they saw hold. It is porcupine's fallback for histories whose
// concurrency defeats its search (open-loop clients, many clients): it
// finds one order greedily (placing reads and failed transfers in the
// first gap of their key's chain that fits, and if that gets stuck, in
// the last), and never concludes that none exists. The order it returns
// respects real time and is legal in the model step by step (both are
// checked again by verifyOrder before anyone trusts it); nil means it
// found none, which proves nothing.
func ledgerOrder(h History, model porcupine.Model) []Op {
	for _, latest := range []bool{false, true} {
		b, ok := newOrderBuilder(h, model, latest)
		if !ok {
			return nil
		}
		if order := b.build(); order != nil {
			return order
		}
	}
	return nil
}

// orderBuilder is ledgerOrder's state: the operations, the ledger chains,
// what is placed, and the model state after the placed operations.
type orderBuilder struct {
	model   porcupine.Model
	ops     []Op
	role    []role
	need    []int // operations that returned before ops[i] was called
	chains  map[string][]int
	on      [][]string     // the keys whose chains hold ops[i]
	next    map[string]int // per key, the position of the next chain entry
	tail    []int          // unknown transfers the ledgers say never applied
	placed  []bool
	queued  []bool // in ready, or placed
	order   []Op
	state   any
	byRet   []int // ops by return time, for real time
	done    int   // byRet[:done] are all placed
	waiting waitHeap
	ready   retHeap
	loose   map[string][]int // eligible free operations per key, waiting for their balance
	dirty   []string         // keys whose loose operations may now be placed
	latest  bool             // slot a free operation in the last gap that fits, not the first
	work    int              // chain positions gap has looked at, bounded by gapWorkMax
}

// gapWorkMax bounds the chain positions slotting looks at: a gap search
// scans its key's chain, so many reads of a few hot keys cost their
// product; past the bound the builder gives up (no order, which proves
// nothing) rather than keep the checker busy for minutes.
const gapWorkMax = 50_000_000

// role is how an operation finds its place.
type role uint8

const (
	chained role = iota // a transfer the ledgers place, key by key
	free                // a read or failed transfer: wherever the balances it saw hold
	last                // an unknown transfer that never applied: at the end, where it changes nothing seen
)

func newOrderBuilder(h History, model porcupine.Model, latest bool) (*orderBuilder, bool) {
	b := &orderBuilder{model: model, latest: latest, chains: map[string][]int{}, next: map[string]int{}, loose: map[string][]int{}, state: model.Init()}
	index := map[string]int{}
	for _, p := range operations(h) {
		o := p.Input.(Op)
		if o.Status == Unknown {
			o.Return = returnNever
		}
		index[o.ID] = len(b.ops)
		b.ops = append(b.ops, o)
	}
	applied := make([]int, len(b.ops))
	for _, k := range h.Keys {
		for _, e := range h.Ledgers[k] {
			i, known := index[e.Txn]
			if !known || e.Compensation {
				return nil, false
			}
			b.chains[k] = append(b.chains[k], i)
			applied[i]++
		}
	}
	b.role = make([]role, len(b.ops))
	for i, o := range b.ops {
		switch {
		case o.Kind == Read || o.Status == Failed:
			b.role[i] = free
		case o.Status == Unknown && applied[i] == 0:
			b.role[i] = last
			b.tail = append(b.tail, i)
		case applied[i] != len(o.Keys):
			return nil, false // a transfer missing from a ledger: atomicity's business
		}
	}
	b.placed, b.queued = make([]bool, len(b.ops)), make([]bool, len(b.ops))
	b.on = make([][]string, len(b.ops))
	for k, c := range b.chains { // order-independent: the per-op slices are sorted below
		for _, i := range c {
			b.on[i] = append(b.on[i], k)
		}
	}
	for i := range b.on {
		slices.Sort(b.on[i])
	}
	byKey := map[string][]int{} // single-key free operations, by key
	for i, o := range b.ops {
		if b.role[i] == free && (o.Kind == Transfer || len(o.Keys) == 1) {
			byKey[o.Keys[0]] = append(byKey[o.Keys[0]], i)
		}
	}
	for _, k := range h.Keys {
		b.slotFree(k, byKey[k], h.Initial)
	}
	if b.work > gapWorkMax {
		return nil, false
	}
	b.indexRealTime()
	return b, true
}

// slotFree gives the single-key free operations of key k (reads, failed
// transfers from k) a place in k's chain: the first gap between two of its
// transfers where the balance is what the operation needs and that real
// time allows among k's own operations. An operation with no such gap
// stays free and is placed greedily.
func (b *orderBuilder) slotFree(k string, frees []int, initial int64) {
	chain := b.chains[k]
	balance := make([]int64, len(chain)+1) // balance[s]: after the first s transfers
	balance[0] = initial
	for s, i := range chain {
		delta, _ := stepDelta(b.ops[i], k)
		balance[s+1] = balance[s] + delta
	}
	slots := make([][]int, len(chain)+1)
	for _, i := range frees {
		if s, ok := b.gap(b.ops[i], chain, balance); ok {
			slots[s] = append(slots[s], i)
			b.role[i] = chained
			b.on[i] = []string{k}
		}
	}
	merged := make([]int, 0, len(chain))
	for s := range slots {
		slices.SortFunc(slots[s], func(x, y int) int { return cmpInt64(b.ops[x].Return, b.ops[y].Return) })
		merged = append(merged, slots[s]...)
		if s < len(chain) {
			merged = append(merged, chain[s])
		}
	}
	b.chains[k] = merged
}

// gap finds the first (or, if latest, the last) gap of chain where free
// operation o fits: after
// every transfer of the chain that returned before o was called, before
// every one called after o returned, with the balance o saw (a read) or
// too low for it (a failed transfer).
func (b *orderBuilder) gap(o Op, chain []int, balance []int64) (int, bool) {
	b.work += len(chain)
	if b.work > gapWorkMax {
		return 0, false
	}
	lo, hi := 0, len(chain)
	for s, i := range chain {
		if b.ops[i].Return < o.Call {
			lo = max(lo, s+1)
		}
		if b.ops[i].Call > o.Return {
			hi = min(hi, s)
		}
	}
	found, fits := -1, false
	for s := lo; s <= hi && !(fits && !b.latest); s++ {
		if o.Kind == Read && len(o.Values) == 1 && balance[s] == o.Values[0] || o.Kind == Transfer && balance[s] < o.Amount {
			found, fits = s, true
		}
	}
	return found, fits
}

// indexRealTime sorts the operations by return and counts, for each, the
// operations that returned before it was called: it may be placed only
// once all of those are.
func (b *orderBuilder) indexRealTime() {
	b.byRet = make([]int, 0, len(b.ops))
	for i := range b.ops {
		b.byRet = append(b.byRet, i)
	}
	slices.SortFunc(b.byRet, func(x, y int) int { return cmpInt64(b.ops[x].Return, b.ops[y].Return) })
	b.need = make([]int, len(b.ops))
	for i, o := range b.ops {
		b.need[i], _ = slices.BinarySearchFunc(b.byRet, o.Call, func(j int, call int64) int {
			if b.ops[j].Return < call {
				return -1
			}
			return 1
		})
		if b.role[i] != last {
			heap.Push(&b.waiting, waitItem{op: i, need: b.need[i]})
		}
	}
}

func (b *orderBuilder) build() []Op {
	b.settle()
	for b.ready.Len() > 0 {
		i := heap.Pop(&b.ready).(retItem).op
		if !b.place(i) {
			return nil
		}
		for _, k := range b.on[i] {
			b.next[k]++
			b.offerChainHead(k)
			b.dirty = append(b.dirty, k)
		}
		b.settle()
	}
	if len(b.order)+len(b.tail) != len(b.ops) {
		return nil // stuck: a read whose balance never came, a chain whose head cannot go
	}
	for _, i := range b.tail {
		b.order = append(b.order, b.ops[i])
	}
	return b.order
}

// place appends ops[i] to the order if the model allows it in the current
// state.
func (b *orderBuilder) place(i int) bool {
	legal, next := b.model.Step(b.state, b.ops[i], b.ops[i])
	if !legal {
		return false
	}
	b.state, b.placed[i] = next, true
	b.order = append(b.order, b.ops[i])
	for b.done < len(b.byRet) && b.placed[b.byRet[b.done]] {
		b.done++
	}
	return true
}

// settle admits and places free operations until neither makes progress:
// placing one may admit others, and admitting one may let it be placed.
func (b *orderBuilder) settle() {
	for b.admit() || b.placeLoose() {
	}
}

// admit makes eligible every operation whose real-time predecessors are
// all placed: a chained transfer joins ready when it heads its chains, a
// free operation waits on its key for its balance. It reports whether it
// admitted any.
func (b *orderBuilder) admit() bool {
	admitted := false
	for b.waiting.Len() > 0 && b.waiting[0].need <= b.done {
		i := heap.Pop(&b.waiting).(waitItem).op
		admitted = true
		if b.role[i] == free {
			// Under every key it reads: the balance it waits for may
			// come on any of them.
			for _, k := range b.ops[i].Keys[:b.freeKeys(i)] {
				b.loose[k] = append(b.loose[k], i)
				b.dirty = append(b.dirty, k)
			}
			continue
		}
		b.offer(i)
	}
	return admitted
}

// offer moves chained transfer i to ready if it heads the chain of every
// key it touches and is eligible.
func (b *orderBuilder) offer(i int) {
	if b.queued[i] || b.need[i] > b.done {
		return
	}
	for _, k := range b.on[i] {
		c := b.chains[k]
		if b.next[k] >= len(c) || c[b.next[k]] != i {
			return
		}
	}
	b.queued[i] = true
	heap.Push(&b.ready, retItem{op: i, ret: b.ops[i].Return})
}

func (b *orderBuilder) offerChainHead(k string) {
	if c := b.chains[k]; b.next[k] < len(c) {
		b.offer(c[b.next[k]])
	}
}

// freeKeys is how many of free operation i's keys it waits on: a read,
// all of them; a failed transfer, its source only (the balance it found
// short).
func (b *orderBuilder) freeKeys(i int) int {
	if b.ops[i].Kind == Read {
		return len(b.ops[i].Keys)
	}
	return 1
}

// placeLoose places the eligible free operations of the dirty keys that
// the current balances allow (placing one changes no balance) and reports
// whether it placed any.
func (b *orderBuilder) placeLoose() bool {
	placed := false
	for len(b.dirty) > 0 {
		k := b.dirty[len(b.dirty)-1]
		b.dirty = b.dirty[:len(b.dirty)-1]
		kept := b.loose[k][:0]
		for _, i := range b.loose[k] {
			if b.placed[i] {
				continue // placed from another of its keys' lists
			}
			if b.place(i) {
				placed = true
				continue
			}
			kept = append(kept, i)
		}
		b.loose[k] = kept
	}
	return placed
}

func cmpInt64(a, b int64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// verifyOrder checks order against h from scratch: every operation of the
// history exactly once, real time respected (no operation placed before
// one that returned before it was called), and every step legal in the
// model.
func verifyOrder(h History, model porcupine.Model, order []Op) bool {
	want := operations(h)
	if len(order) != len(want) {
		return false
	}
	seen := map[string]bool{}
	for _, o := range order {
		if seen[o.ID] {
			return false
		}
		seen[o.ID] = true
	}
	for _, p := range want {
		if !seen[p.Input.(Op).ID] {
			return false
		}
	}
	minReturn := int64(returnNever)
	for i := len(order) - 1; i >= 0; i-- {
		o := order[i]
		if minReturn < o.Call {
			return false
		}
		if o.Status != Unknown {
			minReturn = min(minReturn, o.Return)
		}
	}
	state := model.Init()
	for _, o := range order {
		legal, next := model.Step(state, o, o)
		if !legal {
			return false
		}
		state = next
	}
	return true
}

// waitHeap orders operations by how many operations must be placed first.
type waitItem struct{ op, need int }
type waitHeap []waitItem

func (h waitHeap) Len() int { return len(h) }
func (h waitHeap) Less(i, j int) bool {
	return h[i].need < h[j].need || h[i].need == h[j].need && h[i].op < h[j].op
}
func (h waitHeap) Swap(i, j int) { h[i], h[j] = h[j], h[i] }
func (h *waitHeap) Push(x any)   { *h = append(*h, x.(waitItem)) }
func (h *waitHeap) Pop() any     { x := (*h)[len(*h)-1]; *h = (*h)[:len(*h)-1]; return x }

// retHeap orders ready transfers by return time, earliest first: the one
// that real time presses most.
type retItem struct {
	op  int
	ret int64
}
type retHeap []retItem

func (h retHeap) Len() int { return len(h) }
func (h retHeap) Less(i, j int) bool {
	return h[i].ret < h[j].ret || h[i].ret == h[j].ret && h[i].op < h[j].op
}
func (h retHeap) Swap(i, j int) { h[i], h[j] = h[j], h[i] }
func (h *retHeap) Push(x any)   { *h = append(*h, x.(retItem)) }
func (h *retHeap) Pop() any     { x := (*h)[len(*h)-1]; *h = (*h)[:len(*h)-1]; return x }
