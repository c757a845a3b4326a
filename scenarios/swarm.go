package scenarios

import (
	"fmt"
	"math/rand/v2"
	"strings"

	"github.com/flowtx/flowtx/protocols/saga"
	"github.com/flowtx/flowtx/protocols/twopc"
	"github.com/flowtx/flowtx/runtime"
	"github.com/flowtx/flowtx/sim"
)

// FaultsSwarm is swarm testing, after TigerBeetle's VOPR: each seed draws
// its own run. Resolve draws, from the seed's stream "swarm", the job's
// size (workers), the workload (clients, keys and, for the YCSB scenarios,
// the protocol options, transfer share, Zipf theta, balances and amounts),
// the checkpoint interval and strategy, and the fault model: which kinds
// of fault are on and how hard each hits (Swarm). The drawn values replace
// the config's own; operations per client, the arrival rate, the fault
// span, the time limit, the bug and BUGGIFY stay as given. A quiet seed
// may draw no fault at all; a violent one crashes and partitions often.
const FaultsSwarm = "swarm"

// Swarm is the fault model a swarm seed drew: which kinds of fault are on
// and the parameters of their draws (faults.CrashParams and
// faults.NetworkParams). It is zero for every other fault model.
type Swarm struct {
	Crash         bool     `json:"crash"`          // workers and the coordinator crash and restart
	StoreFailures bool     `json:"store_failures"` // with crashes: checkpoint-store failure windows
	Network       bool     `json:"network"`        // partitions, swizzle clogs, delay spikes
	StoreLatency  bool     `json:"store_latency"`  // with network faults: store-latency spikes
	GapMean       sim.Time `json:"gap_mean_us"`    // mean gap between fault draws, both kinds
	DownMax       sim.Time `json:"down_max_us"`    // a crashed process restarts within it
	CoordinatorP  float64  `json:"coordinator_p"`  // chance a crash hits the coordinator
	StoreFailureP float64  `json:"store_failure_p"`
	WindowMax     sim.Time `json:"window_max_us"` // a network fault lasts at most this
	ExtraMax      sim.Time `json:"extra_max_us"`  // a delay or store-latency spike adds at most this
	StoreLatencyP float64  `json:"store_latency_p"`
}

// Drawn ranges. They stay where the checker can decide: at most 8
// closed-loop clients (porcupine's search grows with concurrency), at
// least 2 keys (a transfer needs two records), downtimes and windows of a
// few checkpoint intervals, so that a seed can be violent without every
// run ending in a liveness failure.
const (
	swarmWorkersMax    = 6
	swarmClientsMax    = 8
	swarmIntervalMults = 8 // WindowMax and ExtraMax: 1..8 intervals
	swarmDownMults     = 5 // DownMax: 1..5 intervals
	swarmGapDivMax     = 32
	swarmPMax          = 0.5
)

var (
	swarmIntervals = []sim.Time{2 * sim.Millisecond, 5 * sim.Millisecond, 10 * sim.Millisecond, 25 * sim.Millisecond}
	swarmKeyRanges = [][2]int{{2, 8}, {9, 32}, {33, 128}}
	swarmShares    = []int{NoTransfers, 10, 25, 50, 75, 100}
)

// drawSwarm replaces cfg's swarm-drawn fields with the draws of its seed.
// It depends only on the seed and the scenario, so resolving a resolved
// config draws the same values again.
func drawSwarm(cfg Config, protocol string) Config {
	rng := sim.NewStreams(cfg.Seed).Stream("swarm")
	cfg.Workers = 1 + rng.IntN(swarmWorkersMax)
	cfg.Clients = 1 + rng.IntN(swarmClientsMax)
	r := swarmKeyRanges[rng.IntN(len(swarmKeyRanges))]
	cfg.Keys = r[0] + rng.IntN(r[1]-r[0]+1)
	cfg.CheckpointInterval = swarmIntervals[rng.IntN(len(swarmIntervals))]
	cfg.Strategy = []runtime.Strategy{runtime.Unaligned, runtime.Aligned}[rng.IntN(2)]
	cfg.Swarm = drawSwarmFaults(rng, cfg.FaultSpan, cfg.CheckpointInterval)
	if protocol != "" {
		cfg = drawSwarmYCSB(cfg, protocol, rng)
	}
	return drawSwarmClients(cfg, rng)
}

// drawSwarmFaults draws which kinds of fault a seed has and how hard they
// hit, every draw made whether or not its kind is on, so that one
// switch does not move the others.
func drawSwarmFaults(rng *rand.Rand, span, interval sim.Time) Swarm {
	s := Swarm{
		Crash:         rng.IntN(2) == 0,
		StoreFailures: rng.IntN(2) == 0,
		Network:       rng.IntN(2) == 0,
		StoreLatency:  rng.IntN(2) == 0,
		GapMean:       span / sim.Time(2+rng.IntN(swarmGapDivMax-1)),
		DownMax:       interval * sim.Time(1+rng.IntN(swarmDownMults)),
		CoordinatorP:  rng.Float64() * swarmPMax,
		StoreFailureP: rng.Float64() * swarmPMax,
		WindowMax:     interval * sim.Time(1+rng.IntN(swarmIntervalMults)),
		ExtraMax:      interval * sim.Time(1+rng.IntN(swarmIntervalMults)),
		StoreLatencyP: rng.Float64() * swarmPMax,
	}
	s.StoreFailures = s.StoreFailures && s.Crash
	s.StoreLatency = s.StoreLatency && s.Network
	if !s.StoreFailures {
		s.StoreFailureP = 0
	}
	if !s.StoreLatency {
		s.StoreLatencyP = 0
	}
	return s
}

