package sim

import (
	"hash/fnv"
	"math/rand/v2"
)

// Streams derives independent PRNG streams from one run seed, one per
// subsystem, so that a new draw in one subsystem (say, one more fault) does
// not shift the numbers any other subsystem sees.
type Streams struct {
	seed uint64
}

// NewStreams returns the stream source for a run seeded with seed.
func NewStreams(seed uint64) Streams {
	return Streams{seed: seed}
}

// Seed returns the run seed the streams derive from.
func (s Streams) Seed() uint64 { return s.seed }

// Stream returns a fresh PCG generator for the named subsystem. Two calls with
// the same name return generators that produce the same sequence.
func (s Streams) Stream(name string) *rand.Rand {
	h := fnv.New64a()
	h.Write([]byte(name))
	return rand.New(rand.NewPCG(s.seed, mix64(h.Sum64())))
}

// mix64 is the splitmix64 finaliser: a cheap bijection that spreads every
// input bit over the whole word.
func mix64(x uint64) uint64 {
	x ^= x >> 30
	x *= 0xbf58476d1ce4e5b9
	x ^= x >> 27
	x *= 0x94d049bb133111eb
	x ^= x >> 31
	return x
}
