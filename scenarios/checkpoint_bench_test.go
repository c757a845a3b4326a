package scenarios

import (
	"fmt"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/flowtx/flowtx/runtime"
	"github.com/flowtx/flowtx/sim"
)

// The benchmarks of the exactly-once issue's performance part: what
// checkpoints cost the simulator (BenchmarkCheckpointOverhead), what a
// full snapshot costs the store (BenchmarkSnapshotBytes), and what
// transactional egress costs a client in virtual time
// (BenchmarkEgressLatency). docs/benchmarks.md records their figures and
// reads them. None asserts a time: they report metrics.

// benchRun is one simulated run as the benchmarks see it: the outcome,
// the counters and how long the simulation took on the wall clock.
type benchRun struct {
	outcome Outcome
	stats   runtime.Stats
	coord   runtime.CoordinatorStats
	events  int64
	simTime sim.Time
	wall    time.Duration // the simulation only: not the workload draw, not the checks
	ops     int           // requests answered
}

// simulateBench runs cfg until its clients are done, as BenchmarkRuntime
// does, and fails b on any violation: a benchmark of a broken run measures
// nothing. Unlike Run it does not quiesce, so that idle time after the
// last answer does not count, and it schedules no faults: the configs
// below ask for none.
func simulateBench(b *testing.B, cfg Config) benchRun {
	b.Helper()
	job, err := NewJob(cfg)
	if err != nil {
		b.Fatal(err)
	}
	s := sim.New(sim.Config{Seed: cfg.Seed})
	job.Install(s)
	start := time.Now()
	if err := s.RunWhile(func() bool { return !job.Done() }, job.Config().TimeLimit); err != nil {
		b.Fatalf("seed %d: %v at %v", cfg.Seed, err, s.Now())
	}
	wall := time.Since(start)
	outcome, v := job.Check(s.Process)
	if len(v) > 0 {
		b.Fatalf("seed %d: %d violations, first: %s", cfg.Seed, len(v), v[0])
	}
	r := benchRun{
		outcome: outcome, stats: job.Stats(s.Process), coord: job.Checkpoints(),
		events: s.Events(), simTime: s.Now(), wall: wall,
	}
	for _, h := range outcome.Histories {
		for _, op := range h {
			if op.Answered {
				r.ops++
			}
		}
	}
	return r
}

// intervalName renders a checkpoint interval for a sub-benchmark name.
func intervalName(d sim.Time) string {
	switch {
	case d < 0:
		return "off"
	case d%sim.Second == 0:
		return fmt.Sprintf("%ds", d/sim.Second)
	default:
		return fmt.Sprintf("%dms", d/sim.Millisecond)
	}
}

// overheadConfig is the bank sized so that a run with checkpoints off
// still takes long enough on the wall clock to time: 64 clients, 200
// requests each. With checkpoints every 100ms, a closed-loop client
// completes about one request per checkpoint, so that run spans ~21s of
// virtual time against ~0.03s without.
func overheadConfig(interval sim.Time) Config {
	return Config{
		Scenario: "bank", Workers: 4, Clients: 64, Ops: 200, Keys: 1_000,
		CheckpointInterval: interval, Faults: FaultsNone, TimeLimit: 120 * sim.Second,
	}
}

