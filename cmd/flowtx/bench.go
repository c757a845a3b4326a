package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"runtime"
	"runtime/pprof"
	"slices"
	"syscall"
	"time"

	"github.com/flowtx/flowtx/checker"
	"github.com/flowtx/flowtx/scenarios"
	"github.com/flowtx/flowtx/sim"
	"github.com/flowtx/flowtx/sim/realtime"
)

// Bench limits.
const (
	benchRunsMax        = 100
	benchDurationMax    = 10 * time.Minute
	benchRunTimeout     = 5 * time.Minute // one run's wall time, arrivals and drain together
	benchClientsDefault = 256
)

func cmdBench(args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("bench", `Runs a scenario on the real-time driver: goroutines, the wall clock, the
checkpoint store in memory (or in files with --store-dir), in this
process, without faults. Clients offer --rate requests per second
together (open loop, Poisson arrivals) for --duration, or, with --rate 0,
each waits for its answer before the next (closed loop, --ops each). It
prints, per run and for all runs, committed operations per wall-second,
the latency percentiles clients saw, the process's CPU time per committed
operation, and the recoveries; every run is checked, and a violation
exits 1. The collector runs with the campaign settings (as flowtx run),
unless GOGC or GOMEMLIMIT say otherwise.`)
	scenario := fs.String("scenario", "transfer-2pc", "scenario to run: "+fmt.Sprint(scenarios.Names()))
	rate := fs.Int("rate", 80_000, "requests offered per second, all clients together; 0: closed-loop clients")
	duration := fs.Duration("duration", time.Second, "how long clients keep offering requests (open loop)")
	ops := fs.Int("ops", 40, "operations per client (closed loop only)")
	clients := fs.Int("clients", benchClientsDefault, "clients")
	workers := fs.Int("workers", 2, "workers")
	keys := fs.Int("keys", 10_000, "keys (records, accounts)")
	interval := fs.Duration("checkpoint-interval", 10*time.Millisecond, "wall time between checkpoints; responses leave when theirs completes")
	runs := fs.Int("runs", 1, "runs, seeds 1, 2, ...")
	storeDir := fs.String("store-dir", "", "keep the checkpoint store in files (fsynced) instead of in memory, each run's in a new directory run-* in this one")
	asJSON := fs.Bool("json", false, "print one JSON object per run and one for the summary")
	cpuProfile := fs.String("cpuprofile", "", "write a CPU profile of all runs (their checks included: scenarios.(*Job).Check, benchVerdicts) to this file, for go tool pprof")
	memProfile := fs.String("memprofile", "", "write a heap profile to this file at the end of each run, before its checks (the last run's is kept), for go tool pprof")
	if done, code := parse(fs, args, stdout, stderr); done {
		return code
	}
	switch {
	case *runs < 1 || *runs > benchRunsMax:
		return usageError(stderr, "bench", fmt.Sprintf("runs %d: want 1..%d", *runs, benchRunsMax))
	case *rate < 0 || *duration <= 0 || *duration > benchDurationMax:
		return usageError(stderr, "bench", fmt.Sprintf("rate %d, duration %v: want rate >= 0 and duration in (0, %v]", *rate, *duration, benchDurationMax))
	case *clients < 1 || *workers < 1 || *keys < 1 || *ops < 1 || *interval <= 0:
		return usageError(stderr, "bench", fmt.Sprintf("clients %d, workers %d, keys %d, ops %d, checkpoint interval %v: want >= 1 each, interval > 0",
			*clients, *workers, *keys, *ops, *interval))
	}
	cfg := scenarios.Config{Scenario: *scenario, Workers: *workers, Clients: *clients, Ops: *ops, Keys: *keys,
		ArrivalRate: *rate, CheckpointInterval: sim.Time(interval.Microseconds()), Faults: scenarios.FaultsNone}
	if *rate > 0 {
		cfg.Ops = max(1, int(int64(*rate)*duration.Milliseconds()/1000)/(*clients))
	}
	resolved, err := scenarios.Resolve(cfg)
	if err != nil {
		return usageError(stderr, "bench", err.Error())
	}
	cfg = resolved
	tuneGC()
	if *storeDir != "" { // fail now, not after the first run
		if err := os.MkdirAll(*storeDir, 0o755); err != nil {
			return usageError(stderr, "bench", err.Error())
		}
	}
	if *memProfile != "" { // fail now, not after the first run
		f, err := os.Create(*memProfile)
		if err != nil {
			return usageError(stderr, "bench", err.Error())
		}
		f.Close()
	}
	if *cpuProfile != "" {
		stop, err := startCPUProfile(*cpuProfile)
		if err != nil {
			return usageError(stderr, "bench", err.Error())
		}
		defer stop()
	}
	return runBench(cfg, *runs, benchOptions{storeDir: *storeDir, memProfile: *memProfile}, *asJSON, stdout, stderr)
}

