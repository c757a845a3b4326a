package faults

import (
	"math/rand/v2"
	"sort"

	"github.com/flowtx/flowtx/sim"
)

// DrawClientTimeouts draws count client timeouts at random times in
// [0, span), each of a random one of clients.
func DrawClientTimeouts(clients, count int, span sim.Time, rng *rand.Rand) Schedule {
	s := make(Schedule, 0, count)
	for range count {
		s = append(s, Event{At: sim.Time(rng.Int64N(int64(span))), Kind: ClientTimeout, Client: rng.IntN(clients)})
	}
	sort.SliceStable(s, func(i, j int) bool { return s[i].At < s[j].At })
	return s
}
