package scenarios

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"sort"
	"strings"

	"github.com/flowtx/flowtx/checker"
	"github.com/flowtx/flowtx/faults"
	"github.com/flowtx/flowtx/protocols/saga"
	"github.com/flowtx/flowtx/protocols/twopc"
	"github.com/flowtx/flowtx/runtime"
	"github.com/flowtx/flowtx/sim"
)

// Workload is a scenario's business: the functions it registers, the
// requests its clients send, and the checks its outcome must pass.
type Workload interface {
	// Register adds the scenario's function types.
	Register(reg *runtime.Registry) error
	// Requests draws the operations one client will send, in order. A
	// request to an address with an empty ID goes to a fresh instance
	// named after the request (a transaction's own coordinator).
	Requests(c runtime.ClientID, n int, rng *rand.Rand) []runtime.Request
	// Retryable reports whether a response asks the client to try again.
	Retryable(r runtime.Response) bool
	// Check returns one line per violated property of a finished run.
	Check(o Outcome) []string
}

// Outcome is what a finished run leaves for a workload's checks: each
// client's history, and the final state of every instance.
type Outcome struct {
	Histories [][]Op
	State     map[runtime.Address]map[string][]byte
	// Unexpected are responses clients got but did not expect: repeats,
	// or answers to requests they never sent.
	Unexpected []runtime.Response
}

// historian is a workload whose runs the checker can judge: it turns an
// outcome into the checker's History.
type historian interface {
	History(o Outcome) checker.History
}

// Config selects a scenario and sizes a run of it. Zero fields take the
// scenario's defaults.
type Config struct {
	Scenario string
	Seed     uint64
	Workers  int
	Clients  int
	Ops      int // operations per client
	// ArrivalRate makes clients open-loop: together they send this many
	// requests per virtual second, at Poisson arrival times, whether or not
	// earlier ones were answered. Zero keeps them closed-loop (one request
	// in flight each).
	ArrivalRate int
	Keys        int // instances the workload spreads over: accounts, records
	// Transfers (the YCSB scenarios): the share of operations that are
	// transfers (percent; zero takes the scenario's default, NoTransfers
	// asks for none), the protocol that runs them ("2pc" or "saga"),
	// how 2PC participants meet a held lock, how sagas run their steps.
	TransferShare int
	Protocol      string
	Conflict      twopc.Conflict
	SagaMode      saga.Mode
	// ReadKeys is how many records a read reads: 1 (or 0) is a plain read
	// of one record; more is a 2PC transaction reading that many at one
	// point of the serial order (2PC only). SharedLocks makes its calls
	// read-only, so that they take the participants' locks shared.
	ReadKeys    int
	SharedLocks bool
	// Zipf is the Zipfian theta keys are drawn with; 0 draws uniformly.
	Zipf float64
	// InitialBalance of every record (NoBalance for zero), and the largest
	// transfer amount.
	InitialBalance int64
	AmountMax      int64
	// Disjoint gives each client keys of its own, so that the final state
	// does not depend on how clients interleave; the real-time comparison
	// needs that.
	Disjoint bool
	// InvocationCost is the virtual time one invocation keeps a worker busy.
	InvocationCost runtime.Micros
	// CheckpointInterval is the virtual time between checkpoints; zero
	// takes the scenario's default, negative turns checkpoints off (and
	// with them transactional egress: responses leave at once).
	CheckpointInterval sim.Time
	// Strategy is the snapshot algorithm: Unaligned (Chandy-Lamport) or
	// Aligned (StateFun's barriers).
	Strategy runtime.Strategy
	// Faults names the fault model: "none", "crash" (workers and the
	// coordinator crash and restart, and the checkpoint store fails for a
	// while, during the first FaultSpan of the run, at times drawn from the
	// seed), "network" (partitions, one-way partitions, swizzle clogs and
	// delay spikes between the workers and the coordinator, drawn from the
	// seed), "all" (crash and network, plus checkpoint-store latency
	// spikes), "swarm" (every seed draws its own fault model, job size,
	// workload and protocol options: FaultsSwarm) or "given" (exactly
	// Schedule: a replayed or shrunk schedule).
	Faults    string
	FaultSpan sim.Time
	Schedule  faults.Schedule
	// Swarm is the fault model a FaultsSwarm seed drew (Resolve fills it);
	// other fault models ignore it.
	Swarm Swarm
	// TimeLimit bounds a run in virtual time; a run still going then fails
	// its liveness check.
	TimeLimit sim.Time
	// NoChecker skips the checker's verdicts (the workload's own check
	// still runs): for benchmarks that measure throughput at concurrency
	// where porcupine's search would give up.
	NoChecker bool
	// Bug selects a deliberately broken runtime, for tests and self-tests.
	Bug runtime.Bug
	// Buggify lets BUGGIFY points fire in a simulated run, never under
	// the real-time driver: each point is active in a quarter of seeds
	// (BuggifyActive) and fires a quarter of the times it is reached.
	Buggify bool
}

