package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/signal"
	goruntime "runtime"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/flowtx/flowtx/scenarios"
	"github.com/flowtx/flowtx/sim"
)

const (
	seedsMax        = 10_000_000
	violationsShown = 5 // per failing seed in a campaign; replay prints all
)

func cmdRun(args []string, stdout, stderr io.Writer) int {
	var sf scenarioFlags
	fs := newFlagSet("run", `Runs seeds seed..seed+seeds-1 of a scenario in the simulator, in parallel
across cores (each seed is single-threaded and deterministic), prints one
line per seed in seed order and a final summary line beginning "result:".
A failing seed is followed by its violations and the command that replays it.
Ctrl-C stops the campaign and prints the summary of the seeds done.`)
	sf.register(fs)
	seeds := fs.Int("seeds", 100, "number of seeds to run")
	parallel := fs.Int("parallel", goruntime.GOMAXPROCS(0), "seeds run at once")
	asJSON := fs.Bool("json", false, "print one JSON object per seed, and the summary as JSON")
	corpus := fs.String("corpus", "", "keep every failing seed in this folder, with its fault schedule, as a corpus entry")
	artifacts := fs.String("artifacts", "", "write each failing seed's config, fault schedule, trace, history and porcupine page to a folder under this one")
	if done, code := parse(fs, args, stdout, stderr); done {
		return code
	}
	cfg, err := sf.config(sf.seed)
	if err == nil && (*seeds < 1 || *seeds > seedsMax) {
		err = fmt.Errorf("seeds %d: want 1..%d", *seeds, seedsMax)
	}
	if err == nil && *parallel < 1 {
		err = fmt.Errorf("parallel %d: want >= 1", *parallel)
	}
	if err != nil {
		fmt.Fprintf(stderr, "flowtx run: %v\n", err)
		return exitUsage
	}
	if !*asJSON {
		fmt.Fprintf(stdout, "campaign: seeds %d..%d of %v\n", cfg.Seed, cfg.Seed+uint64(*seeds)-1, cfg)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	c := campaign{flags: &sf, corpus: *corpus, artifacts: *artifacts, base: cfg, seeds: *seeds, parallel: *parallel, json: *asJSON, out: stdout}
	return c.run(ctx)
}

// campaign runs many seeds in parallel and reports them in seed order.
type campaign struct {
	flags     *scenarioFlags
	corpus    string
	artifacts string
	base      scenarios.Config
	seeds     int
	parallel  int
	json      bool
	out       io.Writer
}

// summary is the campaign's final line.
type summary struct {
	Scenario   string `json:"scenario"`
	Seeds      int    `json:"seeds"`
	OK         int    `json:"ok"`
	Violations int    `json:"violations"`
	Errors     int    `json:"errors"`
	// ByKind counts failing seeds per kind of violation: exactly-once,
	// liveness, invariant, or the scenario's own check.
	ByKind      map[string]int `json:"violations_by_kind,omitempty"`
	Checkpoints int64          `json:"checkpoints"`
	Recoveries  int64          `json:"recoveries"` // after crashes; the start-up restore is not counted
	Events      int64          `json:"events"`
	SimTimeUS   int64          `json:"sim_time_us"`
	WallS       float64        `json:"wall_s"`
	Stopped     bool           `json:"stopped,omitempty"`
}

type seedResult struct {
	res scenarios.Result
	err error
}

func (c *campaign) run(ctx context.Context) int {
	start := time.Now()
	results := make([]chan seedResult, c.seeds)
	for i := range results {
		results[i] = make(chan seedResult, 1)
	}
	next := make(chan int)
	var wg sync.WaitGroup
	for range c.parallel {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				cfg := c.base
				cfg.Seed = c.base.Seed + uint64(i)
				res, err := scenarios.Run(cfg)
				results[i] <- seedResult{res, err}
			}
		}()
	}
	go func() {
		defer close(next)
		for i := range c.seeds {
			select {
			case next <- i:
			case <-ctx.Done():
				return
			}
		}
	}()
	sum := summary{Scenario: c.base.Scenario}
	for i := range c.seeds {
		var r seedResult
		select {
		case r = <-results[i]:
		case <-ctx.Done():
			sum.Stopped = true
		}
		if sum.Stopped {
			break
		}
		c.report(r, &sum)
	}
	wg.Wait()
	sum.WallS = time.Since(start).Seconds()
	c.printSummary(sum)
	switch {
	case sum.Violations > 0 || sum.Errors > 0:
		return exitViolation
	case sum.Stopped:
		return exitInterrupted
	}
	return exitOK
}

