package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/flowtx/flowtx/faults"
	"github.com/flowtx/flowtx/protocols/saga"
	"github.com/flowtx/flowtx/protocols/twopc"
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
	arrival  int
	ops      int
	keys     int
	bug      string
	faults   string
	interval time.Duration
	strategy string

	protocol string
	share    int
	zipf     float64
	initial  int64
	amount   int64
	conflict string
	buggify  buggifyFlag
	fs       *flag.FlagSet // the flags registered on, to tell given ones from defaults
	readKeys int
	shared   bool
	sagaMode string
}

func (f *scenarioFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&f.scenario, "scenario", "bank", "scenario to run: "+strings.Join(scenarios.Names(), ", "))
	fs.Uint64Var(&f.seed, "seed", 1, "seed of the (first) run")
	fs.IntVar(&f.workers, "workers", 0, "workers in the job (0: the scenario's default)")
	fs.IntVar(&f.clients, "clients", 0, "clients (0: the scenario's default)")
	fs.IntVar(&f.arrival, "arrival-rate", 0, "requests per virtual second across all clients, sent at Poisson arrival times whether or not earlier ones were answered (open loop); 0: closed loop, one request in flight per client")
	fs.IntVar(&f.ops, "ops", 0, "operations per client (0: the scenario's default)")
	fs.IntVar(&f.keys, "keys", 0, "keys (accounts, records) the workload spreads over (0: the scenario's default)")
	fs.StringVar(&f.faults, "faults", scenarios.FaultsCrash, "fault model: crash (workers and the coordinator crash and restart, the checkpoint store fails for a while, at times drawn from the seed), network (partitions, one-way partitions, swizzle clogs and delay spikes between workers and the coordinator, drawn from the seed), all (crash and network, plus checkpoint-store latency spikes, crashes at triggers: a worker storing its snapshot, a participant that has just voted, and client timeouts that resend requests in flight), swarm (each seed draws its own fault kinds and rates, workers, clients, keys, checkpoint interval and strategy, and the YCSB workload and protocol options; docs/fault-model.md), none, or a JSON fault-schedule file (as flowtx shrink writes)")
	fs.DurationVar(&f.interval, "checkpoint-interval", 10*time.Millisecond, "virtual time between checkpoints; 0 turns checkpoints and transactional egress off (and needs --faults none: crashes need checkpoints to recover from)")
	fs.StringVar(&f.strategy, "checkpoint-strategy", "unaligned", "snapshot algorithm: unaligned (Chandy-Lamport) or aligned (StateFun's barriers)")
	fs.StringVar(&f.protocol, "protocol", "", "YCSB scenarios: run transfers as 2pc or saga (default: the scenario's)")
	fs.IntVar(&f.share, "transfer-share", -1, "YCSB scenarios: percent of operations that are transfers, 0..100; -1 takes the scenario's share")
	fs.Float64Var(&f.zipf, "zipf", 0, "YCSB scenarios: Zipfian theta for key choice, e.g. 0.99; 0 draws keys uniformly")
	fs.Int64Var(&f.initial, "initial-balance", -1, "YCSB scenarios: every record's initial balance; -1 takes 10000")
	fs.Int64Var(&f.amount, "amount-max", 0, "YCSB scenarios: largest transfer amount (0: 1); raise it, or lower the balance, for insufficient-funds aborts")
	fs.IntVar(&f.readKeys, "read-keys", 0, "YCSB scenarios, 2PC: a read reads this many records in one read transaction (0 or 1: a plain read of one record)")
	fs.BoolVar(&f.shared, "shared-locks", false, "2PC read transactions (--read-keys > 1) take the records' locks shared instead of exclusive")
	fs.StringVar(&f.conflict, "conflict", "wait", "2PC: a prepare that finds a lock waits (with deadlock detection), votes no at once, or waits only if older: wait, no-wait or wait-die")
	fs.StringVar(&f.sagaMode, "saga-mode", "parallel", "sagas: run steps in parallel (the paper's) or sequential")
	fs.StringVar(&f.bug, "bug", "", "run a deliberately broken variant, to see the checks catch it: "+bugNames())
	fs.Var(&f.buggify, "buggify", buggifyUsage)
	f.fs = fs
}

func bugNames() string {
	return strings.Join(scenarios.Bugs(), ", ")
}

