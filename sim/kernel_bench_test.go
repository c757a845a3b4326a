package sim

import (
	"runtime"
	"testing"
	"time"
)

// baton is the benchmarks' message: a pointer, so passing it on allocates
// nothing and the numbers measure the kernel alone.
type baton struct{ n uint64 }

func (t *baton) Fingerprint() uint64 { return t.n }

// relay passes every baton it receives to the next node, or, in timer mode,
// re-arms every timer it fires; at start it puts tokens tokens in motion.
type relay struct {
	env    Env
	nodes  int
	tokens int
	timers bool
	delay  Time
}

func (r *relay) Start(env Env) {
	r.env = env
	for i := range r.tokens {
		bat := &baton{n: uint64(i)}
		if r.timers {
			env.After(r.delay+Time(i), bat)
		} else {
			env.Send(r.next(), bat)
		}
	}
}

func (r *relay) next() NodeID { return NodeID((int(r.env.Self()) + 1) % r.nodes) }

func (r *relay) Receive(_ NodeID, m Message) { r.env.Send(r.next(), m) }
func (r *relay) Fire(m Message)              { r.env.After(r.delay, m) }
func (r *relay) Stored(StoreResult)          {}

// BenchmarkKernel measures bare event throughput: 64 nodes passing 16
// tokens each around a ring (or re-arming 16 timers each), so the queue
// holds about a thousand events. One op is one event.
func BenchmarkKernel(b *testing.B) {
	for _, bc := range []struct {
		name    string
		latency Latency
		timers  bool
	}{
		{"messages/zero-latency", Latency{}, false},
		{"messages/jitter", Latency{Mean: 100, Jitter: 50}, false},
		{"timers", Latency{}, true},
	} {
		b.Run(bc.name, func(b *testing.B) {
			const nodes, tokens = 64, 16
			s := New(Config{Seed: 1, Network: NewLinks(bc.latency), EventsMax: int64(b.N)})
			for range nodes {
				s.AddNode(func() Process {
					return &relay{nodes: nodes, tokens: tokens, timers: bc.timers, delay: 10}
				})
			}
			b.ReportAllocs()
			b.ResetTimer()
			start := time.Now()
			if err := s.Run(Never); err != ErrEventsMax {
				b.Fatalf("Run(Never) = %v; want ErrEventsMax", err)
			}
			elapsed := time.Since(start)
			b.StopTimer()
			b.ReportMetric(float64(s.Events())/elapsed.Seconds(), "events/s")
		})
	}
}

// BenchmarkPendingEvents measures the heap each queued event costs: one
// process sets a million timers, and the heap grows by B/pending-event for
// each, slice growth slack included.
func BenchmarkPendingEvents(b *testing.B) {
	const pending = 1 << 20
	bat := &baton{}
	var perEvent float64
	for range b.N {
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		s := New(Config{Seed: 1})
		s.AddNode(func() Process {
			return &probe{script: script{start: func(p *probe) {
				for i := range pending {
					p.env.After(Time(i%1000)+1, bat)
				}
			}}}
		})
		if err := s.Step(); err != nil {
			b.Fatalf("Step() = %v; want nil", err)
		}
		runtime.GC()
		runtime.ReadMemStats(&after)
		if s.Pending() != pending {
			b.Fatalf("Pending() = %d; want %d", s.Pending(), pending)
		}
		perEvent = float64(after.HeapAlloc-before.HeapAlloc) / pending
		runtime.KeepAlive(s)
	}
	b.ReportMetric(perEvent, "B/pending-event")
}
