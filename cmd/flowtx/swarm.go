package main

import (
	"flag"
	"fmt"
	"strings"

	"github.com/flowtx/flowtx/scenarios"
)

// buggifyFlag is --buggify: a boolean flag (--buggify, --buggify=false)
// whose default, auto, turns BUGGIFY on for swarm campaigns only.
type buggifyFlag struct {
	set, on bool
}

func (b *buggifyFlag) IsBoolFlag() bool { return true }

func (b *buggifyFlag) String() string {
	if b == nil || !b.set {
		return "auto"
	}
	return fmt.Sprint(b.on)
}

func (b *buggifyFlag) Set(s string) error {
	switch s {
	case "true", "on":
		b.set, b.on = true, true
	case "false", "off":
		b.set, b.on = true, false
	case "auto":
		b.set = false
	default:
		return fmt.Errorf("want true, false or auto")
	}
	return nil
}

// enabled says whether runs of fault model have BUGGIFY.
func (b *buggifyFlag) enabled(model string) bool {
	if b.set {
		return b.on
	}
	return model == scenarios.FaultsSwarm
}

const buggifyUsage = "BUGGIFY: named points in the runtime, the workers' and clients' drivers that, in a quarter of seeds each, fire a quarter of the time (slow invocations, early checkpoints, delayed markers, duplicated requests, delayed 2PC decisions and saga compensations); --buggify=false turns it off. Default: on with --faults swarm, off otherwise"

// swarmDrawn are the flags whose values a swarm seed draws.
var swarmDrawn = []string{
	"workers", "clients", "keys", "checkpoint-interval", "checkpoint-strategy",
	"protocol", "transfer-share", "zipf", "initial-balance", "amount-max", "conflict", "saga-mode",
	"read-keys", "shared-locks", "arrival-rate",
}

// checkSwarmFlags rejects a flag given with --faults swarm whose value
// each seed draws: it would be silently replaced.
func checkSwarmFlags(fs *flag.FlagSet) error {
	var given []string
	fs.Visit(func(f *flag.Flag) {
		for _, d := range swarmDrawn {
			if f.Name == d {
				given = append(given, "--"+d)
			}
		}
	})
	if len(given) > 0 {
		return fmt.Errorf("%s: --faults swarm draws it for each seed; leave it out, or pick another fault model", strings.Join(given, ", "))
	}
	return nil
}

// swarmReplayCommand reruns one swarm seed: the seed redraws every drawn
// parameter, so only what is not drawn is spelled out.
func swarmReplayCommand(cfg scenarios.Config) string {
	s := fmt.Sprintf("flowtx replay --scenario %s --seed %d --ops %d --faults swarm", cfg.Scenario, cfg.Seed, cfg.Ops)
	if !cfg.Buggify {
		s += " --buggify=false"
	}
	if cfg.Bug != "" {
		s += " --bug " + string(cfg.Bug)
	}
	return s
}

// campaignHeader is the line run prints before its seeds: the resolved
// config of the first seed, except for what each seed draws for itself,
// which its SEED= line says.
func campaignHeader(cfg scenarios.Config, seeds int) string {
	span := fmt.Sprintf("seeds %d..%d", cfg.Seed, cfg.Seed+uint64(seeds)-1)
	buggify := ""
	if cfg.Buggify {
		buggify = " buggify=on"
		cfg.Buggify = false
	}
	if cfg.Faults == scenarios.FaultsSwarm {
		return fmt.Sprintf("campaign: %s of scenario=%s ops=%d faults=swarm fault-span=%v time-limit=%v%s: each seed draws its job, workload, protocol options and faults (SEED= lines)",
			span, cfg.Scenario, cfg.Ops, cfg.FaultSpan, cfg.TimeLimit, buggify)
	}
	return fmt.Sprintf("campaign: %s of %v%s", span, cfg, buggify)
}
