package scenarios

import (
	"fmt"

	"github.com/flowtx/flowtx/runtime"
	"github.com/flowtx/flowtx/sim"
)

// Op is one client request and what the client saw of it: the request, the
// response (if one came) and the call and return times. It is the unit of a
// run's history.
type Op struct {
	// Index is the client operation this request is an attempt of: its
	// position among the client's drawn operations (retries share it).
	Index    int
	Request  runtime.Request
	Response runtime.Response
	Answered bool
	Call     sim.Time
	Return   sim.Time
}

// clientLog is what a client leaves behind for the checks: its history and
// any response it did not expect. The job owns it, so it outlives the client
// process; only that client's goroutine writes it.
type clientLog struct {
	ops        []Op
	unexpected []runtime.Response
	done       bool
}

// Client limits.
const (
	egressPoll     = 20 * sim.Millisecond // a client rereads its egress topic this often, notice or not
	egressBatchMax = 256                  // egress records read per poll
)

// pollTimer is a client's periodic look at its egress topic.
type pollTimer struct{}

func (pollTimer) Fingerprint() uint64 { return 0x9011 }
func (pollTimer) String() string      { return "poll" }

// batchID names an egress batch: the worker and epoch that produced it.
type batchID struct {
	worker runtime.WorkerID
	epoch  runtime.Epoch
}

// client is a closed-loop or an open-loop client. A closed-loop one sends
// one request, waits for its response, and sends the next. An open-loop
// one sends each request at its drawn arrival time, whatever is still in
// flight (Config.ArrivalRate). Either stops when it has sent its share of
// operations and every one is settled.
//
// A request is a record appended to the ingress partition of the worker
// that owns its target, followed by a notice to that worker. Responses
// arrive as batches on the client's egress topic; the client reads it from
// its own offset and keeps the first copy of each batch, as a Kafka
// read-committed consumer would. A retryable answer (a transaction that
// lost a deadlock) is resubmitted under a new request id after a backoff,
// a bounded number of times.
type client struct {
	id        runtime.ClientID
	layout    layout
	requests  []runtime.Request // the requests to send, drawn before the run (shared with the job: read only)
	gaps      []sim.Time        // open loop: time before each request is sent; nil for a closed loop
	log       *clientLog
	onDone    func()
	owner     func(runtime.Address) runtime.WorkerID
	retryable func(runtime.Response) bool

	env      sim.Env
	next     int                       // index of the next op to send
	due      sim.Time                  // open loop: when the last arrival was due
	inflight map[runtime.RequestID]int // requests awaiting an answer -> their entry in log.ops
	attempts []int                     // retries of each op so far
	settled  int                       // ops answered for good
	seq      uint64                    // request ids for retries, after the drawn ones
	offset   sim.Offset
	batches  map[batchID]bool
}

// Retry limits: attempts per operation, and the backoff before the first
// retry, doubled for each further one.
const (
	retriesMax   = 8
	retryBackoff = sim.Millisecond
)

// retryTimer resubmits an operation.
type retryTimer struct{ op int }

func (t retryTimer) Fingerprint() uint64 { return 0x7e7<<32 | uint64(t.op) }
func (t retryTimer) String() string      { return fmt.Sprintf("retry op %d", t.op+1) }

// arrivalTimer sends an open-loop client's next operation.
type arrivalTimer struct{}

func (arrivalTimer) Fingerprint() uint64 { return 0xa771 }
func (arrivalTimer) String() string      { return "arrival" }

func (c *client) Start(env sim.Env) {
	c.env = env
	c.batches = map[batchID]bool{}
	c.inflight = map[runtime.RequestID]int{}
	c.attempts = make([]int, len(c.requests))
	c.seq = uint64(len(c.requests))
	c.env.After(egressPoll, pollTimer{})
	if c.gaps != nil {
		c.due = c.env.Now()
		c.arrive()
		return
	}
	c.sendNext()
}

// sendNext submits the next operation, if any is left.
func (c *client) sendNext() {
	if c.next < len(c.requests) {
		c.next++
		c.submit(c.next-1, c.requests[c.next-1])
	}
	c.finishIfSettled()
}

// arrive waits for the next open-loop arrival, or finishes. Arrivals keep
// their drawn schedule, due times that do not depend on when timers fire:
// in the simulator timers fire on time, but on the wall clock they fire
// late, and waiting a whole gap after each late one would offer less than
// the drawn rate (at 16 clients offering 120,000 a second, a third).
func (c *client) arrive() {
	if c.next < len(c.gaps) {
		c.due += c.gaps[c.next]
		c.env.After(max(c.due-c.env.Now(), 0), arrivalTimer{})
	}
	c.finishIfSettled()
}

// sendOverdue sends, at once, every arrival whose due time has already
// passed: those a late timer held back.
func (c *client) sendOverdue() {
	for c.next < len(c.gaps) && c.due+c.gaps[c.next] < c.env.Now() {
		c.due += c.gaps[c.next]
		c.next++
		c.submit(c.next-1, c.requests[c.next-1])
	}
}