// drawSwarmYCSB draws the YCSB scenarios' workload and protocol options.
// transfer-2pc and transfer-saga keep their protocol and share; ycsb
// draws both.
func drawSwarmYCSB(cfg Config, protocol string, rng *rand.Rand) Config {
	cfg.Protocol = protocol
	protocolDrawn := []string{protocol2PC, protocolSaga}[rng.IntN(2)]
	share := swarmShares[rng.IntN(len(swarmShares))]
	if cfg.Scenario == "ycsb" {
		cfg.Protocol, cfg.TransferShare = protocolDrawn, share
	}
	cfg.Zipf = 0
	if theta := 0.5 + rng.Float64()*0.49; rng.IntN(2) == 0 {
		cfg.Zipf = theta
	}
	cfg.InitialBalance = initialBalanceDefault
	if low := int64(1 + rng.IntN(10)); rng.IntN(2) == 0 {
		cfg.InitialBalance = low
	}
	cfg.AmountMax = int64(1 + rng.IntN(5))
	cfg.Conflict = []twopc.Conflict{twopc.Wait, twopc.NoWait, twopc.WaitDie}[rng.IntN(3)]
	cfg.SagaMode = []saga.Mode{saga.Parallel, saga.Sequential}[rng.IntN(2)]
	return cfg
}

// drawSwarmClients draws, after everything else so that the draws before
// it stay as they were, read transactions (YCSB under 2PC: 2 or 3
// records, locks shared or not) and open-loop arrivals, up to
// swarmArrivalMax requests a second. Not with read transactions: while
// faults slow the job, open-loop requests pile up (one seed had 40 of its
// 50 transfers in flight at once), porcupine cannot decide such
// histories, and the ledgers' order, which places single-key reads well,
// gets stuck on multi-key ones (1 seed in 1,000 left unknown).
func drawSwarmClients(cfg Config, rng *rand.Rand) Config {
	cfg.ReadKeys, cfg.SharedLocks = 0, false
	if readKeys, shared := 2+rng.IntN(2), rng.IntN(2) == 0; rng.IntN(2) == 0 && cfg.Protocol == protocol2PC && cfg.Keys >= readKeys {
		cfg.ReadKeys, cfg.SharedLocks = readKeys, shared
	}
	// Arrivals must end within a quarter of the time limit, so that the
	// run can settle before it.
	floor := int(4 * int64(cfg.Clients*cfg.Ops) * int64(sim.Second) / int64(cfg.TimeLimit))
	cfg.ArrivalRate = 0
	if rate := max(floor, 20+rng.IntN(swarmArrivalMax-19)); rng.IntN(2) == 0 && rate <= swarmArrivalMax && cfg.ReadKeys <= 1 {
		cfg.ArrivalRate = rate
	}
	return cfg
}

// swarmArrivalMax bounds a swarm seed's open-loop arrival rate (requests
// per virtual second, all clients together).
const swarmArrivalMax = 150

// String renders the fault model a swarm seed drew, as "faults=" does for
// the others: the kinds on, joined by "+" ("quiet" for none), then the
// parameters of those on.
func (s Swarm) String() string {
	var kinds, params []string
	if s.Crash {
		kinds = append(kinds, "crash")
		params = append(params, fmt.Sprintf("down-max=%v coordinator-p=%.2f", s.DownMax, s.CoordinatorP))
	}
	if s.StoreFailures {
		kinds = append(kinds, "store-failures")
		params = append(params, fmt.Sprintf("store-failure-p=%.2f", s.StoreFailureP))
	}
	if s.Network {
		kinds = append(kinds, "network")
		params = append(params, fmt.Sprintf("window-max=%v extra-max=%v", s.WindowMax, s.ExtraMax))
	}
	if s.StoreLatency {
		kinds = append(kinds, "store-latency")
		params = append(params, fmt.Sprintf("store-latency-p=%.2f", s.StoreLatencyP))
	}
	if len(kinds) == 0 {
		return "quiet"
	}
	return strings.Join(kinds, "+") + fmt.Sprintf(" gap-mean=%v ", s.GapMean) + strings.Join(params, " ")
}

// Drawn renders what a swarm seed drew, TigerBeetle's way, on one line
// that a run prints before it starts: "SEED=7 workers=3 clients=5 ...".
// BUGGIFY's active points close it when BUGGIFY is on.
func (c Config) Drawn() string {
	s := fmt.Sprintf("SEED=%d workers=%d clients=%d keys=%d checkpoint-interval=%v strategy=%v faults=%v",
		c.Seed, c.Workers, c.Clients, c.Keys, c.CheckpointInterval, c.Strategy, c.Swarm)
	if c.Protocol != "" {
		s += fmt.Sprintf(" protocol=%s transfer-share=%d%% zipf=%.3g initial-balance=%d amount-max=%d conflict=%v saga-mode=%v",
			c.Protocol, max(c.TransferShare, 0), c.Zipf, max(c.InitialBalance, 0), c.AmountMax, c.Conflict, c.SagaMode)
		s += fmt.Sprintf(" read-keys=%d shared-locks=%v", max(c.ReadKeys, 1), c.SharedLocks)
	}
	s += fmt.Sprintf(" arrival-rate=%d/s", c.ArrivalRate)
	if c.Buggify {
		s += " buggify=" + DescribeBuggify(BuggifyActive(c.Seed))
	}
	return s
}