// BenchmarkCheckpointOverhead measures the simulator's throughput on the
// bank with checkpoints every 100ms of virtual time against none, as
// events and answered requests per wall-second of simulation. The two
// runs do different work: with checkpoints on, requests wait for egress,
// so the same requests span far more virtual time, filled with
// heartbeats, client polls and checkpoint traffic. events/request and
// requests/sim-s show that; docs/benchmarks.md discusses which ratio is
// fair.
func BenchmarkCheckpointOverhead(b *testing.B) {
	intervals := []sim.Time{-1, 100 * sim.Millisecond}
	eventsPerS := map[sim.Time]float64{}
	requestsPerS := map[sim.Time]float64{}
	for _, interval := range intervals {
		b.Run("interval="+intervalName(interval), func(b *testing.B) {
			var events, ops int64
			var wall time.Duration
			var simTime sim.Time
			for i := 0; b.Loop(); i++ {
				cfg := overheadConfig(interval)
				cfg.Seed = uint64(i + 1)
				r := simulateBench(b, cfg)
				events += r.events
				ops += int64(r.ops)
				wall += r.wall
				simTime += r.simTime
			}
			eventsPerS[interval] = float64(events) / wall.Seconds()
			requestsPerS[interval] = float64(ops) / wall.Seconds()
			b.ReportMetric(eventsPerS[interval], "events/s")
			b.ReportMetric(requestsPerS[interval], "requests/s")
			b.ReportMetric(float64(events)/float64(ops), "events/request")
			b.ReportMetric(float64(ops)/(float64(simTime)/float64(sim.Second)), "requests/sim-s")
		})
	}
	off, on := intervals[0], intervals[1]
	if eventsPerS[off] > 0 && eventsPerS[on] > 0 {
		b.Logf("checkpoints every %s vs off: events/s %+.1f%%, requests/s %+.1f%%",
			intervalName(on), 100*(eventsPerS[on]/eventsPerS[off]-1), 100*(requestsPerS[on]/requestsPerS[off]-1))
	}
}

// snapshotConfig is the bank over 10,000 accounts with enough deposits
// (256 clients x ops requests, two in five deposits) that most accounts
// hold a balance by the end, checkpointed at the default 10ms.
func snapshotConfig(ops int) Config {
	return Config{
		Scenario: "bank", Seed: 1, Workers: 4, Clients: 256, Ops: ops, Keys: 10_000,
		CheckpointInterval: checkpointIntervalDefault, Faults: FaultsNone, TimeLimit: 120 * sim.Second,
	}
}

// BenchmarkSnapshotBytes measures the bytes a checkpoint writes to the
// store (all workers' snapshots together), against the state that changed
// since the previous one. Metrics:
//
//   - B/checkpoint: Stats.SnapshotB / Checkpoints.Completed over the whole
//     run, growth from empty included;
//   - B/checkpoint/10k-instances: that, per 10,000 instances with state at
//     the end;
//   - steady-B/checkpoint: the marginal cost once the state is (nearly)
//     full, from the same seed run to ops/2 and to ops: the extra bytes
//     over the extra checkpoints; and per 10,000 instances;
//   - changed-instances/checkpoint: distinct accounts written between two
//     checkpoints, from the histories;
//   - full/changed: steady-B/checkpoint over the bytes those changed
//     instances alone would take. Above 2, incremental snapshots would pay.
//
// The figures are virtual and deterministic: -benchtime=1x is enough.
func BenchmarkSnapshotBytes(b *testing.B) {
	const ops = 300
	for b.Loop() {
		half := simulateBench(b, snapshotConfig(ops/2))
		full := simulateBench(b, snapshotConfig(ops))
		instances := len(full.outcome.State)
		perCheckpoint := float64(full.stats.SnapshotB) / float64(full.coord.Completed)
		steady := float64(full.stats.SnapshotB-half.stats.SnapshotB) / float64(full.coord.Completed-half.coord.Completed)
		perInstance := steady / float64(instances)
		changed, epochs := changedPerEpoch(full.outcome.Histories, checkpointIntervalDefault/2)
		b.ReportMetric(perCheckpoint, "B/checkpoint")
		b.ReportMetric(perCheckpoint*10_000/float64(instances), "B/checkpoint/10k-instances")
		b.ReportMetric(steady, "steady-B/checkpoint")
		b.ReportMetric(steady*10_000/float64(instances), "steady-B/checkpoint/10k-instances")
		b.ReportMetric(float64(instances), "instances")
		b.ReportMetric(changed, "changed-instances/checkpoint")
		b.ReportMetric(steady/(changed*perInstance), "full/changed")
		b.Logf("%d instances with state, %d checkpoints, %d snapshots, %d B written; steady %.0f B/checkpoint = %.1f B/instance; %.1f instances changed per checkpoint, over %d epochs with changes",
			instances, full.coord.Completed, full.stats.Snapshots, full.stats.SnapshotB, steady, perInstance, changed, epochs)
	}
}

