package scenarios

import (
	"testing"
	"time"

	"github.com/flowtx/flowtx/checker"
)

// BenchmarkCampaign runs the default campaign's seeds one after the other
// on one goroutine: transfer-2pc, 8 clients of 125 transfers, 4 workers,
// every fault model, the checker on; one op is one seed, as `flowtx run
// --scenario transfer-2pc --ops 125 --faults all` runs it. A campaign runs
// one seed per core, so seeds/s times the cores is the campaign's rate.
// checker-share is the part of a seed's wall time its checker verdicts
// take, measured by checking each seed's history a second time.
func BenchmarkCampaign(b *testing.B) {
	cfg := Config{Scenario: "transfer-2pc", Ops: 125, Faults: FaultsAll}
	var events int64
	var running, checking time.Duration
	for i := 0; b.Loop(); i++ {
		cfg.Seed = uint64(i + 1)
		t0 := time.Now()
		res, err := Run(cfg)
		running += time.Since(t0)
		if err != nil {
			b.Fatal(err)
		}
		if !res.OK {
			b.Fatalf("seed %d: %v", cfg.Seed, res.Violations)
		}
		events += res.Events
		b.StopTimer()
		t1 := time.Now()
		checker.Check(*res.History, checker.Options{})
		checking += time.Since(t1)
		b.StartTimer()
	}
	b.ReportMetric(float64(b.N)/running.Seconds(), "seeds/s")
	b.ReportMetric(float64(events)/running.Seconds(), "events/s")
	b.ReportMetric(checking.Seconds()/running.Seconds(), "checker-share")
}