func (c *client) finishIfSettled() {
	if c.settled == len(c.requests) && !c.log.done {
		c.log.done = true
		c.onDone()
	}
}

// submit appends r, an attempt of operation op, to the ingress. A request
// to an address without an id goes to a fresh instance named after the
// request: a coordinator that runs exactly this transaction.
func (c *client) submit(op int, r runtime.Request) {
	if r.To.ID == "" {
		r.To.ID = r.ID.String()
	}
	c.inflight[r.ID] = len(c.log.ops)
	c.log.ops = append(c.log.ops, Op{Index: op, Request: r, Call: c.env.Now()})
	w := c.owner(r.To)
	c.env.Append(ingressLog(w), r)
	c.env.Send(c.layout.workerNode(w), notice{})
}

func (c *client) Receive(from sim.NodeID, msg sim.Message) {
	if _, ok := msg.(notice); !ok {
		panic(fmt.Sprintf("scenarios: client %d got %T from %v", c.id, msg, from))
	}
	c.poll()
}

func (c *client) Fire(timer sim.Message) {
	switch t := timer.(type) {
	case pollTimer:
		c.poll()
		if !c.log.done {
			c.env.After(egressPoll, pollTimer{})
		}
	case retryTimer:
		c.seq++
		r := c.requests[t.op]
		r.ID.Seq = c.seq
		c.submit(t.op, r)
	case arrivalTimer:
		c.next++
		c.submit(c.next-1, c.requests[c.next-1])
		c.sendOverdue()
		c.arrive()
	default:
		panic(fmt.Sprintf("scenarios: client %d got timer %v", c.id, timer))
	}
}

// poll reads the client's egress topic. Batches of epoch 0 come from a
// job without transactional egress and are never repeats.
func (c *client) poll() {
	for {
		records := c.env.Read(egressLog(c.id), c.offset, egressBatchMax)
		for _, rec := range records {
			c.offset++
			b := rec.(runtime.EgressBatch)
			id := batchID{b.Worker, b.Epoch}
			if b.Epoch != 0 && c.batches[id] {
				continue
			}
			c.batches[id] = true
			for _, r := range b.Responses {
				c.answer(r)
			}
		}
		if len(records) < egressBatchMax {
			return
		}
	}
}

func (c *client) answer(r runtime.Response) {
	at, waiting := c.inflight[r.Request]
	if !waiting {
		c.log.unexpected = append(c.log.unexpected, r)
		return
	}
	delete(c.inflight, r.Request)
	entry := &c.log.ops[at]
	entry.Response, entry.Answered, entry.Return = r, true, c.env.Now()
	op := entry.Index
	if c.retryable != nil && c.retryable(r) && c.attempts[op] < retriesMax {
		c.env.After(retryBackoff<<c.attempts[op], retryTimer{op: op})
		c.attempts[op]++
		return
	}
	c.settled++
	if c.gaps == nil {
		c.sendNext()
		return
	}
	c.finishIfSettled()
}

// timeOut is a client timeout (faults.ClientTimeout): the client resends
// every request it has in flight, oldest first, under the same ids. The
// ingress keeps the first copy of a request id; the client keeps the first
// answer.
func (c *client) timeOut() {
	for i, op := range c.log.ops {
		if at, waiting := c.inflight[op.Request.ID]; waiting && at == i {
			w := c.owner(op.Request.To)
			c.env.Append(ingressLog(w), op.Request)
			c.env.Send(c.layout.workerNode(w), notice{})
		}
	}
}

func (c *client) Stored(r sim.StoreResult) {
	panic(fmt.Sprintf("scenarios: client %d got an unasked storage result %v", c.id, r.Op.Kind))
}

// arrivalGaps draws an open-loop client's time before each of its n
// requests: a Poisson process whose rate is the client's share of
// cfg.ArrivalRate. It returns nil for a closed loop.
func arrivalGaps(cfg Config, c runtime.ClientID, n int) []sim.Time {
	if cfg.ArrivalRate == 0 {
		return nil
	}
	rng := sim.NewStreams(cfg.Seed).Stream(fmt.Sprintf("workload/arrivals/%d", c))
	mean := float64(sim.Second) * float64(cfg.Clients) / float64(cfg.ArrivalRate)
	gaps := make([]sim.Time, n)
	for i := range gaps {
		gaps[i] = sim.Time(rng.ExpFloat64() * mean)
	}
	return gaps
}

// Committed counts the client operations that took effect.
func (o Outcome) Committed() int {
	n := 0
	for _, ops := range o.Histories {
		for _, op := range ops {
			if op.TookEffect() {
				n++
			}
		}
	}
	return n
}

// TookEffect reports whether op's answer says it took effect: a transfer
// committed or completed, any other request answered without a failure.
func (op Op) TookEffect() bool {
	return op.Answered && op.Response.Failure == "" && (op.Request.Msg.Kind != opTransfer || tookEffect(op.Response.Msg.Kind))
}
