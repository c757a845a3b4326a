package scenarios

import (
	"slices"
	"testing"

	"github.com/flowtx/flowtx/protocols/twopc"
	"github.com/flowtx/flowtx/sim"
)

// BenchmarkConflictPolicies compares how 2PC participants meet a held lock
// (wait with deadlock detection, no-wait, wait-die) on hot keys: 100
// records, Zipfian theta 0.99, 100% transfers, 32 closed-loop clients,
// function time 50us, checkpoints off so that the protocols, not the
// egress wait, set the pace. It reports committed transfers per virtual
// second, attempts per committed transfer (retries included) and latency.
func BenchmarkConflictPolicies(b *testing.B) {
	for _, conflict := range []twopc.Conflict{twopc.Wait, twopc.NoWait, twopc.WaitDie} {
		b.Run(conflict.String(), func(b *testing.B) {
			var committed, attempts int
			var span sim.Time
			var latencies []sim.Time
			for i := 0; b.Loop(); i++ {
				res, err := Run(Config{Scenario: "transfer-2pc", Seed: uint64(i + 1), Keys: 100, Zipf: 0.99,
					Clients: 32, Ops: 30, InvocationCost: 50, CheckpointInterval: -1, Faults: FaultsNone, Conflict: conflict})
				if err != nil || !res.OK {
					b.Fatalf("%v %s", err, res.Describe())
				}
				span += res.SimTime
				for _, h := range res.Outcome.Histories {
					for _, op := range h {
						attempts++
						if tookEffect(op.Response.Msg.Kind) {
							committed++
						}
						latencies = append(latencies, op.Return-op.Call)
					}
				}
			}
			slices.Sort(latencies)
			b.ReportMetric(float64(committed)/(float64(span)/float64(sim.Second)), "committed/sim-s")
			b.ReportMetric(float64(attempts)/float64(committed), "attempts/commit")
			b.ReportMetric(float64(latencies[len(latencies)/2]), "p50-us")
			b.ReportMetric(float64(latencies[len(latencies)*99/100]), "p99-us")
		})
	}
}
