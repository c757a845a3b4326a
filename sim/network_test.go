package sim

import (
	"slices"
	"testing"

	"github.com/stretchr/testify/require"
)

// sender is a script that sends count numbered notes to each target, burst
// at a time every gap, starting at its Start, and records when each left.
type sender struct {
	to     []NodeID
	count  int
	burst  int
	gap    Time
	sentAt []Time // by sequence number
}

func (sn *sender) script() script {
	return script{
		start: func(p *probe) { p.env.After(0, note{Tag: "go"}) },
		fire: func(p *probe, m Message) {
			for range sn.burst {
				if len(sn.sentAt) == sn.count {
					return
				}
				for _, to := range sn.to {
					p.env.Send(to, note{Tag: "seq", N: int64(len(sn.sentAt))})
				}
				sn.sentAt = append(sn.sentAt, p.env.Now())
			}
			p.env.After(sn.gap, m)
		},
	}
}

// arrivals is what a receiving probe saw: sequence numbers in arrival order
// and the delay of each arrival.
func arrivals(p *probe, sn *sender, from NodeID) (seqs []int64, delays []Time) {
	for _, g := range p.only("receive") {
		if g.From != from {
			continue
		}
		n := g.Msg.(note).N
		seqs = append(seqs, n)
		delays = append(delays, g.At-sn.sentAt[n])
	}
	return seqs, delays
}

// oneLink runs a sender on node 0 sending count notes to node 1 over links.
func oneLink(t *testing.T, seed uint64, links *Links, count, burst int, gap Time) ([]int64, []Time, *sender) {
	t.Helper()
	s := New(Config{Seed: seed, Network: links})
	sn := &sender{to: []NodeID{1}, count: count, burst: burst, gap: gap}
	addProbe(s, sn.script())
	_, rx := addProbe(s, script{})
	require.NoError(t, s.Run(Never))
	require.Len(t, sn.sentAt, count, "notes sent")
	seqs, delays := arrivals(rx.last(), sn, 0)
	return seqs, delays, sn
}

func inversions(seqs []int64) int {
	n := 0
	for i := 1; i < len(seqs); i++ {
		if seqs[i] < seqs[i-1] {
			n++
		}
	}
	return n
}

func iota64(n int) []int64 {
	out := make([]int64, n)
	for i := range out {
		out[i] = int64(i)
	}
	return out
}

// TestLinksFIFOUnderJitter sends bursts over one link whose jitter is far
// larger than the gap between sends; FIFO links deliver them in send order.
func TestLinksFIFOUnderJitter(t *testing.T) {
	seqs, delays, _ := oneLink(t, 3, NewLinks(Latency{Mean: 500, Jitter: 450}), 2000, 4, 5)
	require.Equal(t, iota64(2000), seqs, "receive order on a FIFO link")
	require.Greater(t, slices.Max(delays)-slices.Min(delays), Time(200), "spread of delays: the jitter must be large for this test to mean anything")
}

// TestLinksReorder is the same workload with Reorder on: later notes overtake
// earlier ones, and none is lost.
func TestLinksReorder(t *testing.T) {
	links := NewLinks(Latency{Mean: 500, Jitter: 450})
	links.Reorder = true
	seqs, _, _ := oneLink(t, 3, links, 2000, 4, 5)
	require.Greater(t, inversions(seqs), 100, "inversions in the receive order with Reorder on")
	require.Equal(t, iota64(2000), slices.Sorted(slices.Values(seqs)), "notes received with Reorder on")
}

// TestLinksLatency checks the drawn delays stay in [Mean-Jitter, Mean+Jitter]
// and reach both ends, and that Min clamps. Sends are far apart so FIFO never
// holds a note back.
func TestLinksLatency(t *testing.T) {
	for _, tc := range []struct {
		lat      Latency
		min, max Time
	}{
		{Latency{Mean: 100, Jitter: 50}, 50, 150},
		{Latency{Min: 20, Mean: 10, Jitter: 50}, 20, 60},
		{Latency{Mean: 1000}, 1000, 1000},
		{Latency{}, 0, 0},
	} {
		_, delays, _ := oneLink(t, 5, NewLinks(tc.lat), 500, 1, Millisecond)
		require.Len(t, delays, 500, "notes received with %+v", tc.lat)
		require.Equal(t, tc.min, slices.Min(delays), "smallest delay with %+v", tc.lat)
		require.Equal(t, tc.max, slices.Max(delays), "largest delay with %+v", tc.lat)
	}
}