func (c *campaign) report(r seedResult, sum *summary) {
	sum.Seeds++
	if r.err != nil {
		sum.Errors++
		fmt.Fprintf(c.out, "error: %v\n", r.err)
		return
	}
	res := r.res
	sum.Events += res.Events
	sum.SimTimeUS += int64(res.SimTime)
	sum.Checkpoints += res.Checkpoints.Completed
	sum.Recoveries += max(res.Checkpoints.Recoveries-1, 0)
	if res.OK {
		sum.OK++
	} else {
		sum.Violations++
		countKinds(sum, res.Violations)
	}
	if c.json {
		line, _ := json.Marshal(res)
		fmt.Fprintf(c.out, "%s\n", line)
		return
	}
	fmt.Fprintln(c.out, res.Line())
	if !res.OK {
		cfg := c.base
		cfg.Seed = res.Seed
		for i, v := range res.Violations {
			if i == violationsShown {
				fmt.Fprintf(c.out, "  ... and %d more (replay shows all)\n", len(res.Violations)-i)
				break
			}
			fmt.Fprintf(c.out, "  violation: %s\n", v)
		}
		fmt.Fprintf(c.out, "  replay: %s\n", c.flags.replay(cfg))
	}
	if !res.OK && c.artifacts != "" {
		cfg := res.Config
		folder, err := writeRunArtifacts(c.artifacts, res, c.flags.replay(cfg))
		switch {
		case err != nil:
			fmt.Fprintf(c.out, "  artifacts: %v\n", err)
		case !c.json:
			fmt.Fprintf(c.out, "  artifacts: %s\n", folder)
		}
	}
	if !res.OK && c.corpus != "" {
		path, err := writeCorpusEntry(c.corpus, res)
		if err != nil {
			fmt.Fprintf(c.out, "  corpus: %v\n", err)
			return
		}
		if !c.json {
			fmt.Fprintf(c.out, "  kept: %s\n", path)
		}
	}
}

// countKinds adds one to each kind of violation a failing seed shows. A
// violation's kind is the word before its first colon.
func countKinds(sum *summary, violations []string) {
	if sum.ByKind == nil {
		sum.ByKind = map[string]int{}
	}
	seen := map[string]bool{}
	for _, v := range violations {
		kind, _, _ := strings.Cut(v, ":")
		if !seen[kind] {
			seen[kind] = true
			sum.ByKind[kind]++
		}
	}
}

func (c *campaign) printSummary(sum summary) {
	if c.json {
		line, _ := json.Marshal(struct {
			Result summary `json:"result"`
		}{sum})
		fmt.Fprintf(c.out, "%s\n", line)
		return
	}
	rate := float64(sum.Seeds) / max(sum.WallS, 1e-9)
	stopped := ""
	if sum.Stopped {
		stopped = " stopped=interrupted"
	}
	if len(sum.ByKind) > 0 {
		kinds := make([]string, 0, len(sum.ByKind))
		for k := range sum.ByKind {
			kinds = append(kinds, k)
		}
		sort.Strings(kinds)
		fmt.Fprint(c.out, "violations by kind:")
		for _, k := range kinds {
			fmt.Fprintf(c.out, " %s=%d", k, sum.ByKind[k])
		}
		fmt.Fprintln(c.out)
	}
	fmt.Fprintf(c.out, "result: scenario=%s seeds=%d ok=%d violations=%d errors=%d checkpoints=%d recoveries=%d events=%d sim-time=%v wall=%.2fs seeds/s=%.1f%s\n",
		sum.Scenario, sum.Seeds, sum.OK, sum.Violations, sum.Errors, sum.Checkpoints, sum.Recoveries, sum.Events,
		sim.Time(sum.SimTimeUS), sum.WallS, rate, stopped)
}