// changedPerEpoch returns the mean number of distinct accounts whose
// balance changed per checkpoint epoch. Responses of one epoch are released
// together when its checkpoint completes, so answered requests fall into
// epochs by their return times: a gap longer than gap between two returns
// starts a new epoch. A deposit, or a withdrawal that did not fail,
// changed its account in the epoch it was answered in.
func changedPerEpoch(histories [][]Op, gap sim.Time) (mean float64, epochs int) {
	type write struct {
		at sim.Time
		to runtime.Address
	}
	var writes []write
	for _, h := range histories {
		for _, op := range h {
			kind := op.Request.Msg.Kind
			if op.Answered && op.Response.Failure == "" && (kind == opDeposit || kind == opWithdraw) {
				writes = append(writes, write{op.Return, op.Request.To})
			}
		}
	}
	if len(writes) == 0 {
		return 0, 0
	}
	sort.Slice(writes, func(i, j int) bool { return writes[i].at < writes[j].at })
	distinct := 0
	var seen map[runtime.Address]bool
	for i, w := range writes {
		if i == 0 || w.at-writes[i-1].at > gap {
			epochs++
			seen = map[runtime.Address]bool{}
		}
		if !seen[w.to] {
			seen[w.to] = true
			distinct++
		}
	}
	return float64(distinct) / float64(epochs), epochs
}

// latencyConfig sizes the egress-latency runs: 32 closed-loop clients of 26
// requests each, 800 samples after the first of each client, so that p99
// is the 8th-worst.
func latencyConfig(scenario string, interval sim.Time) Config {
	return Config{
		Scenario: scenario, Seed: 1, Workers: 4, Clients: 32, Ops: 26, Keys: 1_000,
		CheckpointInterval: interval, Faults: FaultsNone, TimeLimit: 120 * sim.Second,
	}
}

// BenchmarkEgressLatency measures what transactional egress costs a
// client: the virtual time from a request's call to its response's
// return, p50 and p99 over the answered requests, for the bank and the
// chain, with checkpoints every 10ms, 100ms and 1s, and off. The figures
// are virtual and deterministic (seed 1): -benchtime=1x is enough; the
// parent logs them as a table.
func BenchmarkEgressLatency(b *testing.B) {
	intervals := []sim.Time{-1, 10 * sim.Millisecond, 100 * sim.Millisecond, sim.Second}
	var rows []string
	for _, scenario := range []string{"bank", "chain"} {
		for _, interval := range intervals {
			name := scenario + "/interval=" + intervalName(interval)
			b.Run(name, func(b *testing.B) {
				var lat []sim.Time
				for b.Loop() {
					lat = latencies(simulateBench(b, latencyConfig(scenario, interval)).outcome.Histories)
				}
				p50, p99, mean := percentile(lat, 50), percentile(lat, 99), meanTime(lat)
				b.ReportMetric(float64(p50), "p50-us")
				b.ReportMetric(float64(p99), "p99-us")
				b.ReportMetric(float64(mean), "mean-us")
				rows = append(rows, fmt.Sprintf("%-24s %8d %10v %10v %10v", name, len(lat), p50, p99, mean))
			})
		}
	}
	if len(rows) > 0 {
		b.Logf("egress latency, virtual time, call to return:\n%-24s %8s %10s %10s %10s\n%s",
			"run", "answered", "p50", "p99", "mean", strings.Join(rows, "\n"))
	}
}

// latencies returns Return-Call of every answered request but each
// client's first, sorted. First requests are sent at time zero and also
// wait for the job's start-up (the coordinator reads the store and every
// worker restores checkpoint 0, several milliseconds of store latency),
// which is not egress.
func latencies(histories [][]Op) []sim.Time {
	var out []sim.Time
	for _, h := range histories {
		for i, op := range h {
			if op.Answered && i > 0 {
				out = append(out, op.Return-op.Call)
			}
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i] < out[j] })
	return out
}

// percentile is the nearest-rank p-th percentile of sorted xs, 0 for none.
func percentile(xs []sim.Time, p int) sim.Time {
	if len(xs) == 0 {
		return 0
	}
	rank := (p*len(xs) + 99) / 100 // ceil(p/100 * n)
	return xs[max(rank, 1)-1]
}

func meanTime(xs []sim.Time) sim.Time {
	if len(xs) == 0 {
		return 0
	}
	var sum sim.Time
	for _, x := range xs {
		sum += x
	}
	return sum / sim.Time(len(xs))
}
