package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/flowtx/flowtx/runtime"
	"github.com/flowtx/flowtx/scenarios"
	"github.com/flowtx/flowtx/sim"
)

// scenarioFlags are the flags every command that runs a scenario shares.
type scenarioFlags struct {
	scenario string
	seed     uint64
	workers  int
	clients  int
	ops      int
	keys     int
	bug      string
	faults   string
	interval time.Duration
	strategy string
}

func (f *scenarioFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&f.scenario, "scenario", "bank", "scenario to run: "+strings.Join(scenarios.Names(), ", "))
	fs.Uint64Var(&f.seed, "seed", 1, "seed of the (first) run")
	fs.IntVar(&f.workers, "workers", 0, "workers in the job (0: the scenario's default)")
	fs.IntVar(&f.clients, "clients", 0, "closed-loop clients (0: the scenario's default)")
	fs.IntVar(&f.ops, "ops", 0, "operations per client (0: the scenario's default)")
	fs.IntVar(&f.keys, "keys", 0, "keys (accounts, records) the workload spreads over (0: the scenario's default)")
	fs.StringVar(&f.faults, "faults", scenarios.FaultsCrash, "fault model: crash (workers and the coordinator crash and restart, the checkpoint store fails for a while), or none")
	fs.DurationVar(&f.interval, "checkpoint-interval", 10*time.Millisecond, "virtual time between checkpoints; 0 turns checkpoints and transactional egress off")
	fs.StringVar(&f.strategy, "checkpoint-strategy", "unaligned", "snapshot algorithm: unaligned (Chandy-Lamport) or aligned (StateFun's barriers)")
	fs.StringVar(&f.bug, "bug", "", "run a deliberately broken variant, to see the checks catch it: "+bugNames())
}

func bugNames() string {
	var names []string
	for _, b := range runtime.Bugs() {
		names = append(names, string(b))
	}
	return strings.Join(names, ", ")
}

// config turns the flags into a resolved scenario config for seed.
func (f *scenarioFlags) config(seed uint64) (scenarios.Config, error) {
	strategy, err := runtime.ParseStrategy(f.strategy)
	if err != nil {
		return scenarios.Config{}, err
	}
	cfg, err := scenarios.Resolve(scenarios.Config{
		Strategy: strategy,
		Scenario: f.scenario,
		Seed:     seed,
		Workers:  f.workers,
		Clients:  f.clients,
		Ops:      f.ops,
		Keys:     f.keys,
		Bug:      runtime.Bug(f.bug),
		Faults:   f.faults,
		// Zero on the command line means off; the config says that with a
		// negative interval.
		CheckpointInterval: checkpointInterval(f.interval),
	})
	if err == nil && f.interval < 0 {
		err = fmt.Errorf("checkpoint interval %v: want >= 0", f.interval)
	}
	return cfg, err
}

func checkpointInterval(d time.Duration) sim.Time {
	if d == 0 {
		return -1
	}
	return sim.Time(d.Microseconds())
}

// replayCommand is the command line that reruns one seed exactly.
func (f *scenarioFlags) replayCommand(cfg scenarios.Config) string {
	s := fmt.Sprintf("flowtx replay --scenario %s --seed %d --workers %d --clients %d --ops %d --keys %d --faults %s --checkpoint-interval %v --checkpoint-strategy %v",
		cfg.Scenario, cfg.Seed, cfg.Workers, cfg.Clients, cfg.Ops, cfg.Keys, cfg.Faults, f.interval, cfg.Strategy)
	if cfg.Bug != "" {
		s += " --bug " + string(cfg.Bug)
	}
	return s
}

// parse parses args into fs. It prints the help to stdout for --help
// (done, exit 0), and a one-line error to stderr for anything else wrong
// (done, exit 2).
func parse(fs *flag.FlagSet, args []string, stdout, stderr io.Writer) (done bool, code int) {
	fs.SetOutput(io.Discard)
	err := fs.Parse(args)
	switch {
	case errors.Is(err, flag.ErrHelp):
		fs.SetOutput(stdout)
		fs.Usage()
		return true, exitOK
	case err != nil:
		fmt.Fprintf(stderr, "flowtx %s: %v (see flowtx %s --help)\n", fs.Name(), err, fs.Name())
		return true, exitUsage
	case fs.NArg() > 0:
		fmt.Fprintf(stderr, "flowtx %s: unexpected argument %q (see flowtx %s --help)\n", fs.Name(), fs.Arg(0), fs.Name())
		return true, exitUsage
	}
	return false, exitOK
}

func newFlagSet(name, synopsis string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "Usage: flowtx %s [flags]\n\n%s\n\nFlags:\n", name, synopsis)
		fs.PrintDefaults()
	}
	return fs
}
