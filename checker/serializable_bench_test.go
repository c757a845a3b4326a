package checker

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"
)

// legalHistory builds a strictly serializable history of transfers and
// reads: each client runs its operations one after another, each takes
// effect at a random point inside its call-return interval, and the values
// it returns are those of the balances at that point. The keys' ledgers
// record the committed transfers in the order they took effect.
func legalHistory(ops, clients, keys int, seed uint64) History {
	rng := rand.New(rand.NewPCG(seed, 1))
	type timed struct {
		op  Op
		lin int64
	}
	var all []timed
	now := make([]int64, clients)
	for i := range ops {
		c := i % clients
		call := now[c] + rng.Int64N(10)
		lin := call + 1 + rng.Int64N(50)
		ret := lin + 1 + rng.Int64N(50)
		now[c] = ret
		o := Op{Client: c, ID: fmt.Sprintf("o%d", i), Call: call, Return: ret, Status: Committed}
		if rng.IntN(4) == 0 {
			o.Kind, o.Keys = Read, []string{fmt.Sprintf("k%d", rng.IntN(keys))}
		} else {
			from := rng.IntN(keys)
			to := (from + 1 + rng.IntN(keys-1)) % keys
			o.Kind, o.Keys, o.Amount = Transfer, []string{fmt.Sprintf("k%d", from), fmt.Sprintf("k%d", to)}, 1+rng.Int64N(3)
		}
		all = append(all, timed{o, lin})
	}
	slices.SortFunc(all, func(a, b timed) int { return int(a.lin - b.lin) })
	const initial = 100
	bal := map[string]int64{}
	get := func(k string) int64 {
		if v, ok := bal[k]; ok {
			return v
		}
		return initial
	}
	h := History{Serializable: true, Initial: initial, Ledgers: map[string][]Entry{}}
	for i := range keys {
		h.Keys = append(h.Keys, fmt.Sprintf("k%d", i))
	}
	for _, t := range all {
		o := t.op
		switch {
		case o.Kind == Read:
			o.Values = []int64{get(o.Keys[0])}
		case get(o.Keys[0]) < o.Amount:
			o.Status = Failed
		default:
			bal[o.Keys[0]] = get(o.Keys[0]) - o.Amount
			bal[o.Keys[1]] = get(o.Keys[1]) + o.Amount
			o.Values = []int64{bal[o.Keys[0]], bal[o.Keys[1]]}
			h.Ledgers[o.Keys[0]] = append(h.Ledgers[o.Keys[0]], Entry{Txn: o.ID, Delta: -o.Amount})
			h.Ledgers[o.Keys[1]] = append(h.Ledgers[o.Keys[1]], Entry{Txn: o.ID, Delta: o.Amount})
		}
		h.Ops = append(h.Ops, o)
	}
	return h
}

// BenchmarkCheckSerializable measures the check of 2PC-like histories of
// 1k, 10k and 100k operations from 8 and 64 concurrent clients over 10k
// keys, two ways: porcupine's search alone (the history without ledgers),
// and with the ledgers, where Check's path tries the ledgers' order once
// porcupine has searched for a second in vain. The
// issue's target: 10k operations, 8 clients, under a second. Each run
// reports the verdict it reached, so a search that gave up shows as
// unknown=1, never as a fast pass.
func BenchmarkCheckSerializable(b *testing.B) {
	for _, ops := range []int{1_000, 10_000, 100_000} {
		for _, clients := range []int{8, 64} {
			for _, path := range []string{"porcupine", "ledgers"} {
				b.Run(fmt.Sprintf("ops=%d/clients=%d/%s", ops, clients, path), func(b *testing.B) {
					benchSerializable(b, ops, clients, path == "ledgers")
				})
			}
		}
	}
}

func benchSerializable(b *testing.B, ops, clients int, ledgers bool) {
	h := legalHistory(ops, clients, 10_000, 1)
	if !ledgers {
		h.Ledgers = nil
	}
	unknown := 0
	for b.Loop() {
		v := serializable(h, 30*time.Second)
		switch v.Result {
		case Undecided:
			unknown = 1
		case Violation:
			b.Fatalf("a legal history judged illegal: %v", v)
		}
	}
	b.ReportMetric(float64(unknown), "unknown")
}

// TestLegalHistoryGeneratorIsSound keeps the benchmark honest: its
// histories pass, and corrupting one value makes one fail.
func TestLegalHistoryGeneratorIsSound(t *testing.T) {
	h := legalHistory(300, 8, 20, 7)
	v, _, _ := CheckSerializable(h, 10*time.Second)
	if v.Result != Ok {
		t.Fatalf("generated history: %v", v)
	}
	for i, o := range h.Ops {
		if o.Kind == Read {
			h.Ops[i].Values = []int64{o.Values[0] + 1000}
			break
		}
	}
	if v, _, _ := CheckSerializable(h, 10*time.Second); v.Result != Violation {
		t.Fatalf("corrupted history: %v", v)
	}
}
