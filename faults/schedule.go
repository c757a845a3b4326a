package faults

import (
	"fmt"
	"math/rand/v2"
	"sort"
	"strings"

	"github.com/flowtx/flowtx/sim"
)

// Kind says what a fault event does.
type Kind string

// Fault kinds.
const (
	CrashWorker        Kind = "crash-worker"
	RestartWorker      Kind = "restart-worker"
	CrashCoordinator   Kind = "crash-coordinator"
	RestartCoordinator Kind = "restart-coordinator"
	// StoreFailure makes every checkpoint-store operation that starts in
	// [At, Until) fail.
	StoreFailure Kind = "store-failure"
	// StoreLatency adds Extra to every checkpoint-store operation that
	// starts in [At, Until).
	StoreLatency Kind = "store-latency"
	// Partition loses every message sent between Nodes[0] and Nodes[1],
	// either way, in [At, Until).
	Partition Kind = "partition"
	// PartitionOneWay loses every message sent from Nodes[0] to Nodes[1]
	// in [At, Until); the other way works.
	PartitionOneWay Kind = "partition-one-way"
	// SwizzleClog clogs Links one by one and unclogs them in another
	// order, all within [At, Until): a clogged link holds what is sent on
	// it until it unclogs, and loses nothing (FoundationDB's swizzle).
	SwizzleClog Kind = "swizzle-clog"
	// DelaySpike adds Extra to the latency of every message sent in
	// [At, Until) over a link that touches one of Nodes, or over every
	// link if Nodes is empty.
	DelaySpike Kind = "delay-spike"
	// CrashWorkerOn arms a crash of Worker in [At, Until): the first time
	// the worker reaches Trigger in that window it crashes right there, and
	// restarts Down later. Unreached, it does nothing.
	CrashWorkerOn Kind = "crash-worker-on"
	// ClientTimeout has Client give up waiting at At and resend every
	// request it has in flight, under the same request ids, as a client
	// whose timeout expired would.
	ClientTimeout Kind = "client-timeout"
)

// Event is one fault: a kind, when it happens and, for worker faults,
// which worker; for window faults, until when; for network faults, which
// nodes or links; for spikes, how much latency they add.
type Event struct {
	At     sim.Time     `json:"at_us"`
	Kind   Kind         `json:"kind"`
	Worker int          `json:"worker,omitempty"`
	Until  sim.Time     `json:"until_us,omitempty"`
	Nodes  []Node       `json:"nodes,omitempty"`
	Links  []LinkWindow `json:"links,omitempty"`
	Extra  sim.Time     `json:"extra_us,omitempty"`
	// Trigger and Down shape a CrashWorkerOn.
	Trigger Trigger  `json:"trigger,omitempty"`
	Down    sim.Time `json:"down_us,omitempty"`
	// Client is a ClientTimeout's client.
	Client int `json:"client,omitempty"`
}

func (e Event) String() string {
	switch e.Kind {
	case CrashWorker, RestartWorker:
		return fmt.Sprintf("%v %s w%d", e.At, e.Kind, e.Worker)
	case StoreFailure:
		return fmt.Sprintf("%v %s until %v", e.At, e.Kind, e.Until)
	case StoreLatency:
		return fmt.Sprintf("%v %s +%v until %v", e.At, e.Kind, e.Extra, e.Until)
	case Partition, PartitionOneWay, SwizzleClog, DelaySpike:
		return e.networkString()
	case CrashCoordinator, RestartCoordinator:
		return fmt.Sprintf("%v %s", e.At, e.Kind)
	case CrashWorkerOn:
		return fmt.Sprintf("%v %s w%d %s until %v, down %v", e.At, e.Kind, e.Worker, e.Trigger, e.Until, e.Down)
	case ClientTimeout:
		return fmt.Sprintf("%v %s c%d", e.At, e.Kind, e.Client)
	}
	// Quoted: a kind read from a file may hold anything, a newline
	// included, and the errors that name the event must stay one line.
	return fmt.Sprintf("%v %q", e.At, e.Kind)
}

// Schedule is a run's faults, sorted by time.
type Schedule []Event

func (s Schedule) String() string {
	if len(s) == 0 {
		return "no faults"
	}
	lines := make([]string, len(s))
	for i, e := range s {
		lines[i] = e.String()
	}
	return strings.Join(lines, "\n")
}

// Count returns how many events of kind k the schedule holds.
func (s Schedule) Count(k Kind) int {
	n := 0
	for _, e := range s {
		if e.Kind == k {
			n++
		}
	}
	return n
}

// CrashParams shape a drawn crash schedule.
type CrashParams struct {
	Workers      int
	Span         sim.Time // faults start in [0, Span)
	GapMean      sim.Time // mean time between crashes
	DownMax      sim.Time // a crashed process restarts within (0, DownMax]
	CoordinatorP float64  // chance that a crash hits the coordinator
	StoreP       float64  // chance, per crash, of a store-failure window too
}

