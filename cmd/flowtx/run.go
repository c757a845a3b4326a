package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/signal"
	goruntime "runtime"
	"sync"
	"time"

	"github.com/flowtx/flowtx/scenarios"
)

const (
	seedsMax        = 10_000_000
	violationsShown = 5 // per failing seed in a campaign; replay prints all
)

func cmdRun(args []string, stdout, stderr io.Writer) int {
	var sf scenarioFlags
	fs := newFlagSet("run", `Runs seeds seed..seed+seeds-1 of a scenario in the simulator, in parallel
across cores (each seed is single-threaded and deterministic), prints one
line per seed in seed order, then tables of the checker's verdicts and of
the fault kinds drawn, and a final summary line beginning "result:".
A failing seed is followed by its violations and the command that replays
it; --artifacts keeps its trace and a timeline for Perfetto. On a terminal
a progress line on stderr shows seeds done, rate, violations and the time
left. Ctrl-C, or the end of --time-budget, stops handing out seeds and
prints the summary of the seeds done.`)
	sf.register(fs)
	seeds := fs.Int("seeds", 100, "number of seeds to run")
	parallel := fs.Int("parallel", goruntime.GOMAXPROCS(0), "seeds run at once")
	budget := fs.Duration("time-budget", 0, "wall time after which no new seed starts; the running ones finish and the summary says the budget ended the campaign (0: no budget)")
	asJSON := fs.Bool("json", false, "print one JSON object per seed, and the summary as JSON (no progress line)")
	corpus := fs.String("corpus", "", "keep every failing seed in this folder, with its fault schedule, as a corpus entry")
	artifacts := fs.String("artifacts", "", "write each failing seed's config, fault schedule, trace, timeline, history and porcupine page to a folder under this one")
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
	if err == nil && *budget < 0 {
		err = fmt.Errorf("time budget %v: want >= 0", *budget)
	}
	if err != nil {
		fmt.Fprintf(stderr, "flowtx run: %v\n", err)
		return exitUsage
	}
	if !*asJSON {
		fmt.Fprintln(stdout, campaignHeader(cfg, *seeds))
	}
	tuneGC()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	p := newProgress(stderr, stdout, *seeds, *budget, *asJSON)
	c := campaign{flags: &sf, corpus: *corpus, artifacts: *artifacts, base: cfg, seeds: *seeds, parallel: *parallel,
		budget: *budget, json: *asJSON, out: p.under(stdout), progress: p}
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
	budget    time.Duration // 0: none
	json      bool
	out       io.Writer
	progress  *progress
}

type seedResult struct {
	res scenarios.Result
	err error
}

// handedOut is how many seeds the campaign started, 0..n-1, and whether
// the time budget is what stopped it short.
type handedOut struct {
	n           int
	budgetEnded bool
}

func (c *campaign) run(ctx context.Context) int {
	start := time.Now()
	var wg sync.WaitGroup
	results, fed := c.start(ctx, &wg)
	sum := summary{Scenario: c.base.Scenario, Planned: c.seeds, budget: c.budget}
	c.progress.update(sum)
	// Report seeds in order until the last one started; Ctrl-C stops at
	// once, the budget only stops the handing out.
	limit := c.seeds
	for i := 0; i < limit && !sum.Stopped; {
		select {
		case r := <-results[i]:
			c.report(r, &sum)
			c.progress.update(sum)
			i++
		case h := <-fed:
			limit, sum.BudgetEnded, fed = h.n, h.budgetEnded, nil
		case <-ctx.Done():
			sum.Stopped = true
		}
	}
	wg.Wait() // after Ctrl-C, the seeds running finish unreported
	sum.WallS = time.Since(start).Seconds()
	c.progress.clear()
	sum.print(c.out, c.json)
	switch {
	case sum.Violations > 0 || sum.Errors > 0:
		return exitViolation
	case sum.Stopped:
		return exitInterrupted
	}
	return exitOK
}

// start runs the seeds on c.parallel goroutines, handing them out in
// order until all are out, Ctrl-C or the time budget; it then says on fed
// how many it handed out. Each seed's result arrives on its own channel;
// wg is done when every goroutine running a seed has ended.
func (c *campaign) start(ctx context.Context, wg *sync.WaitGroup) ([]chan seedResult, chan handedOut) {
	results := make([]chan seedResult, c.seeds)
	for i := range results {
		results[i] = make(chan seedResult, 1)
	}
	next := make(chan int)
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
	fed := make(chan handedOut, 1)
	go func() {
		defer close(next)
		var expired <-chan time.Time
		if c.budget > 0 {
			t := time.NewTimer(c.budget)
			defer t.Stop()
			expired = t.C
		}
		for i := range c.seeds {
			select {
			case next <- i:
			case <-ctx.Done():
				fed <- handedOut{n: i}
				return
			case <-expired:
				fed <- handedOut{n: i, budgetEnded: true}
				return
			}
		}
		fed <- handedOut{n: c.seeds}
	}()
	return results, fed
}

func (c *campaign) report(r seedResult, sum *summary) {
	sum.Seeds++
	if r.err != nil {
		sum.Errors++
		fmt.Fprintf(c.out, "error: %v\n", r.err)
		return
	}
	res := r.res
	sum.add(res)
	if c.json {
		line, _ := json.Marshal(res)
		fmt.Fprintf(c.out, "%s\n", line)
		return
	}
	if res.Config.Faults == scenarios.FaultsSwarm {
		fmt.Fprintln(c.out, res.Config.Drawn())
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
