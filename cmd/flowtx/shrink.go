package main

import (
	"fmt"
	"io"
	"path/filepath"
	"time"

	"github.com/flowtx/flowtx/scenarios"
)

func cmdShrink(args []string, stdout, stderr io.Writer) int {
	var sf scenarioFlags
	fs := newFlagSet("shrink", `Minimises a failing run while it keeps failing the same way: first its
fault schedule (delta debugging over crash-and-restart pairs and
store-failure windows), then the number of clients, then the operations per
client. Prints the minimal schedule, writes it to a file, and prints the
replay command that reproduces the minimal run. Takes the flags of replay.`)
	sf.register(fs)
	out := fs.String("out", "", "file to write the minimal fault schedule to (default: shrunk-SCENARIO-SEED.json)")
	corpus := fs.String("corpus", "", "also keep the minimal run in this folder as a corpus entry")
	if done, code := parse(fs, args, stdout, stderr); done {
		return code
	}
	cfg, err := sf.config(sf.seed)
	if err != nil {
		fmt.Fprintf(stderr, "flowtx shrink: %v\n", err)
		return exitUsage
	}
	start := time.Now()
	s, err := scenarios.Shrink(cfg)
	if err != nil {
		fmt.Fprintf(stderr, "flowtx shrink: %v\n", err)
		return exitUsage
	}
	if s.Result.OK {
		fmt.Fprintf(stdout, "seed %d of %s passes: nothing to shrink\n", cfg.Seed, cfg.Scenario)
		return exitOK
	}
	path := *out
	if path == "" {
		path = fmt.Sprintf("shrunk-%s-%d.json", cfg.Scenario, cfg.Seed)
	}
	if err := writeSchedule(path, s.Config.Schedule); err != nil {
		fmt.Fprintf(stderr, "flowtx shrink: %v\n", err)
		return exitViolation
	}
	fmt.Fprintf(stdout, "shrunk in %d runs (%.1fs) to %d fault events, %d clients, %d operations each, still failing with %s:\n",
		s.Runs, time.Since(start).Seconds(), len(s.Config.Schedule), s.Config.Clients, s.Config.Ops, s.Kind)
	for _, e := range s.Config.Schedule {
		fmt.Fprintf(stdout, "fault: %v\n", e)
	}
	for i, v := range s.Result.Violations {
		if i == violationsShown {
			fmt.Fprintf(stdout, "... and %d more (replay shows all)\n", len(s.Result.Violations)-i)
			break
		}
		fmt.Fprintf(stdout, "violation: %s\n", v)
	}
	abs, _ := filepath.Abs(path)
	fmt.Fprintf(stdout, "schedule: %s\n", abs)
	fmt.Fprintf(stdout, "replay: %s\n", replayWithFaults(s.Config, path))
	if *corpus != "" {
		kept, err := writeCorpusEntry(*corpus, s.Result)
		if err != nil {
			fmt.Fprintf(stderr, "flowtx shrink: %v\n", err)
			return exitViolation
		}
		fmt.Fprintf(stdout, "kept: %s\n", kept)
	}
	return exitViolation
}

// replayWithFaults is the replay command of a config whose faults come
// from a file.
func replayWithFaults(cfg scenarios.Config, path string) string {
	c := cfg
	c.Faults = path
	return replayCommand(c)
}
