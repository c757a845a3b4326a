package scenarios

import (
	"sort"
	"strings"

	"github.com/flowtx/flowtx/faults"
)

// Shrunk is the smallest failing run a shrink found: its config (with the
// fault schedule given explicitly), the failure it keeps, and how many
// runs the search took.
type Shrunk struct {
	Config Config
	Result Result
	Kind   string // the kind of violation kept throughout
	Runs   int
}

// shrinkRunsMax bounds a shrink's search.
const shrinkRunsMax = 2_000

// Shrink minimises a failing run while it keeps failing the same way (its
// first violation's kind): first the fault schedule, by delta debugging
// over fault units (a crash with its restart, a store-failure window, a
// network fault: a partition with its heal, a whole swizzle, a spike),
// then the number of clients, then the operations per client, then the
// faults once more (a smaller run may need fewer to fail). The input
// must fail; the config it returns replays the minimal run with
// `flowtx replay --faults FILE`.
func Shrink(cfg Config) (Shrunk, error) {
	res, err := Run(cfg)
	if err != nil {
		return Shrunk{}, err
	}
	cfg = res.Config
	cfg.Faults, cfg.Schedule = FaultsGiven, res.Schedule
	s := Shrunk{Config: cfg, Result: res, Kind: violationKind(res), Runs: 1}
	if res.OK {
		return s, nil
	}
	fails := func(c Config) bool {
		if s.Runs >= shrinkRunsMax {
			return false
		}
		s.Runs++
		r, err := Run(c)
		if err == nil && !r.OK && violationKind(r) == s.Kind {
			s.Config, s.Result = r.Config, r
			s.Config.Faults, s.Config.Schedule = FaultsGiven, c.Schedule
			return true
		}
		return false
	}
	shrinkFaults := func() {
		units := ddmin(faultUnits(s.Config.Schedule), func(us []faultUnit) bool {
			c := s.Config
			c.Schedule = scheduleOf(us)
			return fails(c)
		})
		s.Config.Schedule = scheduleOf(units)
	}
	shrinkFaults()
	for clients := 1; clients < s.Config.Clients; clients++ {
		c := s.Config
		c.Clients = clients
		if c.Disjoint && c.Keys < clients {
			continue
		}
		if fails(c) {
			break
		}
	}
	lo, hi := 1, s.Config.Ops // the smallest ops count that fails is in [lo, hi]
	for lo < hi {
		mid := (lo + hi) / 2
		c := s.Config
		c.Ops = mid
		if fails(c) {
			hi = mid
		} else {
			lo = mid + 1
		}
	}
	// Fewer clients and operations may need fewer faults to fail the same
	// way: one more pass over them.
	if len(s.Config.Schedule) > 0 {
		shrinkFaults()
	}
	return s, nil
}

// violationKind is the kind of a run's first violation: the word before
// its colon.
func violationKind(r Result) string {
	if len(r.Violations) == 0 {
		return ""
	}
	kind, _, _ := strings.Cut(r.Violations[0], ":")
	return kind
}

// faultUnit is what shrinking removes or keeps as a whole: a crash and the
// restart that ends it, or one window event (a store failure or latency
// spike, a partition with its heal, a swizzle clog with all its links, a
// delay spike), which is valid on its own.
type faultUnit []faults.Event

func faultUnits(s faults.Schedule) []faultUnit {
	var units []faultUnit
	open := map[int]int{} // process (-1: coordinator) -> index of its open crash unit
	for _, e := range s {
		target := e.Worker
		if e.Kind == faults.CrashCoordinator || e.Kind == faults.RestartCoordinator {
			target = -1
		}
		switch e.Kind {
		case faults.CrashWorker, faults.CrashCoordinator:
			open[target] = len(units)
			units = append(units, faultUnit{e})
		case faults.RestartWorker, faults.RestartCoordinator:
			if i, ok := open[target]; ok {
				units[i] = append(units[i], e)
				delete(open, target)
			}
		default:
			units = append(units, faultUnit{e})
		}
	}
	return units
}

func scheduleOf(units []faultUnit) faults.Schedule {
	s := faults.Schedule{}
	for _, u := range units {
		s = append(s, u...)
	}
	sort.SliceStable(s, func(i, j int) bool { return s[i].At < s[j].At })
	return s
}

// ddmin is Zeller's delta debugging: the smallest subset of units (1-minimal)
// for which fails holds, given that it holds for all of them. It tries the
// empty set first: many failures need no fault at all.
func ddmin(units []faultUnit, fails func([]faultUnit) bool) []faultUnit {
	if len(units) == 0 || fails(nil) {
		return nil
	}
	n := 2
	for len(units) >= 2 {
		chunks := split(units, n)
		reduced := false
		for i := range chunks {
			if fails(chunks[i]) {
				units, n, reduced = chunks[i], 2, true
				break
			}
		}
		if !reduced && n > 2 {
			for i := range chunks {
				if c := complement(chunks, i); fails(c) {
					units, n, reduced = c, max(n-1, 2), true
					break
				}
			}
		}
		if !reduced {
			if n >= len(units) {
				break
			}
			n = min(2*n, len(units))
		}
	}
	return units
}

func split(units []faultUnit, n int) [][]faultUnit {
	var chunks [][]faultUnit
	for i := range n {
		lo, hi := i*len(units)/n, (i+1)*len(units)/n
		if lo < hi {
			chunks = append(chunks, units[lo:hi])
		}
	}
	return chunks
}

func complement(chunks [][]faultUnit, skip int) []faultUnit {
	var out []faultUnit
	for i, c := range chunks {
		if i != skip {
			out = append(out, c...)
		}
	}
	return out
}
