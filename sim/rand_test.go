package sim

import (
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"
)

func draws(r *rand.Rand, n int) []uint64 {
	out := make([]uint64, n)
	for i := range out {
		out[i] = r.Uint64()
	}
	return out
}

func TestStreamSameNameSameSequence(t *testing.T) {
	s := NewStreams(99)
	require.Equal(t, draws(s.Stream("network"), 100), draws(s.Stream("network"), 100),
		"two Stream(network) of seed 99")
	require.Equal(t, draws(s.Stream("faults"), 100), draws(NewStreams(99).Stream("faults"), 100),
		"Stream(faults) of two Streams seeded 99")
	require.Equal(t, draws(s.Stream("w"), 10), draws(New(Config{Seed: 99}).Stream("w"), 10),
		"Streams.Stream(w) and Sim.Stream(w) with seed 99")
	require.Equal(t, uint64(99), s.Seed(), "Seed()")
}

func TestStreamDifferentNamesDifferentSequences(t *testing.T) {
	s := NewStreams(99)
	names := []string{"", "network", "storage", "faults", "workload", "a", "b", "ab", "ba", "node/1", "node/2"}
	seen := map[uint64]string{}
	for _, name := range names {
		first := s.Stream(name).Uint64()
		prev, dup := seen[first]
		require.False(t, dup, "Stream(%q) and Stream(%q) start with the same draw %x", prev, name, first)
		seen[first] = name
	}
	require.NotEqual(t, draws(NewStreams(1).Stream("x"), 4), draws(NewStreams(2).Stream("x"), 4),
		"Stream(x) of seeds 1 and 2")
}

// TestStreamsIndependent checks the point of streams: drawing more from one
// does not shift another.
func TestStreamsIndependent(t *testing.T) {
	s := NewStreams(7)
	want := draws(s.Stream("workload"), 20)
	faults := s.Stream("faults")
	draws(faults, 1000)
	require.Equal(t, want, draws(s.Stream("workload"), 20), "workload stream after 1000 fault draws")
}

func TestMix64Bijective(t *testing.T) {
	seen := map[uint64]uint64{}
	for x := uint64(0); x < 1<<16; x++ {
		y := mix64(x)
		prev, dup := seen[y]
		require.False(t, dup, "mix64(%d) = mix64(%d) = %x", prev, x, y)
		seen[y] = x
	}
}
