package scenarios

import (
	"fmt"
	"math/rand/v2"
	"strings"

	"github.com/flowtx/flowtx/runtime"
	"github.com/flowtx/flowtx/sim"
)

// BUGGIFY odds, as FoundationDB has them: a point is active in a quarter
// of runs, and an active point fires a quarter of the times it is reached.
const (
	buggifyActiveP = 0.25
	buggifyFireP   = 0.25
)

// Bounds on the delays of the points the scenarios' drivers own.
const (
	// markerDelayMax is how long a delayed marker, and what follows it on
	// its channel, may wait: two default checkpoint intervals, far below
	// the checkpoint timeout.
	markerDelayMax runtime.Micros = 20_000
	// duplicateDelayMax is how long after the original a duplicate
	// request may be appended: long enough to cross checkpoints and
	// recoveries.
	duplicateDelayMax runtime.Micros = 50_000
	// heldMax bounds the packets a delayed marker holds up on one channel.
	heldMax = 1 << 20
)

// BuggifyActive returns the BUGGIFY points active in every run of seed, in
// runtime.Points order. Each point draws its activity, and then its
// firings, from a stream of its own, "buggify/<point>", so that adding a
// point moves no other point and no other subsystem.
func BuggifyActive(seed uint64) []runtime.Point {
	var active []runtime.Point
	for _, p := range newBuggifyPoints(seed) {
		if p.active {
			active = append(active, p.name)
		}
	}
	return active
}

// BuggifyCount says how often an active point fired in a run.
type BuggifyCount struct {
	Point runtime.Point `json:"point"`
	Fired int           `json:"fired"`
}

// buggify is a simulated run's BUGGIFY state: which points are active and
// the stream each draws its firings from. Every firing is marked in the
// kernel's trace, so it shows in traces and moves the trace hash.
type buggify struct {
	sim    *sim.Sim
	points []buggifyPoint
}

type buggifyPoint struct {
	name   runtime.Point
	active bool
	fired  int
	rng    *rand.Rand
}

func newBuggifyPoints(seed uint64) []buggifyPoint {
	streams := sim.NewStreams(seed)
	var points []buggifyPoint
	for _, p := range runtime.Points() {
		rng := streams.Stream("buggify/" + string(p))
		points = append(points, buggifyPoint{name: p, active: rng.Float64() < buggifyActiveP, rng: rng})
	}
	return points
}

func newBuggify(seed uint64, s *sim.Sim) *buggify {
	return &buggify{sim: s, points: newBuggifyPoints(seed)}
}

// fire decides whether point p, reached by node n, fires, and draws its
// extra delay in [1, extraMax].
func (b *buggify) fire(n sim.NodeID, p runtime.Point, extraMax runtime.Micros) (runtime.Micros, bool) {
	pt := b.point(p)
	if !pt.active || pt.rng.Float64() >= buggifyFireP {
		return 0, false
	}
	var extra runtime.Micros
	if extraMax > 0 {
		extra = 1 + runtime.Micros(pt.rng.Int64N(int64(extraMax)))
	}
	pt.fired++
	b.sim.Mark(n, "buggify", buggifyFiring{point: p, extra: extra})
	return extra, true
}

func (b *buggify) point(p runtime.Point) *buggifyPoint {
	for i := range b.points {
		if b.points[i].name == p {
			return &b.points[i]
		}
	}
	panic(fmt.Sprintf("scenarios: unknown buggify point %q", p))
}

// counts returns how often each active point fired.
func (b *buggify) counts() []BuggifyCount {
	if b == nil {
		return nil
	}
	var out []BuggifyCount
	for _, p := range b.points {
		if p.active {
			out = append(out, BuggifyCount{Point: p.name, Fired: p.fired})
		}
	}
	return out
}

// buggifyFiring is a firing as the trace records it.
type buggifyFiring struct {
	point runtime.Point
	extra runtime.Micros
}

func (f buggifyFiring) Fingerprint() uint64 {
	return sim.Fingerprint(string(f.point)) ^ uint64(f.extra)*0x9e3779b97f4a7c15
}

func (f buggifyFiring) String() string {
	if f.extra == 0 {
		return string(f.point)
	}
	return fmt.Sprintf("%s +%v", f.point, sim.Time(f.extra))
}

// nodeBuggify is runtime.Buggify for one node of the job.
type nodeBuggify struct {
	b    *buggify
	node sim.NodeID
}

func (nb nodeBuggify) Fire(p runtime.Point, extraMax runtime.Micros) (runtime.Micros, bool) {
	return nb.b.fire(nb.node, p, extraMax)
}

// DescribeBuggify renders the active points for a config line: "none"
// when no point is active.
func DescribeBuggify(active []runtime.Point) string {
	if len(active) == 0 {
		return "none"
	}
	names := make([]string, len(active))
	for i, p := range active {
		names[i] = string(p)
	}
	return strings.Join(names, ",")
}

// describeFirings renders the firings of a run's active points as
// "point:count,...", or "none" when no point was active.
func describeFirings(counts []BuggifyCount) string {
	if len(counts) == 0 {
		return "none"
	}
	parts := make([]string, len(counts))
	for i, c := range counts {
		parts[i] = fmt.Sprintf("%s:%d", c.Point, c.Fired)
	}
	return strings.Join(parts, ",")
}
