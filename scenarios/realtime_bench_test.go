package scenarios

import (
	"fmt"
	"slices"
	"syscall"
	"testing"
	"time"

	"github.com/flowtx/flowtx/sim"
	"github.com/flowtx/flowtx/sim/realtime"
)

// BenchmarkRealtimeTransfers runs the paper's transfer workload on the
// real-time driver, in process, on this machine: 10k records, uniform keys,
// 100% transfers, closed-loop clients, checkpoints every 10 ms of wall
// time (transactional egress on), and reports committed transfers per
// wall-second and the latency clients saw. A closed-loop client waits for
// the checkpoint that releases its answer, so 256 of them make at most
// 256 transfers per checkpoint cycle, whatever the CPU.
func BenchmarkRealtimeTransfers(b *testing.B) {
	for _, scenario := range []string{"transfer-2pc", "transfer-saga"} {
		b.Run(scenario, func(b *testing.B) {
			cfg := Config{Scenario: scenario, Workers: 2, Clients: 256, Ops: 40, Keys: 10_000,
				CheckpointInterval: 10 * sim.Millisecond, Faults: FaultsNone}
			benchRealtime(b, cfg)
		})
	}
}

// BenchmarkRealtimeTransfersOpenLoop is BenchmarkRealtimeTransfers with
// open-loop clients (Config.ArrivalRate): 256 clients that together offer
// transfers at a fixed rate, Poisson arrivals, whatever is still in
// flight, for about a second of wall time. Committed/s below the offered
// rate, and a p99 that grows with it, mean the job is saturated.
func BenchmarkRealtimeTransfersOpenLoop(b *testing.B) {
	for _, scenario := range []string{"transfer-2pc", "transfer-saga"} {
		for _, rate := range []int{20_000, 50_000, 80_000, 120_000} {
			b.Run(fmt.Sprintf("%s/offered=%d", scenario, rate), func(b *testing.B) {
				cfg := Config{Scenario: scenario, Workers: 2, Clients: 256, Ops: rate / 256, Keys: 10_000,
					ArrivalRate: rate, CheckpointInterval: 10 * sim.Millisecond, Faults: FaultsNone}
				benchRealtime(b, cfg)
			})
		}
	}
}

// benchRealtime runs cfg on the real-time driver once per iteration,
// seeds 1, 2, ..., and reports committed transfers per wall-second, the
// latency percentiles of every request, and the process's CPU time (user
// and system, every goroutine, the collector's included) per committed
// transfer while the job ran: on a saturated machine committed/s swings
// with scheduling from run to run, the CPU a transfer costs far less.
func benchRealtime(b *testing.B, cfg Config) {
	var committed int
	var latencies []sim.Time
	var wall, cpu time.Duration
	for i := 0; b.Loop(); i++ {
		cfg.Seed = uint64(i + 1)
		job, err := NewJob(cfg)
		if err != nil {
			b.Fatal(err)
		}
		d := realtime.New(realtime.Config{})
		job.Install(d)
		start, cpuStart := time.Now(), processCPU()
		d.Start()
		err = d.RunUntil(job.Done, time.Minute)
		wall += time.Since(start)
		d.Stop()
		cpu += processCPU() - cpuStart
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
	b.ReportMetric(float64(cpu.Microseconds())/float64(max(committed, 1)), "cpu-us/txn")
}

// processCPU returns the CPU time the process has used so far.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
