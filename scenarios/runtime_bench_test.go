package scenarios

import (
	"testing"
	"time"

	"github.com/flowtx/flowtx/sim"
)

// BenchmarkRuntime measures function invocations per wall-second through
// the simulated runtime: the chain scenario, where every invocation reads
// and writes state and forwards a message or answers a client, three in
// four of them to another worker over the simulated network. Only the
// simulation is timed; drawing the workload and checking the outcome are
// not. invocations/run-s counts the whole run, setup and checks included.
func BenchmarkRuntime(b *testing.B) {
	cfg := Config{Scenario: "chain", Workers: 4, Clients: 64, Ops: 50, Keys: 10_000, CheckpointInterval: -1}
	var invocations, events int64
	var simulating time.Duration
	start := time.Now()
	for i := 0; b.Loop(); i++ {
		cfg.Seed = uint64(i + 1)
		job, err := NewJob(cfg)
		if err != nil {
			b.Fatal(err)
		}
		s := sim.New(sim.Config{Seed: cfg.Seed})
		job.Install(s)
		t0 := time.Now()
		if err := s.RunWhile(func() bool { return !job.Done() }, job.Config().TimeLimit); err != nil {
			b.Fatal(err)
		}
		simulating += time.Since(t0)
		if _, v := job.Check(s.Process); len(v) > 0 {
			b.Fatalf("seed %d: %v", cfg.Seed, v)
		}
		invocations += job.Stats(s.Process).Invocations
		events += s.Events()
	}
	b.ReportMetric(float64(invocations)/simulating.Seconds(), "invocations/s")
	b.ReportMetric(float64(events)/simulating.Seconds(), "events/s")
	b.ReportMetric(float64(invocations)/time.Since(start).Seconds(), "invocations/run-s")
}
