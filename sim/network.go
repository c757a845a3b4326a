package sim

import (
	"fmt"
	"math/rand/v2"
)

// Link is the directed channel from one node to another.
type Link struct {
	From, To NodeID
}

func (l Link) String() string { return fmt.Sprintf("%v->%v", l.From, l.To) }

// Network decides when, and how many times, a message sent now over a link
// arrives. It is the plug point for latency, loss, duplication, reordering,
// partitions and clogs. Transit appends the delivery times to deliveries and
// returns it: none means the message is lost, two or more that it is
// duplicated. The kernel delivers equal times in send order.
type Network interface {
	Transit(now Time, link Link, rng *rand.Rand, deliveries []Time) []Time
}

// Latency describes one link's delay: Mean plus a uniform draw in
// [-Jitter, +Jitter], never below Min.
type Latency struct {
	Min, Mean, Jitter Time
}

func (l Latency) draw(rng *rand.Rand) Time {
	d := l.Mean
	if l.Jitter > 0 {
		d += Time(rng.Int64N(int64(2*l.Jitter+1))) - l.Jitter
	}
	return max(d, l.Min)
}

// Partition cuts the links between two groups of nodes during a window:
// every message sent over a cut link in the window is lost. A one-way
// partition cuts only the links from A to B.
type Partition struct {
	A, B   []NodeID
	OneWay bool
	Window Window
}

func (p Partition) cuts(now Time, link Link) bool {
	if !p.Window.Contains(now) {
		return false
	}
	if contains(p.A, link.From) && contains(p.B, link.To) {
		return true
	}
	return !p.OneWay && contains(p.B, link.From) && contains(p.A, link.To)
}

// Clog holds back every message sent over a link during a window: none is
// lost, but none arrives before the window closes.
type Clog struct {
	Link   Link
	Window Window
}

// Spike adds Extra latency to every message sent during a window over a
// link that touches one of Nodes, or over every link if Nodes is empty: a
// congested switch, a noisy neighbour, a GC pause of the network stack.
type Spike struct {
	Nodes  []NodeID
	Extra  Time
	Window Window
}

func (s Spike) slows(now Time, link Link) bool {
	return s.Window.Contains(now) && (len(s.Nodes) == 0 || contains(s.Nodes, link.From) || contains(s.Nodes, link.To))
}

// Links is the default Network: per-link latency, FIFO per link as TCP
// gives, and optional loss, duplication and reordering for layers that must
// tolerate them, plus partitions, clogs and delay spikes over time windows.
type Links struct {
	Default  Latency
	PerLink  map[Link]Latency
	DropProb float64 // chance that a message is lost
	DupProb  float64 // chance that a message arrives twice
	Reorder  bool    // give up FIFO: later messages may overtake earlier ones

	Partitions []Partition
	Clogs      []Clog
	Spikes     []Spike

	lastArrival [][]Time // by sender, then receiver: the link's latest arrival
}

// NewLinks returns a FIFO, lossless network with the given default latency.
func NewLinks(latency Latency) *Links {
	return &Links{Default: latency}
}

// Transit implements Network.
func (n *Links) Transit(now Time, link Link, rng *rand.Rand, deliveries []Time) []Time {
	for _, p := range n.Partitions {
		if p.cuts(now, link) {
			return deliveries
		}
	}
	if n.DropProb > 0 && rng.Float64() < n.DropProb {
		return deliveries
	}
	copies := 1
	if n.DupProb > 0 && rng.Float64() < n.DupProb {
		copies = 2
	}
	latency := n.Default
	if l, ok := n.PerLink[link]; ok {
		latency = l
	}
	for range copies {
		deliveries = append(deliveries, n.arrival(now, link, latency.draw(rng)+n.extra(now, link)))
	}
	return deliveries
}

// extra is the latency the spikes add to a message sent now over link;
// overlapping spikes add up.
func (n *Links) extra(now Time, link Link) Time {
	var d Time
	for _, s := range n.Spikes {
		if s.slows(now, link) {
			d += s.Extra
		}
	}
	return d
}

// arrival computes when a message with the given delay arrives, holding it
// behind clogs and, unless reordering is on, behind the link's previous
// message.
func (n *Links) arrival(now Time, link Link, delay Time) Time {
	at := now + delay
	for _, c := range n.Clogs {
		if c.Link == link && c.Window.Contains(now) {
			at = max(at, c.Window.Until+delay)
		}
	}
	if n.Reorder {
		return at
	}
	last := n.last(link)
	at = max(at, *last)
	*last = at
	return at
}

// last returns where the link's latest arrival is kept: a table indexed by
// node, grown as nodes appear, since a map lookup and update on every
// message cost 5% of a campaign's time. A link never used reads zero.
func (n *Links) last(link Link) *Time {
	if link.From < 0 || link.To < 0 {
		panic(fmt.Sprintf("sim: link %v -> %v between unknown nodes", link.From, link.To))
	}
	if int(link.From) >= len(n.lastArrival) {
		n.lastArrival = append(n.lastArrival, make([][]Time, int(link.From)+1-len(n.lastArrival))...)
	}
	row := &n.lastArrival[link.From]
	if int(link.To) >= len(*row) {
		*row = append(*row, make([]Time, int(link.To)+1-len(*row))...)
	}
	return &(*row)[link.To]
}

func contains(nodes []NodeID, n NodeID) bool {
	for _, m := range nodes {
		if m == n {
			return true
		}
	}
	return false
}