func usageError(stderr io.Writer, cmd, msg string) int {
	fmt.Fprintf(stderr, "flowtx %s: %s (see flowtx %s --help)\n", cmd, msg, cmd)
	return exitUsage
}

// benchResult is one run's figures, or the summary's.
type benchResult struct {
	Seed        uint64  `json:"seed,omitempty"`
	Committed   int     `json:"committed"`
	WallSeconds float64 `json:"wall_s"`
	PerSecond   float64 `json:"committed_per_s"`
	// Sustained is open-loop only: committed operations answered in the
	// steady part of the arrivals (after their first quarter, until they
	// stop) per second of it, leaving out the start-up and the drain.
	Sustained  float64 `json:"sustained_per_s,omitempty"`
	steady     int     // committed operations answered in the steady part
	steadyS    float64 // its length, seconds
	P50Millis  float64 `json:"p50_ms"`
	P99Millis  float64 `json:"p99_ms"`
	CPUMicros  float64 `json:"cpu_us_per_op"`
	Recoveries int64   `json:"recoveries"`
	Violations int     `json:"violations"`
}

func (r benchResult) String() string {
	s := fmt.Sprintf("committed=%d wall=%.2fs committed/s=%.0f", r.Committed, r.WallSeconds, r.PerSecond)
	if r.Sustained > 0 {
		s += fmt.Sprintf(" sustained/s=%.0f", r.Sustained)
	}
	return s + fmt.Sprintf(" p50=%.1fms p99=%.1fms cpu-us/op=%.1f recoveries=%d violations=%d",
		r.P50Millis, r.P99Millis, r.CPUMicros, r.Recoveries, r.Violations)
}

// startCPUProfile starts a CPU profile into a new file at path and returns
// what stops it and closes the file.
func startCPUProfile(path string) (stop func(), err error) {
	f, err := os.Create(path)
	if err != nil {
		return nil, err
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return nil, err
	}
	return func() {
		pprof.StopCPUProfile()
		f.Close()
	}, nil
}

// benchOptions are a bench's settings beyond the job's configuration.
type benchOptions struct {
	storeDir   string // where each run's checkpoint store gets a directory of its own; empty: in memory
	memProfile string // where to write a heap profile after each run; empty: nowhere
}

// writeHeapProfile writes what is live on the heap now (after a
// collection) to a new file at path.
func writeHeapProfile(path string) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	runtime.GC()
	if err := pprof.WriteHeapProfile(f); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

func runBench(cfg scenarios.Config, runs int, opts benchOptions, asJSON bool, stdout, stderr io.Writer) int {
	if !asJSON {
		fmt.Fprintf(stdout, "bench: %v (real time, in process)\n", cfg)
	}
	var total benchResult
	var latencies []sim.Time
	var cpu time.Duration
	code := exitOK
	for i := range runs {
		cfg.Seed = uint64(i + 1)
		r, lat, used, violations, err := benchOnce(cfg, opts)
		if err != nil {
			fmt.Fprintf(stderr, "flowtx bench: seed %d: %v\n", cfg.Seed, err)
			return exitViolation
		}
		for _, v := range violations {
			fmt.Fprintf(stderr, "flowtx bench: seed %d: violation: %s\n", cfg.Seed, v)
			code = exitViolation
		}
		printBench(stdout, asJSON, fmt.Sprintf("seed=%d ", cfg.Seed), r)
		total.Committed += r.Committed
		total.WallSeconds += r.WallSeconds
		total.Recoveries += r.Recoveries
		total.Violations += r.Violations
		total.steady += r.steady
		total.steadyS += r.steadyS
		latencies = append(latencies, lat...)
		cpu += used
	}
	total = summarize(total, latencies, cpu)
	printBench(stdout, asJSON, "result: ", total)
	return code
}

