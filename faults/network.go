package faults

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/flowtx/flowtx/sim"
)

// Node is a process of the job that network faults name: a worker, 0 and
// up, or the checkpoint coordinator. Clients are not in the fault model's
// network: their links to the job stand for the durable ingress and egress
// logs, which do not partition.
type Node int

// Coordinator is the checkpoint coordinator's Node.
const Coordinator Node = -1

func (n Node) String() string {
	if n == Coordinator {
		return "coordinator"
	}
	return "w" + strconv.Itoa(int(n))
}

// MarshalText writes a node as it prints: "w3" or "coordinator".
func (n Node) MarshalText() ([]byte, error) { return []byte(n.String()), nil }

// UnmarshalText reads "w3" or "coordinator".
func (n *Node) UnmarshalText(b []byte) error {
	s := string(b)
	if s == "coordinator" {
		*n = Coordinator
		return nil
	}
	w, err := strconv.Atoi(strings.TrimPrefix(s, "w"))
	if !strings.HasPrefix(s, "w") || err != nil || w < 0 || s != Node(w).String() {
		return fmt.Errorf("node %q: want w0, w1, ... or coordinator", s)
	}
	*n = Node(w)
	return nil
}

func (n Node) valid(workers int) bool { return n == Coordinator || n >= 0 && int(n) < workers }

// LinkWindow is one directed link of a swizzle clog and when it is
// clogged: [At, Until).
type LinkWindow struct {
	From  Node     `json:"from"`
	To    Node     `json:"to"`
	At    sim.Time `json:"at_us"`
	Until sim.Time `json:"until_us"`
}

func (l LinkWindow) String() string {
	return fmt.Sprintf("%v->%v [%v, %v)", l.From, l.To, l.At, l.Until)
}

// Limits on network faults: links per swizzle, and the latency a spike may
// add (a minute of virtual time is more than any run's time limit).
const (
	swizzleLinksMax          = 1_000
	extraMax        sim.Time = 60 * sim.Second
)

func (e Event) networkString() string {
	switch e.Kind {
	case Partition:
		return fmt.Sprintf("%v %s %v<->%v until %v", e.At, e.Kind, e.node(0), e.node(1), e.Until)
	case PartitionOneWay:
		return fmt.Sprintf("%v %s %v->%v until %v", e.At, e.Kind, e.node(0), e.node(1), e.Until)
	case SwizzleClog:
		links := make([]string, len(e.Links))
		for i, l := range e.Links {
			links[i] = l.String()
		}
		return fmt.Sprintf("%v %s until %v: %s", e.At, e.Kind, e.Until, strings.Join(links, ", "))
	}
	on := "every link"
	if len(e.Nodes) > 0 {
		nodes := make([]string, len(e.Nodes))
		for i, n := range e.Nodes {
			nodes[i] = n.String()
		}
		on = "links of " + strings.Join(nodes, " ")
	}
	return fmt.Sprintf("%v %s +%v on %s until %v", e.At, e.Kind, e.Extra, on, e.Until)
}

// node returns Nodes[i], or "?" for a malformed event, so that String
// never panics on what Validate is about to reject.
func (e Event) node(i int) any {
	if i < len(e.Nodes) {
		return e.Nodes[i]
	}
	return "?"
}

// validateWindow checks a window fault: a window that ends after it
// starts, nodes of the job, two distinct ones for a partition, clogged
// links inside the window, a positive spike no larger than extraMax.
func (e Event) validateWindow(workers int) error {
	if e.Until <= e.At {
		return errors.New("window ends before it starts")
	}
	for _, n := range e.Nodes {
		if !n.valid(workers) {
			return fmt.Errorf("no node %v in a job of %d workers", n, workers)
		}
	}
	switch e.Kind {
	case Partition, PartitionOneWay:
		if len(e.Nodes) != 2 || e.Nodes[0] == e.Nodes[1] {
			return errors.New("a partition needs two distinct nodes")
		}
	case SwizzleClog:
		return e.validateLinks(workers)
	case DelaySpike, StoreLatency:
		if e.Extra <= 0 || e.Extra > extraMax {
			return fmt.Errorf("extra latency %v: want in (0, %v]", e.Extra, extraMax)
		}
	}
	return nil
}

func (e Event) validateLinks(workers int) error {
	if len(e.Links) == 0 || len(e.Links) > swizzleLinksMax {
		return fmt.Errorf("%d links: want 1..%d", len(e.Links), swizzleLinksMax)
	}
	for _, l := range e.Links {
		switch {
		case !l.From.valid(workers) || !l.To.valid(workers):
			return fmt.Errorf("link %v: no such node in a job of %d workers", l, workers)
		case l.From == l.To:
			return fmt.Errorf("link %v: a node has no link to itself", l)
		case l.At < e.At || l.Until > e.Until || l.Until <= l.At:
			return fmt.Errorf("link %v: its clog must be a window inside the event's", l)
		}
	}
	return nil
}

