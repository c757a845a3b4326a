package scenarios

import (
	"fmt"
	"strings"
	"testing"

	"github.com/flowtx/flowtx/sim"
)

// BenchmarkPaperExperiment2 reproduces the shape of the paper's second
// experiment in the simulator: committed operations per virtual second as
// the share of transfers grows (0 to 100 %), for 2PC and sagas, over 100,
// 2,000 and 10,000 keys. The cost model: function invocations of 100 us,
// links of 50-150 us (the coordinator's 50-950 us), checkpoints every 10 ms
// with transactional egress, 64 closed-loop clients, 4 workers, no faults.
// The table is printed with -v; each cell is one seed. The checker is off
// (at 64 clients porcupine's search gives up); the workload's own check,
// money conservation and per-record balances, still runs.
func BenchmarkPaperExperiment2(b *testing.B) {
	shares := []int{0, 5, 10, 25, 50, 75, 100}
	for b.Loop() {
		var table strings.Builder
		fmt.Fprintf(&table, "%-6s %6s", "proto", "keys")
		for _, s := range shares {
			fmt.Fprintf(&table, " %7d%%", s)
		}
		table.WriteString("   (committed operations per virtual second)\n")
		for _, protocol := range []string{protocol2PC, protocolSaga} {
			for _, keys := range []int{100, 2000, 10_000} {
				fmt.Fprintf(&table, "%-6s %6d", protocol, keys)
				for _, share := range shares {
					fmt.Fprintf(&table, " %8.0f", experiment2Cell(b, protocol, keys, share))
				}
				table.WriteString("\n")
			}
		}
		b.Log("\n" + table.String())
	}
}

func experiment2Cell(b *testing.B, protocol string, keys, share int) float64 {
	transfers := share
	if share == 0 {
		transfers = NoTransfers
	}
	res, err := Run(Config{Scenario: "ycsb", Seed: 1, Protocol: protocol, Keys: keys, TransferShare: transfers,
		Clients: 64, Ops: 25, Workers: 4, InvocationCost: 100, Faults: FaultsNone, NoChecker: true})
	if err != nil || !res.OK {
		b.Fatalf("%s keys=%d share=%d: %v %s", protocol, keys, share, err, res.Describe())
	}
	committed := 0
	var last sim.Time
	for _, h := range res.Outcome.Histories {
		for _, op := range h {
			if op.Answered && op.Response.Failure == "" && op.Response.Msg.Kind != "aborted" &&
				op.Response.Msg.Kind != "retryable" && op.Response.Msg.Kind != "compensated" {
				committed++
			}
			last = max(last, op.Return)
		}
	}
	return float64(committed) / (float64(last) / float64(sim.Second))
}
