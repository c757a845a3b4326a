package scenarios

import (
	"slices"
	"testing"
	"time"

	"github.com/flowtx/flowtx/sim"
	"github.com/flowtx/flowtx/sim/realtime"
)

// BenchmarkRealtimeTransfers runs the paper's transfer workload on the
// real-time driver, in process, on this machine: 10k records, uniform keys,
// 100% transfers, closed-loop clients, checkpoints every 10 ms of wall
// time (transactional egress on), and reports committed transfers per
// wall-second and the latency clients saw.
func BenchmarkRealtimeTransfers(b *testing.B) {
	for _, scenario := range []string{"transfer-2pc", "transfer-saga"} {
		b.Run(scenario, func(b *testing.B) {
			cfg := Config{Scenario: scenario, Workers: 2, Clients: 256, Ops: 40, Keys: 10_000,
				CheckpointInterval: 10 * sim.Millisecond, Faults: FaultsNone}
			var committed int
			var latencies []sim.Time
			var wall time.Duration
			for i := 0; b.Loop(); i++ {
				cfg.Seed = uint64(i + 1)
				job, err := NewJob(cfg)
				if err != nil {
					b.Fatal(err)
				}
				d := realtime.New(realtime.Config{})
				job.Install(d)
				start := time.Now()
				d.Start()
				err = d.RunUntil(job.Done, time.Minute)
				wall += time.Since(start)
				d.Stop()
				if err != nil {
					b.Fatal(err)
				}
				outcome, violations := job.Check(d.Process)
				if len(violations) > 0 {
					b.Fatalf("%v", violations[:min(3, len(violations))])
				}
				for _, h := range outcome.Histories {
					for _, op := range h {
						if tookEffect(op.Response.Msg.Kind) {
							committed++
						}
						latencies = append(latencies, op.Return-op.Call)
					}
				}
			}
			slices.Sort(latencies)
			b.ReportMetric(float64(committed)/wall.Seconds(), "committed/s")
			b.ReportMetric(float64(latencies[len(latencies)/2])/1000, "p50-ms")
			b.ReportMetric(float64(latencies[len(latencies)*99/100])/1000, "p99-ms")
		})
	}
}
