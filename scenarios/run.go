package scenarios

import (
	"fmt"
	"sort"
	"strings"

	"github.com/flowtx/flowtx/checker"
	"github.com/flowtx/flowtx/faults"
	"github.com/flowtx/flowtx/runtime"
	"github.com/flowtx/flowtx/sim"
)

// Result is the outcome of one simulated run: what was run, what happened
// and the verdict.
type Result struct {
	Scenario    string                   `json:"scenario"`
	Seed        uint64                   `json:"seed"`
	Workers     int                      `json:"workers"`
	Clients     int                      `json:"clients"`
	Ops         int                      `json:"ops_per_client"`
	Bug         string                   `json:"bug,omitempty"`
	OK          bool                     `json:"ok"`
	Violations  []string                 `json:"violations,omitempty"`
	Events      int64                    `json:"events"`
	SimTime     sim.Time                 `json:"sim_time_us"`
	TraceHash   sim.TraceHash            `json:"-"`
	Hash        string                   `json:"trace_hash"`
	Requests    int                      `json:"requests"`
	Answered    int                      `json:"answered"`
	Failed      int                      `json:"failed"`
	Faults      int                      `json:"faults"`
	StoreKeys   int                      `json:"store_keys"`
	StoreBytes  int                      `json:"store_bytes"`
	Stats       runtime.Stats            `json:"stats"`
	Checkpoints runtime.CoordinatorStats `json:"checkpoints"`
	Verdicts    []checker.Verdict        `json:"verdicts,omitempty"`
	// Buggify counts the firings of each active BUGGIFY point; nil
	// without Config.Buggify.
	Buggify []BuggifyCount `json:"buggify,omitempty"`
	// Tripped counts the crashes at triggers that fired (of those the
	// schedule armed: faults.CrashWorkerOn).
	Tripped int `json:"tripped,omitempty"`
	// Drawn is a swarm seed's SEED= line (Config.Drawn): what it drew.
	Drawn    string           `json:"drawn,omitempty"`
	History  *checker.History `json:"-"`
	Config   Config           `json:"-"`
	Outcome  Outcome          `json:"-"`
	Schedule faults.Schedule  `json:"-"`
}

// quiesce is how long a run goes on after its clients finish, so that
// stray messages land before the final state is read.
const quiesce = 20 * sim.Millisecond

// Run runs one seed of a scenario under the simulator.
func Run(cfg Config) (Result, error) {
	return run(cfg, nil)
}

// RunTraced is Run with every kernel event handed to trace.
func RunTraced(cfg Config, trace func(sim.TraceEvent)) (Result, error) {
	return run(cfg, trace)
}

func run(cfg Config, trace func(sim.TraceEvent)) (Result, error) {
	job, err := NewJob(cfg)
	if err != nil {
		return Result{}, err
	}
	return runJob(job, trace), nil
}

// runJob is run once the job is built. The state-machine tests build
// theirs with requests of their own choosing and run it here, so that
// their verdicts are the ones Run computes.
func runJob(job *Job, trace func(sim.TraceEvent)) Result {
	cfg := job.Config()
	s := sim.New(sim.Config{
		Seed:    cfg.Seed,
		Network: job.network(),
		Storage: job.storage(),
	})
	s.SetTracer(trace)
	job.Install(s)
	applyFaults(s, job)
	violations := simulate(s, job)
	outcome, checks := job.Check(s.Process)
	res := Result{
		Scenario: cfg.Scenario, Seed: cfg.Seed, Workers: cfg.Workers, Clients: cfg.Clients, Ops: cfg.Ops,
		Bug: string(cfg.Bug), Events: s.Events(), SimTime: s.Now(), TraceHash: s.Hash(),
		Hash: s.Hash().String(), Outcome: outcome, Schedule: job.Faults(), Faults: len(job.Faults()),
		Stats: job.Stats(s.Process), Checkpoints: job.Checkpoints(), Config: cfg,
		Buggify: job.BuggifyCounts(),
		Tripped: job.armed.tripped(),
	}
	if cfg.Faults == FaultsSwarm {
		res.Drawn = cfg.Drawn()
	}
	res.StoreKeys, res.StoreBytes = s.Store().Size()
	// After a broken invariant the state is half-updated and the checks
	// would only add noise; after a liveness failure they say what is
	// still pending.
	if len(violations) == 0 || !strings.HasPrefix(violations[0], "invariant:") {
		settled := len(violations) == 0
		violations = append(violations, checks...)
		if h, ok := job.workload.(historian); ok && !cfg.NoChecker {
			hist := h.History(outcome)
			if !settled {
				hist.Final, hist.Ledgers = nil, nil // no final state to account for, no ledgers to audit
			}
			res.History = &hist
			res.Verdicts = checker.Check(hist, checker.Options{})
			// An unknown verdict is never a pass: the seed fails, saying
			// which check could not decide and why.
			for _, v := range res.Verdicts {
				if v.Result != checker.Ok {
					violations = append(violations, v.String())
				}
			}
		}
	}
	res.Violations = violations
	res.OK = len(res.Violations) == 0
	for _, h := range outcome.Histories {
		for _, op := range h {
			res.Requests++
			if op.Answered {
				res.Answered++
				if op.Response.Failure != "" {
					res.Failed++
				}
			}
		}
	}
	return res
}

