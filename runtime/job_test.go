package runtime

import (
	"sort"
	"testing"

	"github.com/stretchr/testify/require"
)

// testJob is a minimal deterministic driver for unit tests: workers, a
// virtual clock, FIFO channels with a fixed latency, timers and one ingress
// partition per worker.
type testJob struct {
	t         *testing.T
	now       Micros
	latency   Micros
	workers   []*Worker
	ingress   [][]Request
	pending   []jobEvent
	seq       int
	responses []Response
}

type jobEvent struct {
	at       Micros
	seq      int
	to, from WorkerID
	packet   Packet
	timer    *Timer
}

type jobHost struct {
	job *testJob
	id  WorkerID
}

func (h jobHost) Now() Micros { return h.job.now }
func (h jobHost) Send(to WorkerID, p Packet) {
	h.job.schedule(jobEvent{at: h.job.now + h.job.latency, to: to, from: h.id, packet: p})
}

// After drops heartbeats: this job has no coordinator, and would never
// quiesce with them.
func (h jobHost) After(d Micros, t Timer) {
	if t.Kind != TimerHeartbeat {
		h.job.schedule(jobEvent{at: h.job.now + d, to: h.id, from: h.id, timer: &t})
	}
}
func (h jobHost) Release(b EgressBatch) { h.job.responses = append(h.job.responses, b.Responses...) }
func (h jobHost) Tell(Control)          {}
func (h jobHost) Store(StoreRequest)    { h.job.t.Fatal("unit-test workers do not checkpoint") }
func (h jobHost) ReadIngress(from Offset, max int) []Request {
	recs := h.job.ingress[h.id]
	if int(from) >= len(recs) {
		return nil
	}
	return recs[from:min(len(recs), int(from)+max)]
}

func newTestJob(t *testing.T, workers int, reg *Registry, tweak func(*Config)) *testJob {
	j := &testJob{t: t, latency: 100, ingress: make([][]Request, workers)}
	for i := range workers {
		cfg := Config{ID: WorkerID(i), Workers: workers, Registry: reg}
		if tweak != nil {
			tweak(&cfg)
		}
		w, err := NewWorker(cfg, jobHost{job: j, id: WorkerID(i)})
		require.NoError(t, err)
		j.workers = append(j.workers, w)
	}
	for _, w := range j.workers {
		w.Start()
		w.Control(Control{Kind: Restore, Gen: 1})
	}
	return j
}

func (j *testJob) schedule(e jobEvent) {
	j.seq++
	e.seq = j.seq
	j.pending = append(j.pending, e)
}

// submit appends a request to the ingress of the worker owning its target.
func (j *testJob) submit(r Request) {
	w := j.workers[0].Owner(r.To)
	j.ingress[w] = append(j.ingress[w], r)
	j.workers[w].PollIngress()
}

// run delivers events in (time, seq) order until none is left.
func (j *testJob) run() {
	for steps := 0; len(j.pending) > 0; steps++ {
		require.Less(j.t, steps, 1_000_000, "test job does not quiesce")
		sort.Slice(j.pending, func(a, b int) bool {
			pa, pb := j.pending[a], j.pending[b]
			return pa.at < pb.at || (pa.at == pb.at && pa.seq < pb.seq)
		})
		e := j.pending[0]
		j.pending = j.pending[1:]
		j.now = e.at
		if e.packet != nil {
			j.workers[e.to].Receive(e.from, e.packet)
		} else {
			j.workers[e.to].Fire(*e.timer)
		}
	}
}

// state returns the named state of a, wherever it lives.
func (j *testJob) state(a Address, name string) ([]byte, bool) {
	v, ok := j.workers[j.workers[0].Owner(a)].State(a)[name]
	return v, ok
}