// Lossy reports whether the schedule can lose messages between live
// processes: whether it holds a partition. Clogs and spikes only delay.
func (s Schedule) Lossy() bool {
	return s.Count(Partition) > 0 || s.Count(PartitionOneWay) > 0
}

// StoreSpikes returns the store-latency windows of a schedule, each with
// the latency it adds.
func (s Schedule) StoreSpikes() []StoreSpike {
	var out []StoreSpike
	for _, e := range s {
		if e.Kind == StoreLatency {
			out = append(out, StoreSpike{Window: sim.Window{From: e.At, Until: e.Until}, Extra: e.Extra})
		}
	}
	return out
}

// StoreSpike is a window in which checkpoint-store operations take Extra
// longer.
type StoreSpike struct {
	Window sim.Window
	Extra  sim.Time
}

// NetworkParams shape a drawn schedule of network faults.
type NetworkParams struct {
	Workers   int
	Span      sim.Time // faults start in [0, Span)
	GapMean   sim.Time // mean time between faults
	WindowMax sim.Time // a fault lasts (0, WindowMax]
	ExtraMax  sim.Time // a spike adds (0, ExtraMax] of latency
	StoreP    float64  // chance that a draw is a store-latency spike instead
}

// networkKinds are the network faults DrawNetwork picks from, uniformly.
var networkKinds = []Kind{Partition, PartitionOneWay, SwizzleClog, DelaySpike}

// DrawNetwork draws a schedule of network faults (partitions, one-way
// partitions, swizzle clogs, delay spikes) and, with StoreP, checkpoint-
// store latency spikes. Faults may overlap one another.
func DrawNetwork(p NetworkParams, rng *rand.Rand) Schedule {
	var s Schedule
	for at := drawGap(p.GapMean, rng); at < p.Span && len(s) < eventsMax; at += drawGap(p.GapMean, rng) {
		until := at + 1 + sim.Time(rng.Int64N(int64(p.WindowMax)))
		e := Event{At: at, Kind: StoreLatency, Until: until}
		if rng.Float64() >= p.StoreP {
			e.Kind = networkKinds[rng.IntN(len(networkKinds))]
		}
		switch e.Kind {
		case Partition, PartitionOneWay:
			a, b := drawPair(p.Workers, rng)
			e.Nodes = []Node{a, b}
		case SwizzleClog:
			e.Links = drawSwizzle(p.Workers, at, until, rng)
		case DelaySpike:
			if rng.IntN(2) == 0 {
				e.Nodes = []Node{drawNode(p.Workers, rng)}
			}
		}
		if e.Kind == DelaySpike || e.Kind == StoreLatency {
			e.Extra = 1 + sim.Time(rng.Int64N(int64(p.ExtraMax)))
		}
		s = append(s, e)
	}
	return s
}

// drawNode draws one of the job's nodes: a worker or the coordinator.
func drawNode(workers int, rng *rand.Rand) Node {
	return Node(rng.IntN(workers+1) - 1)
}

func drawPair(workers int, rng *rand.Rand) (Node, Node) {
	a := drawNode(workers, rng)
	b := drawNode(workers, rng)
	for b == a {
		b = drawNode(workers, rng)
	}
	return a, b
}

// drawSwizzle clogs a random subset of the job's directed links one by
// one, at random times in the first half of [at, until), then unclogs them
// in a random order in the second half.
func drawSwizzle(workers int, at, until sim.Time, rng *rand.Rand) []LinkWindow {
	var all []LinkWindow
	for a := Coordinator; int(a) < workers; a++ {
		for b := Coordinator; int(b) < workers; b++ {
			if a != b {
				all = append(all, LinkWindow{From: a, To: b})
			}
		}
	}
	rng.Shuffle(len(all), func(i, j int) { all[i], all[j] = all[j], all[i] })
	links := all[:1+rng.IntN(min(len(all), 8))]
	mid := at + (until-at)/2
	clogs := drawTimes(len(links), at, mid, rng)
	unclogs := drawTimes(len(links), mid, until, rng)
	rng.Shuffle(len(unclogs), func(i, j int) { unclogs[i], unclogs[j] = unclogs[j], unclogs[i] })
	for i := range links {
		links[i].At, links[i].Until = clogs[i], unclogs[i]
		if links[i].Until <= links[i].At { // a window of 1us has no room
			links[i].Until = links[i].At + 1
		}
	}
	return slices.Clip(links)
}

// drawTimes draws n sorted times in [from, until), at least from.
func drawTimes(n int, from, until sim.Time, rng *rand.Rand) []sim.Time {
	ts := make([]sim.Time, n)
	for i := range ts {
		ts[i] = from
		if until > from {
			ts[i] += sim.Time(rng.Int64N(int64(until - from)))
		}
	}
	sort.Slice(ts, func(i, j int) bool { return ts[i] < ts[j] })
	return ts
}