// config turns the flags into a resolved scenario config for seed.
func (f *scenarioFlags) config(seed uint64) (scenarios.Config, error) {
	strategy, err := runtime.ParseStrategy(f.strategy)
	if err != nil {
		return scenarios.Config{}, err
	}
	conflict, err := parseConflict(f.conflict)
	if err != nil {
		return scenarios.Config{}, err
	}
	mode, err := parseSagaMode(f.sagaMode)
	if err != nil {
		return scenarios.Config{}, err
	}
	model, schedule, err := f.faultModel()
	if err != nil {
		return scenarios.Config{}, err
	}
	if model == scenarios.FaultsSwarm && f.fs != nil {
		if err := checkSwarmFlags(f.fs); err != nil {
			return scenarios.Config{}, err
		}
	}
	cfg, err := scenarios.Resolve(scenarios.Config{
		Schedule:       schedule,
		Strategy:       strategy,
		Protocol:       f.protocol,
		TransferShare:  explicitZero(f.share, scenarios.NoTransfers),
		Zipf:           f.zipf,
		InitialBalance: int64(explicitZero(int(f.initial), scenarios.NoBalance)),
		AmountMax:      f.amount,
		Conflict:       conflict,
		ReadKeys:       f.readKeys,
		SharedLocks:    f.shared,
		SagaMode:       mode,
		Scenario:       f.scenario,
		Seed:           seed,
		Workers:        f.workers,
		Clients:        f.clients,
		ArrivalRate:    f.arrival,
		Ops:            f.ops,
		Keys:           f.keys,
		Bug:            runtime.Bug(f.bug),
		Faults:         model,
		Buggify:        f.buggify.enabled(model),
		// Zero on the command line means off; the config says that with a
		// negative interval.
		CheckpointInterval: checkpointInterval(f.interval),
	})
	if err == nil && f.interval < 0 {
		err = fmt.Errorf("checkpoint interval %v: want >= 0", f.interval)
	}
	return cfg, err
}

// faultModel reads --faults: a model drawn from the seed, by name, or a
// schedule file.
func (f *scenarioFlags) faultModel() (string, faults.Schedule, error) {
	if f.faults == scenarios.FaultsNetwork || f.faults == scenarios.FaultsAll || f.faults == scenarios.FaultsSwarm {
		return f.faults, nil, nil
	}
	return readFaults(f.faults)
}

// explicitZero maps a flag to a config field whose zero value means "the
// default": the flag's default (-1) is that zero, and an explicit 0 is the
// field's sentinel for a real zero.
func explicitZero(flag, zero int) int {
	switch {
	case flag == -1:
		return 0
	case flag == 0:
		return zero
	}
	return flag
}

func parseConflict(s string) (twopc.Conflict, error) {
	switch s {
	case "wait":
		return twopc.Wait, nil
	case "no-wait":
		return twopc.NoWait, nil
	case "wait-die":
		return twopc.WaitDie, nil
	}
	return 0, fmt.Errorf("conflict %q: want wait, no-wait or wait-die", s)
}

func parseSagaMode(s string) (saga.Mode, error) {
	switch s {
	case "parallel":
		return saga.Parallel, nil
	case "sequential":
		return saga.Sequential, nil
	}
	return 0, fmt.Errorf("saga mode %q: want parallel or sequential", s)
}

func checkpointInterval(d time.Duration) sim.Time {
	if d == 0 {
		return -1
	}
	return sim.Time(d.Microseconds())
}

// replay is the replay command of a run configured by these flags: a
// schedule read from a file is replayed from that file.
func (f *scenarioFlags) replay(cfg scenarios.Config) string {
	if cfg.Faults == scenarios.FaultsGiven {
		return replayWithFaults(cfg, f.faults)
	}
	return replayCommand(cfg)
}

// replayCommand is the command line that reruns one seed exactly: every
// parameter of the resolved config, so that it replays the same run even
// if defaults change.
func replayCommand(cfg scenarios.Config) string {
	if cfg.Faults == scenarios.FaultsSwarm {
		return swarmReplayCommand(cfg)
	}
	interval := time.Duration(0)
	if cfg.CheckpointInterval > 0 {
		interval = time.Duration(cfg.CheckpointInterval) * time.Microsecond
	}
	s := fmt.Sprintf("flowtx replay --scenario %s --seed %d --workers %d --clients %d --ops %d --keys %d --faults %s --checkpoint-interval %v --checkpoint-strategy %v",
		cfg.Scenario, cfg.Seed, cfg.Workers, cfg.Clients, cfg.Ops, cfg.Keys, cfg.Faults, interval, cfg.Strategy)
	if cfg.Protocol != "" {
		s += fmt.Sprintf(" --protocol %s --transfer-share %d --initial-balance %d --amount-max %d --conflict %v --saga-mode %v",
			cfg.Protocol, max(cfg.TransferShare, 0), max(cfg.InitialBalance, 0), cfg.AmountMax, cfg.Conflict, cfg.SagaMode)
		if cfg.Zipf > 0 {
			s += fmt.Sprintf(" --zipf %g", cfg.Zipf)
		}
		if cfg.ReadKeys > 1 {
			s += fmt.Sprintf(" --read-keys %d --shared-locks=%v", cfg.ReadKeys, cfg.SharedLocks)
		}
	}
	if cfg.ArrivalRate > 0 {
		s += fmt.Sprintf(" --arrival-rate %d", cfg.ArrivalRate)
	}
	if cfg.Bug != "" {
		s += " --bug " + string(cfg.Bug)
	}
	if cfg.Buggify {
		s += " --buggify"
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