// Limits on drawn schedules.
const eventsMax = 10_000

// DrawCrashes draws a schedule of crashes and restarts (a process is never
// crashed twice without a restart between) and store-failure windows.
func DrawCrashes(p CrashParams, rng *rand.Rand) Schedule {
	var s Schedule
	downUntil := map[int]sim.Time{} // -1 is the coordinator
	for at := drawGap(p.GapMean, rng); at < p.Span && len(s) < eventsMax; at += drawGap(p.GapMean, rng) {
		target := rng.IntN(p.Workers)
		if rng.Float64() < p.CoordinatorP {
			target = -1
		}
		if downUntil[target] > at {
			continue
		}
		restart := at + 1 + sim.Time(rng.Int64N(int64(p.DownMax)))
		downUntil[target] = restart
		if target < 0 {
			s = append(s, Event{At: at, Kind: CrashCoordinator}, Event{At: restart, Kind: RestartCoordinator})
		} else {
			s = append(s, Event{At: at, Kind: CrashWorker, Worker: target}, Event{At: restart, Kind: RestartWorker, Worker: target})
		}
		if rng.Float64() < p.StoreP {
			// At its own time, not the crash's: a recovering job writes
			// no snapshots to fail.
			from := sim.Time(rng.Int64N(int64(p.Span)))
			s = append(s, Event{At: from, Kind: StoreFailure, Until: from + 1 + sim.Time(rng.Int64N(int64(p.DownMax)))})
		}
	}
	sort.SliceStable(s, func(i, j int) bool { return s[i].At < s[j].At })
	return s
}

func drawGap(mean sim.Time, rng *rand.Rand) sim.Time {
	return 1 + sim.Time(rng.ExpFloat64()*float64(mean))
}

// StoreWindows returns the store-failure windows of a schedule.
func (s Schedule) StoreWindows() []sim.Window {
	var out []sim.Window
	for _, e := range s {
		if e.Kind == StoreFailure {
			out = append(out, sim.Window{From: e.At, Until: e.Until})
		}
	}
	return out
}

// End returns the time of the last event, or of the end of the last
// window (store failure or latency, partition, clog, spike).
func (s Schedule) End() sim.Time {
	var end sim.Time
	for _, e := range s {
		end = max(end, e.At, e.Until)
		if e.Kind == CrashWorkerOn {
			end = max(end, e.Until+e.Down) // tripped at the last moment, it restarts then
		}
	}
	return end
}

// Validate checks that a schedule makes sense for a job of the given
// number of workers: events in time order, workers in range, no process
// crashed while down or restarted while up, windows that end after they
// start, network faults between nodes of the job and spikes of a bounded
// size (validateWindow). Schedules read from files must pass it; drawn
// ones always do.
func (s Schedule) Validate(workers int) error {
	up := map[int]bool{-1: true}
	for w := range workers {
		up[w] = true
	}
	for i, e := range s {
		if i > 0 && e.At < s[i-1].At {
			return fmt.Errorf("faults: event %d (%v) is earlier than the one before", i, e)
		}
		if e.At < 0 {
			return fmt.Errorf("faults: event %d (%v) at negative time", i, e)
		}
		target := -1
		switch e.Kind {
		case CrashWorker, RestartWorker:
			if e.Worker < 0 || e.Worker >= workers {
				return fmt.Errorf("faults: event %d (%v): no worker %d in a job of %d", i, e, e.Worker, workers)
			}
			target = e.Worker
		case CrashCoordinator, RestartCoordinator:
		case StoreFailure:
			if e.Until <= e.At {
				return fmt.Errorf("faults: event %d (%v): window ends before it starts", i, e)
			}
			continue
		case ClientTimeout:
			if e.Client < 0 {
				return fmt.Errorf("faults: event %d (%v): negative client", i, e)
			}
			continue
		case CrashWorkerOn:
			if err := e.validateTriggered(workers); err != nil {
				return fmt.Errorf("faults: event %d (%v): %v", i, e, err)
			}
			continue
		case StoreLatency, Partition, PartitionOneWay, SwizzleClog, DelaySpike:
			if err := e.validateWindow(workers); err != nil {
				return fmt.Errorf("faults: event %d (%v): %v", i, e, err)
			}
			continue
		default:
			return fmt.Errorf("faults: event %d: unknown kind %q", i, e.Kind)
		}
		crash := e.Kind == CrashWorker || e.Kind == CrashCoordinator
		if crash != up[target] {
			return fmt.Errorf("faults: event %d (%v): the process is already %s", i, e, map[bool]string{true: "down", false: "up"}[crash])
		}
		up[target] = !crash
	}
	return nil
}