// simulate runs the safety phase, with faults, then the liveness phase:
// after the last fault, the job must finish every client's requests and
// settle (coordinator steady, every worker restored) within the time
// limit, then run a little longer for stragglers. A broken invariant inside
// the runtime panics; that is reported as the run's violation, not a crash
// of the campaign.
func simulate(s *sim.Sim, job *Job) (violations []string) {
	defer func() {
		if p := recover(); p != nil {
			violations = []string{fmt.Sprintf("invariant: %v (at %v)", p, s.Now())}
		}
	}()
	faultsEnd := job.Faults().End()
	converged := func() bool { return job.Done() && s.Now() >= faultsEnd && job.Settled(s.Process) }
	if err := s.RunWhile(func() bool { return !converged() }, job.Config().TimeLimit); err != nil {
		return []string{fmt.Sprintf("liveness: %v at %v", err, s.Now())}
	}
	if !converged() {
		return []string{fmt.Sprintf("liveness: not converged by the time limit %v", job.Config().TimeLimit)}
	}
	if err := s.Run(s.Now() + quiesce); err != nil {
		return []string{fmt.Sprintf("liveness: %v at %v while quiescing", err, s.Now())}
	}
	return nil
}

// applyFaults schedules the job's crashes and restarts on the kernel, and
// arms its crashes at triggers.
func applyFaults(s *sim.Sim, job *Job) {
	l := job.layout
	job.armed.arm(s, l, job.Faults())
	for _, e := range job.Faults() {
		switch e.Kind {
		case faults.CrashWorker:
			n := l.workerNode(runtime.WorkerID(e.Worker))
			s.At(e.At, func() { s.Crash(n) })
		case faults.RestartWorker:
			n := l.workerNode(runtime.WorkerID(e.Worker))
			s.At(e.At, func() { s.Restart(n) })
		case faults.ClientTimeout:
			n := l.clientNode(runtime.ClientID(e.Client))
			s.At(e.At, func() {
				if c, ok := s.Process(n).(interface{ timeOut() }); ok {
					c.timeOut()
				}
			})
		case faults.CrashCoordinator:
			s.At(e.At, func() { s.Crash(l.coordinatorNode()) })
		case faults.RestartCoordinator:
			s.At(e.At, func() { s.Restart(l.coordinatorNode()) })
		}
	}
}

// Line renders a result as one line: the seed, the verdict and the counts.
func (r Result) Line() string {
	verdict := "ok"
	if !r.OK {
		verdict = fmt.Sprintf("VIOLATION(%d)", len(r.Violations))
	}
	line := fmt.Sprintf("seed=%d %s requests=%d answered=%d failed=%d faults=%d checkpoints=%d recoveries=%d events=%d sim-time=%v trace-hash=%s",
		r.Seed, verdict, r.Requests, r.Answered, r.Failed, r.Faults, r.Checkpoints.Completed, r.Checkpoints.Recoveries,
		r.Events, r.SimTime, r.Hash)
	if n := r.Schedule.Count(faults.CrashWorkerOn); n > 0 {
		line += fmt.Sprintf(" tripped=%d/%d", r.Tripped, n)
	}
	if r.Config.Buggify {
		line += " buggify-fired=" + describeFirings(r.Buggify)
	}
	return line
}

// Describe renders the result over several lines, as `flowtx replay`
// prints it: the config, the fault schedule, the outcome line and every
// violation, sorted.
func (r Result) Describe() string {
	var b strings.Builder
	fmt.Fprintf(&b, "config: %v\n", r.Config)
	for _, e := range r.Schedule {
		fmt.Fprintf(&b, "fault: %v\n", e)
	}
	fmt.Fprintf(&b, "%s\n", r.Line())
	v := append([]string(nil), r.Violations...)
	sort.Strings(v)
	for _, line := range v {
		fmt.Fprintf(&b, "violation: %s\n", line)
	}
	return b.String()
}
