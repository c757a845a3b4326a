package main

import (
	"fmt"
	"io"

	"github.com/flowtx/flowtx/scenarios"
)

func cmdReplay(args []string, stdout, stderr io.Writer) int {
	var sf scenarioFlags
	fs := newFlagSet("replay", `Runs one seed of a scenario in the simulator and prints its summary, its
violations and its trace hash. The same seed, flags and code give the same
run, event for event: the trace hash proves it.`)
	sf.register(fs)
	if done, code := parse(fs, args, stdout, stderr); done {
		return code
	}
	cfg, err := sf.config(sf.seed)
	if err != nil {
		fmt.Fprintf(stderr, "flowtx replay: %v\n", err)
		return exitUsage
	}
	res, err := scenarios.Run(cfg)
	if err != nil {
		fmt.Fprintf(stderr, "flowtx replay: %v\n", err)
		return exitUsage
	}
	fmt.Fprint(stdout, res.Describe())
	fmt.Fprintf(stdout, "trace-hash: %s\n", res.Hash)
	if !res.OK {
		fmt.Fprintf(stdout, "replay: %s\n", replayCommand(cfg))
		return exitViolation
	}
	return exitOK
}
