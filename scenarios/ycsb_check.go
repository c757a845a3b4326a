package scenarios

import (
	"fmt"
	"strings"

	"github.com/flowtx/flowtx/protocols/saga"
	"github.com/flowtx/flowtx/protocols/twopc"
	"github.com/flowtx/flowtx/runtime"
)

// Check verifies money conservation, each record's balance against the
// transfers clients were told took effect, and that no protocol state is
// left behind.
func (y *ycsb) Check(o Outcome) []string {
	want := map[runtime.Address]int64{}
	for k := range y.cfg.Keys {
		want[recordAddress(k)] = y.cfg.InitialBalance
	}
	for _, h := range o.Histories {
		for _, op := range h {
			if !op.Answered || op.Request.Msg.Kind != opTransfer || !tookEffect(op.Response.Msg.Kind) {
				continue
			}
			a, err := decodeTransfer(op.Request.Msg)
			if err != nil {
				continue
			}
			want[recordAddress(a.From)] -= a.Amount
			want[recordAddress(a.To)] += a.Amount
		}
	}
	var v []string
	got := map[runtime.Address]int64{}
	for k := range y.cfg.Keys {
		got[recordAddress(k)] = y.cfg.InitialBalance
	}
	var sum int64
	for a, state := range o.State { // order-independent: fills a map
		if a.Type != RecordType {
			continue
		}
		if b, ok := state[balanceOf.Name]; ok {
			n, err := runtime.Int64Codec.Decode(b)
			if err != nil {
				v = append(v, fmt.Sprintf("ycsb: %v has no readable balance", a))
				continue
			}
			got[a] = n
		}
	}
	for _, a := range sortedAddresses(want, got) {
		sum += got[a]
		if got[a] != want[a] {
			v = append(v, fmt.Sprintf("ycsb: %v balance %d, the transfers clients were told of give %d", a, got[a], want[a]))
		}
	}
	if total := int64(y.cfg.Keys) * y.cfg.InitialBalance; sum != total {
		v = append([]string{fmt.Sprintf("ycsb: money not conserved: balances sum to %d, want %d", sum, total)}, v...)
	}
	return append(v, leftovers(o)...)
}

// tookEffect reports whether a transfer's answer says its effects stay.
func tookEffect(status string) bool {
	return status == twopc.Committed.String() || status == saga.Completed.String()
}

// leftovers reports protocol state still held at quiescence: a lock, a
// queue, a coordinator's or saga's progress. Every transaction is decided
// by then and every saga settled.
func leftovers(o Outcome) []string {
	var v []string
	for _, a := range sortedAddresses(nil, addressKeys(o.State)) {
		for name := range o.State[a] { // order-independent: one line per instance
			if strings.HasPrefix(name, "\x00") {
				v = append(v, fmt.Sprintf("ycsb: %v still holds protocol state at quiescence", a))
				break
			}
		}
	}
	return v
}

func addressKeys(m map[runtime.Address]map[string][]byte) map[runtime.Address]int64 {
	out := make(map[runtime.Address]int64, len(m))
	for a := range m { // order-independent: fills a map
		out[a] = 0
	}
	return out
}
