package sim

import (
	"slices"
	"testing"

	"github.com/stretchr/testify/require"
	"pgregory.net/rapid"
)

// replayConfig is the chatter workload the same-seed tests run: jitter,
// duplication, store writes, a crash and a restart.
func replayConfig(seed uint64) chatterConfig {
	return chatterConfig{Seed: seed, Nodes: 4, Latency: Latency{Mean: 200, Jitter: 150},
		DupProb: 0.05, DropProb: 0.05, Sends: 100, StoreEvery: 10, Crash: true}
}

// runHash runs s dry and returns its trace hash and event count.
func runHash(t require.TestingT, s *Sim) (TraceHash, int64) {
	require.NoError(t, s.Run(Never))
	return s.Hash(), s.Events()
}

func TestSameSeedSameHash(t *testing.T) {
	h1, n1 := runHash(t, newChatter(replayConfig(42)))
	h2, n2 := runHash(t, newChatter(replayConfig(42)))
	require.Greater(t, n1, int64(1000), "events in the run")
	require.Equal(t, n1, n2, "events of two runs with seed 42")
	require.Equal(t, h1, h2, "trace hash of two runs with seed 42")
}

func TestDifferentSeedsDifferentHashes(t *testing.T) {
	seen := map[TraceHash]uint64{}
	for seed := uint64(1); seed <= 20; seed++ {
		h, _ := runHash(t, newChatter(replayConfig(seed)))
		prev, dup := seen[h]
		require.False(t, dup, "seeds %d and %d give the same hash %v", prev, seed, h)
		seen[h] = seed
	}
}

// TestTracerDoesNotChangeRun checks that tracing a run leaves its hash alone.
func TestTracerDoesNotChangeRun(t *testing.T) {
	plain, _ := runHash(t, newChatter(replayConfig(5)))
	traced := newChatter(replayConfig(5))
	events := 0
	traced.SetTracer(func(TraceEvent) { events++ })
	h, _ := runHash(t, traced)
	require.Equal(t, plain, h, "hash of a traced run")
	require.NotZero(t, events, "events the tracer saw")
}

// TestHashSeesOneChangedEvent checks the hash notices a single changed
// message: the same run with one ping's payload altered ends elsewhere.
func TestHashSeesOneChangedEvent(t *testing.T) {
	run := func(alter bool) TraceHash {
		s := New(Config{Seed: 1})
		addProbe(s, script{start: func(p *probe) {
			for i := range int64(50) {
				n := i
				if alter && i == 25 {
					n = 1000
				}
				p.env.Send(1, note{Tag: "ping", N: n})
			}
		}})
		addProbe(s, script{})
		h, _ := runHash(t, s)
		return h
	}
	require.Equal(t, run(false), run(false), "hash of the unaltered run twice")
	require.NotEqual(t, run(false), run(true), "hash with one payload altered")
}

// TestDeterminismProperty draws random workloads and checks that two runs
// of each agree on the trace hash and the event count.
func TestDeterminismProperty(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		mean := Time(rapid.Int64Range(0, 1000).Draw(t, "latencyMean"))
		cfg := chatterConfig{
			Seed:       rapid.Uint64().Draw(t, "seed"),
			Nodes:      rapid.IntRange(1, 6).Draw(t, "nodes"),
			Latency:    Latency{Mean: mean, Jitter: Time(rapid.Int64Range(0, int64(mean)).Draw(t, "jitter"))},
			DropProb:   rapid.Float64Range(0, 0.5).Draw(t, "dropProb"),
			DupProb:    rapid.Float64Range(0, 0.3).Draw(t, "dupProb"),
			Reorder:    rapid.Bool().Draw(t, "reorder"),
			Sends:      rapid.IntRange(0, 60).Draw(t, "sends"),
			StoreEvery: rapid.IntRange(0, 10).Draw(t, "storeEvery"),
			Crash:      rapid.Bool().Draw(t, "crash"),
		}
		h1, n1 := runHash(t, newChatter(cfg))
		h2, n2 := runHash(t, newChatter(cfg))
		if n1 != n2 || h1 != h2 {
			t.Fatalf("two runs of %+v: (hash, events) = (%v, %d) then (%v, %d); want equal", cfg, h1, n1, h2, n2)
		}
	})
}

// mapOrder is the known-bad process: it sends one note per key of a Go map
// in map iteration order, which Go randomizes per range statement. With
// sorted set, it sorts the keys first, as the determinism rules demand.
type mapOrder struct {
	sorted bool
}

func (p *mapOrder) Start(env Env) {
	if env.Self() != 0 {
		return
	}
	keys := make(map[int64]bool, 64)
	for k := range int64(64) {
		keys[k] = true
	}
	order := make([]int64, 0, len(keys))
	for k := range keys {
		order = append(order, k)
	}
	if p.sorted {
		slices.Sort(order)
	}
	for _, k := range order {
		env.Send(1, note{Tag: "key", N: k})
	}
}

func (p *mapOrder) Receive(NodeID, Message) {}
func (p *mapOrder) Fire(Message)            {}
func (p *mapOrder) Stored(StoreResult)      {}

func mapOrderHash(t *testing.T, sorted bool) TraceHash {
	s := New(Config{Seed: 1})
	for range 2 {
		s.AddNode(func() Process { return &mapOrder{sorted: sorted} })
	}
	h, _ := runHash(t, s)
	return h
}

// TestHashCatchesMapOrder shows the same-seed check catches behaviour that
// depends on map iteration order: two runs of the bad process differ (64!
// orders; the chance that five pairs all agree is negligible), while the
// sorted variant agrees.
func TestHashCatchesMapOrder(t *testing.T) {
	differ := false
	for range 5 {
		if mapOrderHash(t, false) != mapOrderHash(t, false) {
			differ = true
			break
		}
	}
	require.True(t, differ, "two same-seed runs of a map-order-dependent process never differed in 5 tries")
	require.Equal(t, mapOrderHash(t, true), mapOrderHash(t, true), "hash of the sorted variant twice")
}

// TestTraceHashGolden pins the hash of one run. Recorded seeds replay only
// while it holds: a deliberate change to the kernel, its network or storage
// model, the trace hash or the chatter workload updates it (and says so);
// any other change that moves it is a determinism regression.
func TestTraceHashGolden(t *testing.T) {
	h, n := runHash(t, newChatter(replayConfig(42)))
	require.Equal(t, int64(1262), n, "events of chatter seed 42")
	require.Equal(t, "8c308422b2e87954", h.String(), "trace hash of chatter seed 42")
}
