package main

import (
	"errors"
	"fmt"
	"io"

	"github.com/flowtx/flowtx/scenarios"
)

func cmdReplay(args []string, stdout, stderr io.Writer) int {
	var sf scenarioFlags
	fs := newFlagSet("replay", `Runs one seed of a scenario in the simulator and prints its summary, its
violations and its trace hash. The same seed, flags and code give the same
run, event for event: the trace hash proves it. --trace keeps every kernel
event, --timeline draws the run for ui.perfetto.dev or chrome://tracing
(docs/cli.md, "Reading a timeline").`)
	sf.register(fs)
	historyPath := fs.String("history", "", "write the run's history (what clients observed) to this file, one JSON operation per line")
	htmlPath := fs.String("visualize", "", "write porcupine's HTML visualization of the serializability check to this file")
	tracePath := fs.String("trace", "", "write every kernel event to this file, one JSON object per line")
	timelinePath := fs.String("timeline", "", "write a timeline of the run to this file as Chrome trace-event JSON, for ui.perfetto.dev or chrome://tracing: a track per worker, the coordinator, each client and the fault schedule")
	checkDeterminism := fs.Bool("check-determinism", false, "run the seed twice and name the first event where the two runs differ")
	if done, code := parse(fs, args, stdout, stderr); done {
		return code
	}
	cfg, err := sf.config(sf.seed)
	if err != nil {
		fmt.Fprintf(stderr, "flowtx replay: %v\n", err)
		return exitUsage
	}
	// What the seed drew comes first, before a run that may be long.
	if cfg.Faults == scenarios.FaultsSwarm {
		fmt.Fprintln(stdout, cfg.Drawn())
	} else if cfg.Buggify {
		fmt.Fprintf(stdout, "buggify: %s\n", scenarios.DescribeBuggify(scenarios.BuggifyActive(cfg.Seed)))
	}
	var trace traceLog
	tl := newTimeline(cfg)
	res, err := scenarios.RunTraced(cfg, both(trace.record, tl.record))
	if err != nil {
		fmt.Fprintf(stderr, "flowtx replay: %v\n", err)
		return exitUsage
	}
	if *checkDeterminism {
		var again traceLog
		if _, err := scenarios.RunTraced(cfg, again.record); err != nil {
			fmt.Fprintf(stderr, "flowtx replay: %v\n", err)
			return exitUsage
		}
		if i, ok := trace.firstDifference(again); !ok {
			fmt.Fprintf(stdout, "determinism: violation: the two runs differ first at event %d:\n  first:  %s\n  second: %s\n",
				i, trace.at(i), again.at(i))
			return exitViolation
		}
		fmt.Fprintf(stdout, "determinism: ok: two runs, %d events each, identical\n", len(trace.events))
	}
	if err := writeTraces(&trace, *tracePath, tl, *timelinePath, res); err != nil {
		fmt.Fprintf(stderr, "flowtx replay: %v\n", err)
		return exitViolation
	}
	fmt.Fprint(stdout, res.Describe())
	for _, v := range res.Verdicts {
		fmt.Fprintf(stdout, "verdict: %v\n", v)
	}
	fmt.Fprintf(stdout, "trace-hash: %s\n", res.Hash)
	if err := writeArtifacts(res, *historyPath, *htmlPath); err != nil {
		fmt.Fprintf(stderr, "flowtx replay: %v\n", err)
		if errors.Is(err, errNoHistory) {
			return exitUsage
		}
		return exitViolation
	}
	if !res.OK {
		fmt.Fprintf(stdout, "replay: %s\n", sf.replay(cfg))
		return exitViolation
	}
	return exitOK
}

// writeTraces writes the kernel events and the timeline, each if asked.
func writeTraces(trace *traceLog, tracePath string, tl *timeline, timelinePath string, res scenarios.Result) error {
	if tracePath != "" {
		if err := trace.write(tracePath); err != nil {
			return err
		}
	}
	if timelinePath != "" {
		return tl.write(timelinePath, res)
	}
	return nil
}
