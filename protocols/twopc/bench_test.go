package twopc_test

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/flowtx/flowtx/protocols/twopc"
	"github.com/flowtx/flowtx/runtime"
)

// BenchmarkSharedLocks compares exclusive and shared locks under each
// conflict policy on a read-heavy workload: closed-loop clients run
// transactions over benchKeys hot accounts, 90% of them reading
// benchReadKeys accounts, 10% moving 1 between two. With Shared the reads
// are read-only calls. A retryable outcome is resubmitted after a random
// backoff counted in packets delivered. The job
// is benchWorkers runtime.Workers without checkpoints, stepped on this
// goroutine; a seeded PRNG picks which link delivers next, so transactions
// interleave. It reports committed transactions per wall-second (the
// protocol's CPU cost and its conflicts, not a network's latency),
// retries per commit, and the p50/p99 wall latency of a transaction.
func BenchmarkSharedLocks(b *testing.B) {
	for _, shared := range []bool{false, true} {
		for _, c := range []twopc.Conflict{twopc.Wait, twopc.NoWait, twopc.WaitDie} {
			name := fmt.Sprintf("locks=exclusive/%v", c)
			if shared {
				name = fmt.Sprintf("locks=shared/%v", c)
			}
			b.Run(name, func(b *testing.B) {
				var committed, retries int
				var lat []time.Duration
				start := time.Now()
				for i := 0; b.Loop(); i++ {
					j := newBenchJob(b, uint64(i+1), c, shared)
					j.run(b)
					committed, retries = committed+j.committed, retries+j.retries
					lat = append(lat, j.latencies...)
				}
				wall := time.Since(start)
				slices.Sort(lat)
				b.ReportMetric(float64(committed)/wall.Seconds(), "committed/s")
				b.ReportMetric(float64(retries)/float64(committed), "retries/commit")
				b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "p50-ms")
				b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds())/1000, "p99-ms")
			})
		}
	}
}

const (
	benchWorkers    = 4
	benchClients    = 32
	benchTxns       = 10 // per client
	benchKeys       = 64
	benchReadKeys   = 4
	benchReadShare  = 90 // percent
	benchStepsMax   = 10_000_000
	benchRetriesMax = 100_000 // per transaction
)

// benchJob is the job and its clients. Its host queues every packet on a
// FIFO link per pair of workers.
type benchJob struct {
	rng       *rand.Rand
	shared    bool
	reg       *runtime.Registry
	workers   []*runtime.Worker
	links     map[[2]runtime.WorkerID][]runtime.Packet
	live      [][2]runtime.WorkerID // links with packets, in the order they filled
	ingress   [][]runtime.Request
	clients   []benchClient
	ready     []int // clients with a transaction to submit: never from inside a worker's callback
	backoff   []benchRetry
	step      int // packets delivered so far: the harness's clock
	kicks     []benchKick
	committed int
	retries   int
	latencies []time.Duration
}

// benchRetry is a client waiting to resubmit a retryable transaction
// until the harness has delivered packets up to step at.
type benchRetry struct {
	client, at int
}

// benchKick is a worker's kick timer: it yields after a batch of
// invocations and resumes when the timer fires, which here is next.
type benchKick struct {
	w runtime.WorkerID
	t runtime.Timer
}

type benchClient struct {
	txn     int // transactions done
	seq     uint64
	started time.Time
	tries   int
	calls   []twopc.Call
}

func newBenchJob(b *testing.B, seed uint64, c twopc.Conflict, shared bool) *benchJob {
	j := &benchJob{rng: rand.New(rand.NewPCG(seed, 7)), shared: shared, reg: runtime.NewRegistry(),
		links: map[[2]runtime.WorkerID][]runtime.Packet{}, ingress: make([][]runtime.Request, benchWorkers),
		clients: make([]benchClient, benchClients)}
	check(b, j.reg.Register("account", benchAccount))
	check(b, twopc.Register(j.reg, "2pc", twopc.Coordinator{Begin: j.begin, Decided: j.decided}))
	pipeline := &twopc.Participant{Conflict: c}
	for i := range benchWorkers {
		w, err := runtime.NewWorker(runtime.Config{ID: runtime.WorkerID(i), Workers: benchWorkers, Registry: j.reg, Pipeline: pipeline},
			benchHost{j: j, id: runtime.WorkerID(i)})
		check(b, err)
		w.Start()
		w.Control(runtime.Control{Kind: runtime.Restore, Gen: 1})
		j.workers = append(j.workers, w)
	}
	return j
}

func check(b *testing.B, err error) {
	if err != nil {
		b.Fatal(err)
	}
}

// benchAccount reads a balance or adds to it; accounts start at 0.
func benchAccount(ctx runtime.Context, msg runtime.Message) error {
	v, _ := ctx.Get("balance")
	balance, _ := runtime.Int64Codec.Decode(v)
	if msg.Kind == "add" {
		n, err := msg.Int64()
		if err != nil {
			return err
		}
		balance += n
		ctx.Set("balance", runtime.Int64Codec.Encode(balance))
	}
	ctx.Reply(runtime.Int64Message("balance", balance))
	return nil
}

// begin declares the calls the client drew for its transaction; the
// request's body is the client's number.
func (j *benchJob) begin(_ runtime.Context, msg runtime.Message) ([]twopc.Call, error) {
	c, err := msg.Int64()
	if err != nil {
		return nil, err
	}
	return j.clients[c].calls, nil
}

func (j *benchJob) decided(ctx runtime.Context, o twopc.Outcome) {
	ctx.Reply(runtime.Message{Kind: o.Status.String()})
}

func (j *benchJob) account(k int) runtime.Address {
	return runtime.Address{Type: "account", ID: strconv.Itoa(k)}
}