// Limits on a run's size, so that a typo cannot ask for a month of work.
const (
	workersMax = runtime.KeyGroupsDefault
	clientsMax = 10_000
	opsMax     = 1_000_000
	// readKeysMax bounds a read transaction's records.
	readKeysMax = 16
	// arrivalRateMax keeps the mean gap between a client's requests at
	// least a virtual microsecond.
	arrivalRateMax = 1_000_000
	keysMax        = 10_000_000
)

// Explicit zeros for fields whose zero value means "the default".
const (
	NoTransfers = -1 // TransferShare: a mix without transfers
	NoBalance   = -1 // InitialBalance: records start empty
)

// Fault models.
const (
	FaultsNone    = "none"
	FaultsCrash   = "crash"
	FaultsNetwork = "network"
	FaultsAll     = "all"
	FaultsGiven   = "given"
)

// Defaults that do not depend on the scenario.
const (
	checkpointIntervalDefault = 10 * sim.Millisecond
	faultSpanDefault          = 300 * sim.Millisecond
)

// ErrUnknownScenario is returned for a scenario name nobody registered.
var ErrUnknownScenario = errors.New("unknown scenario")

// scenario is a registered scenario: its name, a one-line description, the
// defaults it fills into a Config and its workload.
type scenario struct {
	name     string
	about    string
	defaults Config
	workload func(cfg Config) Workload
}

var registered = map[string]scenario{}

func register(s scenario) { registered[s.name] = s }

