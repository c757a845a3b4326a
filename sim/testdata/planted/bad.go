// Package planted is the known-bad fixture of the determinism lint
// (sim/determinism_test.go). Every line that breaks a rule ends with
// `// want: rule`; the lint must report exactly those lines and rules.
// Lines without a mark are near misses the lint must let through.
package planted

import (
	crand "crypto/rand" // want: banned-import
	"maps"
	mrand "math/rand" // want: banned-import
	"math/rand/v2"
	"net"     // want: banned-import
	"os"      // want: banned-import
	"os/exec" // want: banned-import
	"slices"
	"sort"
	"strings"
	"sync"        // want: banned-import
	"sync/atomic" // allowed: counters order nothing
	"time"        // want: banned-import
)

var (
	mu      sync.Mutex
	counter atomic.Int64
)

func goroutines(ch chan int) {
	go func() { ch <- 1 }() // want: go-statement
}

func selects(a, b chan int) int {
	select { // want: select
	case v := <-a:
		return v
	case b <- 1:
	}
	select { // one case and a default: a deterministic poll
	case v := <-a:
		return v
	default:
	}
	return 0
}

func clocks() time.Duration {
	start := time.Now()               // want: time-call
	time.Sleep(5 * time.Millisecond)  // want: time-call
	return time.Since(start).Round(1) // want: time-call
}

func shadowed() int {
	time := struct{ Now func() int }{Now: func() int { return 1 }}
	return time.Now() // a local variable, not the time package
}

func randomness(seed uint64) int {
	r := rand.New(rand.NewPCG(seed, 1)) // seeded: fine
	n := r.IntN(10)
	n += rand.IntN(10)  // want: rand-global
	n += mrand.Intn(10) // the import is the violation
	_, _ = crand.Read(make([]byte, 8))
	return n
}

type ledger map[string]int

func maporder(m map[string]int, l ledger, out chan string) int {
	for k := range m { // want: map-range
		out <- k
	}
	for k := range l { // want: map-range
		out <- k
	}
	for k := range maps.Keys(m) { // want: map-range
		out <- k
	}
	for k, v := range maps.All(l) { // want: map-range
		out <- k + string(rune(v))
	}
	sum := 0
	// order-independent: addition commutes.
	for _, v := range m {
		sum += v
	}
	for _, v := range l { // order-independent: addition commutes
		sum += v
	}
	for _, k := range slices.Sorted(maps.Keys(m)) {
		out <- k
	}
	for i := range []int{1, 2} {
		sum += i
	}
	return sum
}

func world() {
	_ = os.Getenv("HOME")
	_, _ = net.Dial("tcp", "localhost:1")
	_ = exec.Command("true")
	mu.Lock()
	counter.Add(1)
	mu.Unlock()
}

// The lint accepts ranges whose iterations commute or whose result is
// sorted right after; near misses of those idioms must still be caught.
func idioms(m map[string]int, f map[string]float64, out chan string) (int, float64, []string) {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var vals []int
	for _, v := range m {
		vals = append(vals, v)
	}
	slices.Sort(vals)
	var unsorted []string
	for k := range m { // want: map-range
		unsorted = append(unsorted, k)
	}
	total, count := 0, 0
	copied := map[string]int{}
	for k, v := range m {
		total += v
		count++
		copied[k] = v * 2
		delete(copied, k)
	}
	h := 0
	for k := range m { // want: map-range
		h += h*31 + len(k)
	}
	for k := range m { // want: map-range
		copied[k] = len(copied)
	}
	var fsum float64
	for k := range f { // want: map-range
		fsum += f[k]
	}
	for k, v := range m { // want: map-range
		copied[k] = v
		out <- k
	}
	for k := range m { // want: map-range
		copied[k] = total + len(<-out)
	}
	return total + count + h, fsum, append(unsorted, keys...)
}

func filters(m map[string]int, out chan string) ([]string, []string, int) {
	var kept []string
	for k := range m {
		if strings.HasPrefix(k, "a") {
			kept = append(kept, k)
		}
	}
	sort.Strings(kept)
	var sent []string
	for k := range m { // want: map-range
		if k == <-out {
			sent = append(sent, k)
		}
	}
	sort.Strings(sent)
	size := 0
	for _, v := range m {
		size += v
	}
	other := map[string]int{}
	for _, v := range m { // want: map-range
		other["x"] = v
	}
	return kept, sent, size + len(other)
}