// draw picks client c's next transaction.
func (j *benchJob) draw(c int) {
	cl := &j.clients[c]
	keys := j.rng.Perm(benchKeys)
	if j.rng.IntN(100) < benchReadShare {
		cl.calls = make([]twopc.Call, benchReadKeys)
		for i := range cl.calls {
			cl.calls[i] = twopc.Call{To: j.account(keys[i]), Msg: runtime.Message{Kind: "read"}, ReadOnly: j.shared}
		}
		return
	}
	cl.calls = []twopc.Call{{To: j.account(keys[0]), Msg: runtime.Int64Message("add", -1)},
		{To: j.account(keys[1]), Msg: runtime.Int64Message("add", 1)}}
}

// submit sends client c's transaction to a fresh coordinator instance.
func (j *benchJob) submit(c int) {
	cl := &j.clients[c]
	cl.seq++
	to := runtime.Address{Type: "2pc", ID: fmt.Sprintf("c%d-%d", c, cl.seq)}
	w := j.workers[0].Owner(to)
	j.ingress[w] = append(j.ingress[w], runtime.Request{ID: runtime.RequestID{Client: runtime.ClientID(c), Seq: cl.seq},
		To: to, Msg: runtime.Int64Message("run", int64(c))})
	j.workers[w].PollIngress()
}

func (j *benchJob) run(b *testing.B) {
	for c := range j.clients {
		j.clients[c].started = time.Now()
		j.draw(c)
		j.ready = append(j.ready, c)
	}
	for range benchStepsMax {
		j.resubmitDue()
		for len(j.ready) > 0 {
			c := j.ready[0]
			j.ready = j.ready[1:]
			j.submit(c)
		}
		for len(j.kicks) > 0 {
			k := j.kicks[0]
			j.kicks = j.kicks[1:]
			j.workers[k.w].Fire(k.t)
		}
		if len(j.live) == 0 && len(j.backoff) > 0 {
			j.step = j.backoff[0].at // nothing in flight: skip to the next retry
			continue
		}
		if len(j.live) == 0 && len(j.ready) == 0 {
			for c := range j.clients {
				if j.clients[c].txn < benchTxns {
					b.Fatalf("client %d stuck after %d transactions", c, j.clients[c].txn)
				}
			}
			return
		}
		i := j.rng.IntN(len(j.live))
		l := j.live[i]
		q := j.links[l]
		p := q[0]
		if len(q) == 1 {
			delete(j.links, l)
			j.live = slices.Delete(j.live, i, i+1)
		} else {
			j.links[l] = q[1:]
		}
		j.step++
		j.workers[l[1]].Receive(l[0], p)
	}
	b.Fatalf("still busy after %d steps", benchStepsMax)
}

// answer handles a coordinator's outcome for client c.
func (j *benchJob) answer(r runtime.Response) {
	c := int(r.Request.Client)
	cl := &j.clients[c]
	switch r.Msg.Kind {
	case twopc.Retryable.String():
		cl.tries++
		j.retries++
		if cl.tries > benchRetriesMax {
			panic(fmt.Sprintf("client %d: %d retries", c, cl.tries))
		}
		j.retryLater(c, cl.tries)
		return
	case twopc.Committed.String():
		j.committed++
	}
	j.latencies = append(j.latencies, time.Since(cl.started))
	cl.txn, cl.tries = cl.txn+1, 0
	if cl.txn < benchTxns {
		cl.started = time.Now()
		j.draw(c)
		j.ready = append(j.ready, c)
	}
}

// retryLater resubmits client c's transaction after a random backoff,
// measured in packets delivered, that doubles with each retry (up to
// 2^10): resubmitting at once lets two no-wait transactions that each
// hold what the other wants collide again and again for ever.
func (j *benchJob) retryLater(c, tries int) {
	at := j.step + 1 + j.rng.IntN(1<<min(tries, 10))
	i, _ := slices.BinarySearchFunc(j.backoff, at, func(r benchRetry, at int) int { return r.at - at })
	j.backoff = slices.Insert(j.backoff, i, benchRetry{client: c, at: at})
}

// resubmitDue moves the clients whose backoff is over to ready.
func (j *benchJob) resubmitDue() {
	for len(j.backoff) > 0 && j.backoff[0].at <= j.step {
		j.ready = append(j.ready, j.backoff[0].client)
		j.backoff = j.backoff[1:]
	}
}

type benchHost struct {
	j  *benchJob
	id runtime.WorkerID
}

func (h benchHost) Now() runtime.Micros { return 0 }

func (h benchHost) Send(to runtime.WorkerID, p runtime.Packet) {
	l := [2]runtime.WorkerID{h.id, to}
	if len(h.j.links[l]) == 0 {
		h.j.live = append(h.j.live, l)
	}
	h.j.links[l] = append(h.j.links[l], p)
}

func (h benchHost) Tell(runtime.Control) {}

// After keeps only kick timers: the job has no checkpoints, heartbeats or
// delayed messages, and a worker that yielded after a batch of invocations
// waits for its kick to go on.
func (h benchHost) After(_ runtime.Micros, t runtime.Timer) {
	if t.Kind == runtime.TimerKick {
		h.j.kicks = append(h.j.kicks, benchKick{w: h.id, t: t})
	}
}
func (h benchHost) Store(runtime.StoreRequest) {}
func (h benchHost) ReadIngress(from runtime.Offset, max int) []runtime.Request {
	p := h.j.ingress[h.id]
	if int(from) >= len(p) {
		return nil
	}
	return p[from:min(len(p), int(from)+max)]
}

func (h benchHost) Release(b runtime.EgressBatch) {
	for _, r := range b.Responses {
		h.j.answer(r)
	}
}
