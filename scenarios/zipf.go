package scenarios

import (
	"math"
	"math/rand/v2"
)

// zipfian draws keys 0..n-1 with YCSB's Zipfian distribution (Gray et al.,
// "Quickly generating billion-record synthetic databases"): key 0 is the
// most popular, and theta < 1 is allowed, which math/rand's Zipf is not.
type zipfian struct {
	n                  int
	theta, alpha, eta  float64
	zetaN, halfPowTerm float64
}

// newZipfian precomputes the distribution for n keys; O(n) once per run.
func newZipfian(n int, theta float64) *zipfian {
	zeta := func(k int) float64 {
		sum := 0.0
		for i := 1; i <= k; i++ {
			sum += 1 / math.Pow(float64(i), theta)
		}
		return sum
	}
	z := &zipfian{n: n, theta: theta, alpha: 1 / (1 - theta), zetaN: zeta(n)}
	z.eta = (1 - math.Pow(2/float64(n), 1-theta)) / (1 - zeta(2)/z.zetaN)
	z.halfPowTerm = 1 + math.Pow(0.5, theta)
	return z
}

func (z *zipfian) draw(rng *rand.Rand) int {
	u := rng.Float64()
	uz := u * z.zetaN
	switch {
	case uz < 1:
		return 0
	case uz < z.halfPowTerm:
		return min(1, z.n-1)
	}
	return min(int(float64(z.n)*math.Pow(z.eta*u-z.eta+1, z.alpha)), z.n-1)
}
