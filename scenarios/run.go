package scenarios

import (
	"fmt"
	"sort"
	"strings"

	"github.com/flowtx/flowtx/runtime"
	"github.com/flowtx/flowtx/sim"
)

// Result is the outcome of one simulated run: what was run, what happened
// and the verdict.
type Result struct {
	Scenario   string        `json:"scenario"`
	Seed       uint64        `json:"seed"`
	Workers    int           `json:"workers"`
	Clients    int           `json:"clients"`
	Ops        int           `json:"ops_per_client"`
	Bug        string        `json:"bug,omitempty"`
	OK         bool          `json:"ok"`
	Violations []string      `json:"violations,omitempty"`
	Events     int64         `json:"events"`
	SimTime    sim.Time      `json:"sim_time_us"`
	TraceHash  sim.TraceHash `json:"-"`
	Hash       string        `json:"trace_hash"`
	Requests   int           `json:"requests"`
	Answered   int           `json:"answered"`
	Failed     int           `json:"failed"`
	Stats      runtime.Stats `json:"stats"`
	Outcome    Outcome       `json:"-"`
}

// quiesceMax is how long a run goes on after its clients finish, so that
// stray messages and timers land before the final state is read.
const quiesceMax = sim.Second

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
	cfg = job.Config()
	s := sim.New(sim.Config{Seed: cfg.Seed})
	s.SetTracer(trace)
	job.Install(s)
	var violations []string
	if err := s.RunWhile(func() bool { return !job.Done() }, cfg.TimeLimit); err != nil {
		violations = append(violations, fmt.Sprintf("liveness: %v at %v", err, s.Now()))
	}
	if err := s.Run(s.Now() + quiesceMax); err != nil {
		violations = append(violations, fmt.Sprintf("liveness: %v at %v while quiescing", err, s.Now()))
	}
	outcome, checks := job.Check(s.Process)
	res := Result{
		Scenario: cfg.Scenario, Seed: cfg.Seed, Workers: cfg.Workers, Clients: cfg.Clients, Ops: cfg.Ops,
		Bug: string(cfg.Bug), Events: s.Events(), SimTime: s.Now(), TraceHash: s.Hash(),
		Hash: s.Hash().String(), Violations: append(violations, checks...), Outcome: outcome,
		Stats: job.Stats(s.Process),
	}
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
	return res, nil
}

// Line renders a result as one line: the seed, the verdict and the counts.
func (r Result) Line() string {
	verdict := "ok"
	if !r.OK {
		verdict = fmt.Sprintf("VIOLATION(%d)", len(r.Violations))
	}
	return fmt.Sprintf("seed=%d %s requests=%d answered=%d failed=%d events=%d sim-time=%v trace-hash=%s",
		r.Seed, verdict, r.Requests, r.Answered, r.Failed, r.Events, r.SimTime, r.Hash)
}

// Describe renders the result over several lines, violations sorted, as
// `flowtx replay` prints it.
func (r Result) Describe() string {
	var b strings.Builder
	fmt.Fprintf(&b, "scenario: %s seed=%d workers=%d clients=%d ops=%d", r.Scenario, r.Seed, r.Workers, r.Clients, r.Ops)
	if r.Bug != "" {
		fmt.Fprintf(&b, " bug=%s", r.Bug)
	}
	fmt.Fprintf(&b, "\n%s\n", r.Line())
	v := append([]string(nil), r.Violations...)
	sort.Strings(v)
	for _, line := range v {
		fmt.Fprintf(&b, "violation: %s\n", line)
	}
	return b.String()
}
