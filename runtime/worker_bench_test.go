package runtime

import (
	"fmt"
	goruntime "runtime"
	"testing"
)

// nullHost drops everything a worker hands it: the benchmarks below
// measure the worker alone.
type nullHost struct{}

func (nullHost) Now() Micros                       { return 0 }
func (nullHost) Send(WorkerID, Packet)             {}
func (nullHost) Tell(Control)                      {}
func (nullHost) After(Micros, Timer)               {}
func (nullHost) Release(EgressBatch)               {}
func (nullHost) ReadIngress(Offset, int) []Request { return nil }
func (nullHost) Store(StoreRequest)                {}

var counterState = Value[int64]{Name: "n", Codec: Int64Codec}

func counter(ctx Context, _ Message) error {
	n, _ := counterState.Get(ctx)
	counterState.Set(ctx, n+1)
	return nil
}

func benchWorker(b *testing.B) *Worker {
	reg := NewRegistry()
	if err := reg.Register("counter", counter); err != nil {
		b.Fatal(err)
	}
	w, err := NewWorker(Config{Workers: 1, Registry: reg}, nullHost{})
	if err != nil {
		b.Fatal(err)
	}
	w.Start()
	w.Control(Control{Kind: Restore, Gen: 1})
	return w
}

// BenchmarkInvoke is one invocation (state read, state write) on a warm
// instance, without any network: the worker's own cost.
func BenchmarkInvoke(b *testing.B) {
	w := benchWorker(b)
	t := Transfer{Gen: 1, Envelope: Envelope{To: Address{Type: "counter", ID: "x"}, Msg: Message{Kind: "inc"}}}
	b.ReportAllocs()
	for b.Loop() {
		t.Seq++ // the channel's next packet: a repeat is a broken invariant
		w.Receive(0, t)
	}
}

// BenchmarkInstanceMemory reports the heap an instance with one small
// value costs a worker.
func BenchmarkInstanceMemory(b *testing.B) {
	const instances = 100_000
	ids := make([]string, instances)
	for i := range ids {
		ids[i] = fmt.Sprintf("k%d", i)
	}
	var perInstance float64
	for b.Loop() {
		var before, after goruntime.MemStats
		goruntime.GC()
		goruntime.ReadMemStats(&before)
		w := benchWorker(b)
		for i, id := range ids {
			w.Receive(0, Transfer{Gen: 1, Seq: uint64(i + 1), Envelope: Envelope{To: Address{Type: "counter", ID: id}, Msg: Message{Kind: "inc"}}})
		}
		goruntime.GC()
		goruntime.ReadMemStats(&after)
		perInstance = float64(after.HeapAlloc-before.HeapAlloc) / instances
		goruntime.KeepAlive(w)
	}
	b.ReportMetric(perInstance, "B/instance")
}