func printBench(w io.Writer, asJSON bool, prefix string, r benchResult) {
	if asJSON {
		b, _ := json.Marshal(r)
		fmt.Fprintln(w, string(b))
		return
	}
	fmt.Fprintln(w, prefix+r.String())
}

// benchOnce runs cfg once and returns its figures, every latency, the
// CPU the process used meanwhile and the run's violations.
func benchOnce(cfg scenarios.Config, opts benchOptions) (benchResult, []sim.Time, time.Duration, []string, error) {
	job, err := scenarios.NewJob(cfg)
	if err != nil {
		return benchResult{}, nil, 0, nil, err
	}
	dir := ""
	if opts.storeDir != "" {
		// A fresh directory: a run on a store another run left would
		// restore that run's checkpoints.
		if dir, err = os.MkdirTemp(opts.storeDir, "run-*"); err != nil {
			return benchResult{}, nil, 0, nil, err
		}
	}
	d := realtime.New(realtime.Config{StoreDir: dir})
	job.Install(d)
	start, cpuStart := time.Now(), processCPU()
	d.Start()
	err = d.RunUntil(job.Done, benchRunTimeout)
	wall, used := time.Since(start), processCPU()-cpuStart
	d.Stop()
	if err != nil {
		return benchResult{}, nil, 0, nil, err
	}
	if opts.memProfile != "" {
		if err := writeHeapProfile(opts.memProfile); err != nil {
			return benchResult{}, nil, 0, nil, err
		}
	}
	outcome, violations := job.Check(d.Process)
	violations = append(violations, benchVerdicts(job, outcome)...)
	r := benchResult{Seed: cfg.Seed, Committed: outcome.Committed(), WallSeconds: wall.Seconds(),
		Recoveries: job.Checkpoints().Recoveries, Violations: len(violations)}
	var latencies []sim.Time
	from, until := steadyWindow(cfg)
	for _, h := range outcome.Histories {
		for _, op := range h {
			if op.Answered {
				latencies = append(latencies, op.Return-op.Call)
			}
			if op.TookEffect() && op.Return >= from && op.Return < until {
				r.steady++
			}
		}
	}
	r.steadyS = float64(until-from) / float64(sim.Second)
	return summarize(r, latencies, used), latencies, used, violations, nil
}

// steadyWindow is the steady part of an open-loop run's arrivals, in the
// driver's time since the start: from a quarter of the way in (start-up
// over) to when the last arrivals are due. Empty for a closed loop.
func steadyWindow(cfg scenarios.Config) (from, until sim.Time) {
	if cfg.ArrivalRate == 0 {
		return 0, 0
	}
	until = sim.Time(int64(cfg.Clients) * int64(cfg.Ops) * int64(sim.Second) / int64(cfg.ArrivalRate))
	return until / 4, until
}

// benchVerdicts runs the checker's checks that scale to a bench's
// histories (exactly-once, final-state accounting, atomicity, session
// order) and returns their violations. Strict serializability is left out:
// tens of thousands of transfers in flight at once are beyond porcupine's
// search, and a run on the wall clock cannot be replayed to look closer.
func benchVerdicts(job *scenarios.Job, outcome scenarios.Outcome) []string {
	h, ok := job.History(outcome)
	if !ok {
		return nil
	}
	var out []string
	for _, v := range []checker.Verdict{checker.CheckExactlyOnce(h), checker.CheckAccounting(h), checker.CheckAtomicity(h), checker.CheckSessionOrder(h)} {
		if v.Result == checker.Violation {
			out = append(out, v.String())
		}
	}
	return out
}

// summarize fills r's rates and percentiles from its totals.
func summarize(r benchResult, latencies []sim.Time, cpu time.Duration) benchResult {
	r.PerSecond = float64(r.Committed) / max(r.WallSeconds, 1e-9)
	if r.steadyS > 0 {
		r.Sustained = float64(r.steady) / r.steadyS
	}
	r.CPUMicros = float64(cpu.Microseconds()) / float64(max(r.Committed, 1))
	if len(latencies) > 0 {
		slices.Sort(latencies)
		r.P50Millis = float64(latencies[len(latencies)/2]) / 1000
		r.P99Millis = float64(latencies[len(latencies)*99/100]) / 1000
	}
	return r
}

// processCPU returns the CPU time (user and system, every goroutine) the
// process has used so far.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