// Names returns the registered scenario names, sorted.
func Names() []string {
	names := make([]string, 0, len(registered))
	for n := range registered {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// About returns the one-line description of a scenario.
func About(name string) string { return registered[name].about }

// Resolve fills cfg's zero fields with its scenario's defaults and validates
// it, naming the first bad field.
func Resolve(cfg Config) (Config, error) {
	s, ok := registered[cfg.Scenario]
	if !ok {
		return cfg, fmt.Errorf("%w %q (known: %s)", ErrUnknownScenario, cfg.Scenario, strings.Join(Names(), ", "))
	}
	d := s.defaults
	if cfg.Faults == FaultsSwarm {
		cfg.FaultSpan = orDefault(cfg.FaultSpan, faultSpanDefault)
		cfg.Ops, cfg.TimeLimit = orDefault(cfg.Ops, d.Ops), orDefault(cfg.TimeLimit, d.TimeLimit) // the arrival rate's floor needs them
		cfg = drawSwarm(cfg, d.Protocol)
	}
	cfg.Workers = orDefault(cfg.Workers, d.Workers)
	cfg.Clients = orDefault(cfg.Clients, d.Clients)
	cfg.Ops = orDefault(cfg.Ops, d.Ops)
	cfg.Keys = orDefault(cfg.Keys, d.Keys)
	cfg.Protocol = orDefault(cfg.Protocol, d.Protocol)
	if cfg.InitialBalance == 0 {
		cfg.InitialBalance = initialBalanceDefault
	}
	cfg.AmountMax = orDefault(cfg.AmountMax, amountMaxDefault)
	if cfg.TransferShare == 0 {
		cfg.TransferShare = d.TransferShare
	}
	cfg.TimeLimit = orDefault(cfg.TimeLimit, d.TimeLimit)
	cfg.CheckpointInterval = orDefault(cfg.CheckpointInterval, checkpointIntervalDefault)
	cfg.Faults = orDefault(cfg.Faults, FaultsNone)
	cfg.FaultSpan = orDefault(cfg.FaultSpan, faultSpanDefault)
	return cfg, validate(cfg)
}

// validate names the first field of a resolved config that is out of
// range, or the schedule's first problem.
func validate(cfg Config) error {
	switch {
	case cfg.Workers < 1 || cfg.Workers > workersMax:
		return fmt.Errorf("workers %d: want 1..%d", cfg.Workers, workersMax)
	case cfg.Clients < 1 || cfg.Clients > clientsMax:
		return fmt.Errorf("clients %d: want 1..%d", cfg.Clients, clientsMax)
	case cfg.ArrivalRate < 0 || cfg.ArrivalRate > arrivalRateMax:
		return fmt.Errorf("arrival rate %d/s: want 0 (closed loop) .. %d", cfg.ArrivalRate, arrivalRateMax)
	case cfg.Ops < 1 || cfg.Ops > opsMax:
		return fmt.Errorf("ops %d: want 1..%d", cfg.Ops, opsMax)
	case cfg.Keys < 1 || cfg.Keys > keysMax:
		return fmt.Errorf("keys %d: want 1..%d", cfg.Keys, keysMax)
	case cfg.Disjoint && cfg.Keys < cfg.Clients:
		return fmt.Errorf("disjoint keys: %d keys for %d clients, want at least one each", cfg.Keys, cfg.Clients)
	case cfg.InvocationCost < 0:
		return fmt.Errorf("invocation cost %d: want >= 0", cfg.InvocationCost)
	case cfg.TimeLimit <= 0:
		return fmt.Errorf("time limit %v: want > 0", cfg.TimeLimit)
	case cfg.Protocol != "" && cfg.TransferShare != NoTransfers && (cfg.TransferShare < 1 || cfg.TransferShare > 100):
		return fmt.Errorf("transfer share %d%%: want 0..100", cfg.TransferShare)
	case cfg.Protocol != "" && cfg.Protocol != protocol2PC && cfg.Protocol != protocolSaga:
		return fmt.Errorf("protocol %q: want %s or %s", cfg.Protocol, protocol2PC, protocolSaga)
	case cfg.ReadKeys < 0 || cfg.ReadKeys > min(readKeysMax, cfg.Keys):
		return fmt.Errorf("read keys %d: want 0..%d (and no more than the keys)", cfg.ReadKeys, min(readKeysMax, cfg.Keys))
	case cfg.ReadKeys > 1 && cfg.Protocol != protocol2PC:
		return fmt.Errorf("read keys %d: reads of several records are 2PC transactions; protocol is %q", cfg.ReadKeys, cfg.Protocol)
	case !(cfg.Zipf == 0 || cfg.Zipf > 0 && cfg.Zipf < 1):
		return fmt.Errorf("zipf theta %g: want 0 (uniform) or in (0, 1)", cfg.Zipf)
	case cfg.InitialBalance < NoBalance || cfg.AmountMax < 1:
		return fmt.Errorf("initial balance %d, amount max %d: want >= 0 and >= 1", cfg.InitialBalance, cfg.AmountMax)
	case !slices.Contains([]string{FaultsNone, FaultsCrash, FaultsNetwork, FaultsAll, FaultsSwarm, FaultsGiven}, cfg.Faults):
		return fmt.Errorf("faults %q: want %s, %s, %s, %s, %s or %s (with a schedule)", cfg.Faults, FaultsNone, FaultsCrash, FaultsNetwork, FaultsAll, FaultsSwarm, FaultsGiven)
	case cfg.Faults != FaultsGiven && cfg.Schedule != nil:
		return fmt.Errorf("a fault schedule is given but faults is %q, not %q", cfg.Faults, FaultsGiven)
	case cfg.Faults != FaultsNone && cfg.CheckpointInterval < 0:
		return fmt.Errorf("faults %q need checkpoints to recover from: checkpoint interval must be > 0", cfg.Faults)
	case cfg.FaultSpan <= 0 || cfg.FaultSpan >= cfg.TimeLimit:
		return fmt.Errorf("fault span %v: want in (0, time limit %v)", cfg.FaultSpan, cfg.TimeLimit)
	}
	if cfg.Bug != runtime.NoBug && !knownBug(cfg.Bug) {
		return fmt.Errorf("unknown bug %q", cfg.Bug)
	}
	return validateSchedule(cfg)
}

// validateSchedule checks a given fault schedule against the job it is for.
func validateSchedule(cfg Config) error {
	if err := cfg.Schedule.Validate(cfg.Workers); err != nil {
		return err
	}
	for _, e := range cfg.Schedule {
		if e.Kind == faults.ClientTimeout && e.Client >= cfg.Clients {
			return fmt.Errorf("fault schedule: %v: no client %d in a job of %d", e, e.Client, cfg.Clients)
		}
	}
	if end := cfg.Schedule.End(); end >= cfg.TimeLimit {
		return fmt.Errorf("fault schedule ends at %v, not before the time limit %v", end, cfg.TimeLimit)
	}
	return nil
}

func knownBug(b runtime.Bug) bool {
	for _, k := range Bugs() {
		if k == string(b) {
			return true
		}
	}
	return false
}

// Bugs lists every deliberately broken variant a run can select: the
// runtime's, then 2PC's, then the saga's, then the clients'.
func Bugs() []string {
	var names []string
	for _, b := range runtime.Bugs() {
		names = append(names, string(b))
	}
	for _, b := range twopc.Bugs() {
		names = append(names, string(b))
	}
	for _, b := range saga.Bugs() {
		names = append(names, string(b))
	}
	return append(names, string(BugClientRetryCommitted))
}

func orDefault[T comparable](v, d T) T {
	var zero T
	if v == zero {
		return d
	}
	return v
}

// String renders every parameter of a resolved config on one line, as runs
// print it before they start.
func (c Config) String() string {
	interval := "off"
	if c.CheckpointInterval > 0 {
		interval = c.CheckpointInterval.String()
	}
	s := fmt.Sprintf("scenario=%s seed=%d workers=%d clients=%d ops=%d keys=%d faults=%s fault-span=%v checkpoint-interval=%s strategy=%v invocation-cost=%dus time-limit=%v",
		c.Scenario, c.Seed, c.Workers, c.Clients, c.Ops, c.Keys, c.Faults, c.FaultSpan, interval, c.Strategy, c.InvocationCost, c.TimeLimit)
	if c.Protocol != "" {
		s += fmt.Sprintf(" protocol=%s transfer-share=%d%% zipf=%g initial-balance=%d amount-max=%d conflict=%v saga-mode=%v",
			c.Protocol, max(c.TransferShare, 0), c.Zipf, max(c.InitialBalance, 0), c.AmountMax, c.Conflict, c.SagaMode)
		if c.ReadKeys > 1 {
			s += fmt.Sprintf(" read-keys=%d shared-locks=%v", c.ReadKeys, c.SharedLocks)
		}
	}
	if c.ArrivalRate > 0 {
		s += fmt.Sprintf(" arrival-rate=%d/s", c.ArrivalRate)
	}
	if c.Bug != "" {
		s += " bug=" + string(c.Bug)
	}
	if c.Faults == FaultsSwarm {
		s += " swarm=" + c.Swarm.String()
	}
	if c.Buggify {
		s += " buggify=" + DescribeBuggify(BuggifyActive(c.Seed))
	}
	return s
}