// TestLinksPerLink checks a per-link latency applies to its link only.
func TestLinksPerLink(t *testing.T) {
	links := NewLinks(Latency{Mean: 100})
	links.PerLink = map[Link]Latency{{From: 0, To: 2}: {Mean: 700}}
	s := New(Config{Seed: 1, Network: links})
	sn := &sender{to: []NodeID{1, 2}, count: 10, burst: 1, gap: Millisecond}
	addProbe(s, sn.script())
	_, rx1 := addProbe(s, script{})
	_, rx2 := addProbe(s, script{})
	require.NoError(t, s.Run(Never))
	_, d1 := arrivals(rx1.last(), sn, 0)
	_, d2 := arrivals(rx2.last(), sn, 0)
	require.Equal(t, slices.Repeat([]Time{100}, 10), d1, "delays on n0->n1 (default)")
	require.Equal(t, slices.Repeat([]Time{700}, 10), d2, "delays on n0->n2 (per link)")
}

// TestPartitionCutsExactly checks every link among four nodes just before,
// at the start of, at the end of and just after a partition's window.
func TestPartitionCutsExactly(t *testing.T) {
	a, b := []NodeID{0, 1}, []NodeID{2}
	w := Window{From: 100, Until: 200}
	for _, oneWay := range []bool{false, true} {
		links := NewLinks(Latency{Mean: 10})
		links.Partitions = []Partition{{A: a, B: b, OneWay: oneWay, Window: w}}
		rng := NewStreams(1).Stream("test")
		for _, now := range []Time{0, 99, 100, 150, 199, 200, 1000} {
			for from := NodeID(0); from < 4; from++ {
				for to := NodeID(0); to < 4; to++ {
					link := Link{From: from, To: to}
					named := slices.Contains(a, from) && slices.Contains(b, to) ||
						!oneWay && slices.Contains(b, from) && slices.Contains(a, to)
					wantLost := named && w.Contains(now)
					got := links.Transit(now, link, rng, nil)
					require.Equal(t, wantLost, len(got) == 0,
						"Transit(%v, %v) lost with oneWay=%v; deliveries %v", now, link, oneWay, got)
				}
			}
		}
	}
}

// TestPartitionInKernel checks partitions by send time through the kernel:
// a note sent in the window is lost, one sent just before it is delivered
// even though it arrives inside it, and one-way partitions cut one way.
func TestPartitionInKernel(t *testing.T) {
	for _, oneWay := range []bool{false, true} {
		links := NewLinks(Latency{Mean: 50})
		links.Partitions = []Partition{{A: []NodeID{0}, B: []NodeID{1}, OneWay: oneWay,
			Window: Window{From: 1000, Until: 2000}}}
		s := New(Config{Seed: 1, Network: links})
		sn0 := &sender{to: []NodeID{1}, count: 30, burst: 1, gap: 100}
		sn1 := &sender{to: []NodeID{0}, count: 30, burst: 1, gap: 100}
		_, in0 := addProbe(s, sn0.script())
		_, in1 := addProbe(s, sn1.script())
		require.NoError(t, s.Run(Never))
		at01, _ := arrivals(in1.last(), sn0, 0)
		at10, _ := arrivals(in0.last(), sn1, 1)
		// Note k is sent at 100k: notes 10..19 leave inside [1000, 2000).
		outside := append(iota64(10), iota64(30)[20:]...)
		require.Equal(t, outside, at01, "notes over n0->n1 with oneWay=%v", oneWay)
		if oneWay {
			require.Equal(t, iota64(30), at10, "notes over n1->n0, one-way partition")
		} else {
			require.Equal(t, outside, at10, "notes over n1->n0, symmetric partition")
		}
	}
}

