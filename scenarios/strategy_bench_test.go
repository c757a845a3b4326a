package scenarios

import (
	"slices"
	"testing"
	"time"

	"github.com/flowtx/flowtx/runtime"
	"github.com/flowtx/flowtx/sim"
)

// BenchmarkCheckpointStrategies compares the two snapshot algorithms on the
// chain scenario (messages on the feedback loop all the time): request
// latency in virtual time, how many messages each records into snapshots or
// holds back for alignment, and simulation speed.
func BenchmarkCheckpointStrategies(b *testing.B) {
	for _, strategy := range []runtime.Strategy{runtime.Unaligned, runtime.Aligned} {
		b.Run(strategy.String(), func(b *testing.B) {
			var latencies []sim.Time
			var events, recorded, held, checkpoints int64
			start := time.Now()
			for i := 0; b.Loop(); i++ {
				res, err := Run(Config{Scenario: "chain", Seed: uint64(i + 1), Clients: 16, Ops: 40, Strategy: strategy})
				if err != nil || !res.OK {
					b.Fatalf("seed %d: %v %s", i+1, err, res.Describe())
				}
				for _, h := range res.Outcome.Histories {
					for _, op := range h {
						latencies = append(latencies, op.Return-op.Call)
					}
				}
				events += res.Events
				recorded += res.Stats.Recorded
				held += res.Stats.Held
				checkpoints += res.Checkpoints.Completed
			}
			slices.Sort(latencies)
			b.ReportMetric(float64(latencies[len(latencies)/2]), "p50-us")
			b.ReportMetric(float64(latencies[len(latencies)*99/100]), "p99-us")
			b.ReportMetric(float64(recorded)/float64(checkpoints), "recorded/checkpoint")
			b.ReportMetric(float64(held)/float64(checkpoints), "held/checkpoint")
			b.ReportMetric(float64(events)/time.Since(start).Seconds(), "events/s")
		})
	}
}
