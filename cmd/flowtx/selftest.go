package main

import (
	"fmt"
	"io"
	goruntime "runtime"
	"slices"
	"strings"
	"sync"
	"text/tabwriter"

	"github.com/flowtx/flowtx/checker"
	"github.com/flowtx/flowtx/protocols/saga"
	"github.com/flowtx/flowtx/scenarios"
)

const selftestSeedsMax = 100_000

func cmdSelftest(args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("selftest", `Proves that the checks catch bugs: runs a campaign of every known-bad
variant (a deliberately broken runtime or protocol) and of the same
campaigns without the bug, and prints a table: variant, caught, the check
that caught it first, seeds until the first detection, the seeds that
caught it out of all run, the median number of seeds from one detection to
the next, and the replay command of the first. Exits 0 only if every
variant is caught and every clean campaign passes.`)
	seeds := fs.Int("seeds", 20, "seeds per campaign")
	list := fs.Bool("list", false, "print the variants, one per line, name first, and exit")
	parallel := fs.Int("parallel", goruntime.GOMAXPROCS(0), "campaigns run at once")
	buggify := fs.Bool("buggify", false, "run every campaign with BUGGIFY on, to compare seeds until detection with a run without")
	if done, code := parse(fs, args, stdout, stderr); done {
		return code
	}
	if *list {
		for _, v := range scenarios.Variants() {
			fmt.Fprintf(stdout, "%s\t%s (scenario %s)\n", v.Bug, v.About, v.Config.Scenario)
		}
		return exitOK
	}
	if *seeds < 1 || *seeds > selftestSeedsMax || *parallel < 1 {
		fmt.Fprintf(stderr, "flowtx selftest: seeds %d, parallel %d: want 1..%d and >= 1\n", *seeds, *parallel, selftestSeedsMax)
		return exitUsage
	}
	variants, clean := runSelftest(*seeds, *parallel, *buggify)
	return printSelftest(stdout, variants, clean, *seeds)
}

// variantResult is how a variant's campaign went.
type variantResult struct {
	variant scenarios.Variant
	caught  bool
	seed    uint64 // the first seed that caught it
	seeds   int    // seeds run until then
	check   string // the kind of the first violation
	replay  string
	caughts []int // every seed, counted from 1, that caught it
	err     error
}

// cleanResult is how a campaign without a bug went.
type cleanResult struct {
	cfg      scenarios.Config
	failures int
	first    string
	err      error
}

func runSelftest(seeds, parallel int, buggify bool) ([]variantResult, []cleanResult) {
	variants := scenarios.Variants()
	clean := scenarios.CleanCampaigns()
	for i := range variants {
		variants[i].Config.Buggify = variants[i].Config.Buggify || buggify
	}
	for i := range clean {
		clean[i].Buggify = clean[i].Buggify || buggify
	}
	vr := make([]variantResult, len(variants))
	cr := make([]cleanResult, len(clean))
	jobs := make(chan func(), len(variants)+len(clean))
	for i, v := range variants {
		jobs <- func() { vr[i] = huntVariant(v, seeds) }
	}
	for i, cfg := range clean {
		jobs <- func() { cr[i] = runClean(cfg, seeds) }
	}
	close(jobs)
	var wg sync.WaitGroup
	for range parallel {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for job := range jobs {
				job()
			}
		}()
	}
	wg.Wait()
	return vr, cr
}

func huntVariant(v scenarios.Variant, seeds int) variantResult {
	r := variantResult{variant: v}
	for i := range seeds {
		cfg := v.Config
		cfg.Seed = v.Config.Seed + uint64(i) + 1
		res, err := scenarios.Run(cfg)
		if err != nil {
			r.err = err
			return r
		}
		if res.OK || !definite(res.Violations) {
			continue
		}
		r.caughts = append(r.caughts, i+1)
		if !r.caught {
			r.caught, r.seed, r.seeds = true, cfg.Seed, i+1
			r.check = violationKinds(res.Violations)
			r.replay = replayCommand(res.Config)
		}
	}
	if !r.caught {
		r.seeds = seeds
	}
	return r
}

// medianGap is the median number of seeds from one detection to the next
// (from the start for the first): how many seeds a campaign needs, typically,
// to find the bug once more.
func medianGap(caughts []int) int {
	if len(caughts) == 0 {
		return 0
	}
	gaps := make([]int, len(caughts))
	prev := 0
	for i, s := range caughts {
		gaps[i], prev = s-prev, s
	}
	slices.Sort(gaps)
	return gaps[len(gaps)/2]
}