// TestClogDelaysWithoutLoss checks that a clog holds back the notes sent on
// its link in its window until the window closes, loses none, keeps their
// order and leaves other links alone.
func TestClogDelaysWithoutLoss(t *testing.T) {
	links := NewLinks(Latency{Mean: 50})
	w := Window{From: 1000, Until: 5000}
	links.Clogs = []Clog{{Link: Link{From: 0, To: 1}, Window: w}}
	s := New(Config{Seed: 1, Network: links})
	sn := &sender{to: []NodeID{1, 2}, count: 100, burst: 1, gap: 100}
	addProbe(s, sn.script())
	_, rx1 := addProbe(s, script{})
	_, rx2 := addProbe(s, script{})
	require.NoError(t, s.Run(Never))

	seqs, delays := arrivals(rx1.last(), sn, 0)
	require.Equal(t, iota64(100), seqs, "notes over the clogged link, in order")
	for i, d := range delays {
		sent := sn.sentAt[i]
		want := Time(50)
		if w.Contains(sent) {
			want = w.Until + 50 - sent
		}
		require.Equal(t, want, d, "delay of note %d sent at %v over the clogged link", i, sent)
	}
	_, d2 := arrivals(rx2.last(), sn, 0)
	require.Equal(t, slices.Repeat([]Time{50}, 100), d2, "delays over the unclogged link")
}

// TestSpikeSlowsOnlyItsLinks checks that a delay spike adds its latency to
// the notes sent in its window over links that touch its nodes, loses
// none, keeps FIFO order (a note sent after the window waits behind the
// slowed ones), and leaves other links alone.
func TestSpikeSlowsOnlyItsLinks(t *testing.T) {
	links := NewLinks(Latency{Mean: 50})
	w := Window{From: 1000, Until: 5000}
	links.Spikes = []Spike{{Nodes: []NodeID{1}, Extra: 700, Window: w}}
	s := New(Config{Seed: 1, Network: links})
	sn := &sender{to: []NodeID{1, 2}, count: 100, burst: 1, gap: 100}
	addProbe(s, sn.script())
	_, rx1 := addProbe(s, script{})
	_, rx2 := addProbe(s, script{})
	require.NoError(t, s.Run(Never))

	seqs, delays := arrivals(rx1.last(), sn, 0)
	require.Equal(t, iota64(100), seqs, "notes over the slowed link, in order")
	lastSlow := Time(0)
	for i, d := range delays {
		sent := sn.sentAt[i]
		want := Time(50)
		if w.Contains(sent) {
			want, lastSlow = 750, sent+750
		}
		want = max(want, lastSlow-sent) // FIFO behind the last slowed note
		require.Equal(t, want, d, "delay of note %d sent at %v over the slowed link", i, sent)
	}
	_, d2 := arrivals(rx2.last(), sn, 0)
	require.Equal(t, slices.Repeat([]Time{50}, 100), d2, "delays over a link the spike does not touch")
}

// TestDropAndDup checks the loss and duplication probabilities by counting
// what arrives out of 10000 sends. The bounds are more than six standard
// deviations wide; the run is deterministic anyway.
func TestDropAndDup(t *testing.T) {
	const n = 10000
	for _, tc := range []struct {
		drop, dup float64
		lo, hi    int // deliveries
		copiesMax int
	}{
		{0, 0, n, n, 1},
		{0.3, 0, 6700, 7300, 1},
		{1, 0, 0, 0, 0},
		{0, 0.25, 12200, 12800, 2},
		{0, 1, 2 * n, 2 * n, 2},
		{0.5, 0.5, 7200, 7800, 2},
	} {
		links := NewLinks(Latency{Mean: 100, Jitter: 100})
		links.DropProb, links.DupProb = tc.drop, tc.dup
		seqs, _, _ := oneLink(t, 11, links, n, 10, 10)
		require.GreaterOrEqual(t, len(seqs), tc.lo, "deliveries with drop=%v dup=%v", tc.drop, tc.dup)
		require.LessOrEqual(t, len(seqs), tc.hi, "deliveries with drop=%v dup=%v", tc.drop, tc.dup)
		copies := map[int64]int{}
		for _, q := range seqs {
			copies[q]++
		}
		most := 0
		for _, c := range copies {
			most = max(most, c)
		}
		require.Equal(t, tc.copiesMax, most, "most copies of one note with drop=%v dup=%v", tc.drop, tc.dup)
		require.True(t, slices.IsSorted(seqs), "FIFO order with drop=%v dup=%v", tc.drop, tc.dup)
	}
}

// TestLinksZeroValue checks a Links built as a literal (no NewLinks) works.
func TestLinksZeroValue(t *testing.T) {
	seqs, delays, _ := oneLink(t, 1, &Links{Default: Latency{Mean: 300, Jitter: 200}}, 100, 5, 1)
	require.Equal(t, iota64(100), seqs, "receive order over a literal Links")
	require.LessOrEqual(t, slices.Max(delays), Time(2000), "largest delay")
}