// definite reports whether a failed seed has a violation that is not an
// unknown verdict: a search that gave up has caught nothing.
func definite(violations []string) bool {
	for _, v := range violations {
		if !strings.Contains(v, ": "+string(checker.Undecided)+": ") {
			return true
		}
	}
	return false
}

// violationKinds names the kinds of a run's violations, in order, each
// once: the checks that caught it.
func violationKinds(violations []string) string {
	var kinds []string
	seen := map[string]bool{}
	for _, v := range violations {
		kind, _, _ := strings.Cut(v, ":")
		if !seen[kind] {
			seen[kind] = true
			kinds = append(kinds, kind)
		}
	}
	return strings.Join(kinds, "+")
}

func runClean(cfg scenarios.Config, seeds int) cleanResult {
	r := cleanResult{cfg: cfg}
	for i := range seeds {
		c := cfg
		c.Seed = cfg.Seed + uint64(i) + 1
		res, err := scenarios.Run(c)
		if err != nil {
			r.err = err
			return r
		}
		if !res.OK {
			r.failures++
			if r.first == "" {
				r.first = replayCommand(res.Config)
			}
		}
	}
	return r
}

func printSelftest(w io.Writer, variants []variantResult, clean []cleanResult, seeds int) int {
	code := exitOK
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "VARIANT\tCAUGHT\tBY\tFIRST\tRATE\tMEDIAN\tREPLAY")
	for _, r := range variants {
		switch {
		case r.err != nil:
			code = exitViolation
			fmt.Fprintf(tw, "%s\terror\t%v\t-\t-\t-\t-\n", r.variant.Bug, r.err)
		case r.caught:
			fmt.Fprintf(tw, "%s\tyes\t%s\t%d\t%d/%d\t%d\t%s\n", r.variant.Bug, r.check, r.seeds, len(r.caughts), seeds, medianGap(r.caughts), r.replay)
		default:
			code = exitViolation
			fmt.Fprintf(tw, "%s\tNO\t-\t-\t0/%d\t-\t-\n", r.variant.Bug, seeds)
		}
	}
	tw.Flush()
	fmt.Fprintln(w)
	tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "CLEAN CAMPAIGN\tSEEDS\tFAILED\tFIRST FAILURE")
	for _, r := range clean {
		name := campaignLabel(r.cfg)
		switch {
		case r.err != nil:
			code = exitViolation
			fmt.Fprintf(tw, "%s\t-\terror\t%v\n", name, r.err)
		case r.failures > 0:
			code = exitViolation
			fmt.Fprintf(tw, "%s\t%d\t%d\t%s\n", name, seeds, r.failures, r.first)
		default:
			fmt.Fprintf(tw, "%s\t%d\t0\t-\n", name, seeds)
		}
	}
	tw.Flush()
	caught := 0
	for _, r := range variants {
		if r.caught {
			caught++
		}
	}
	fmt.Fprintf(w, "\nresult: %d of %d variants caught, %d clean campaigns, selftest %s\n",
		caught, len(variants), len(clean), map[bool]string{true: "passed", false: "FAILED"}[code == exitOK])
	return code
}

// campaignLabel names a clean campaign by what sets it apart from the
// others: its scenario, fault model, snapshot strategy and, where they are
// not the defaults, keys, saga mode, arrival rate and checkpoint interval.
func campaignLabel(cfg scenarios.Config) string {
	s := fmt.Sprintf("%s faults=%s %v", cfg.Scenario, cfg.Faults, cfg.Strategy)
	if cfg.Keys > 0 {
		s += fmt.Sprintf(" keys=%d", cfg.Keys)
	}
	if cfg.ReadKeys > 1 {
		s += fmt.Sprintf(" read-keys=%d shared-locks=%v", cfg.ReadKeys, cfg.SharedLocks)
	}
	if cfg.SagaMode == saga.Sequential {
		s += " sequential"
	}
	if cfg.ArrivalRate > 0 {
		s += fmt.Sprintf(" open-loop=%d/s", cfg.ArrivalRate)
	}
	if cfg.CheckpointInterval > 0 {
		s += fmt.Sprintf(" checkpoint-interval=%v", cfg.CheckpointInterval)
	}
	if cfg.Buggify {
		s += " buggify"
	}
	return s
}
