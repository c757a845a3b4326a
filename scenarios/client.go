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

// client is a closed-loop client: it sends one request, waits for its
// response, and sends the next, until it has sent its share of operations.
// A request is a record appended to the ingress partition of the worker that
// owns its target, followed by a notice to that worker. Responses arrive as
// batches on the client's egress topic; the client reads it from its own
// offset and keeps the first copy of each batch, as a Kafka read-committed
// consumer would. A retryable answer (a transaction that lost a deadlock)
// is resubmitted under a new request id after a backoff, a bounded number
// of times.
type client struct {
	id        runtime.ClientID
	layout    layout
	ops       []Op // the requests to send, drawn before the run
	log       *clientLog
	onDone    func()
	owner     func(runtime.Address) runtime.WorkerID
	retryable func(runtime.Response) bool

	env      sim.Env
	next     int               // index of the op in progress
	waiting  runtime.RequestID // the request in flight; zero between requests
	attempts int               // retries of the op in progress
	seq      uint64            // request ids for retries, after the drawn ones
	offset   sim.Offset
	batches  map[batchID]bool
}

// Retry limits: attempts per operation, and the backoff before the first
// retry, doubled for each further one.
const (
	retriesMax   = 8
	retryBackoff = sim.Millisecond
)

// retryTimer resubmits the operation in progress.
type retryTimer struct{}

func (retryTimer) Fingerprint() uint64 { return 0x7e7 }
func (retryTimer) String() string      { return "retry" }

func (c *client) Start(env sim.Env) {
	c.env = env
	c.batches = map[batchID]bool{}
	c.seq = uint64(len(c.ops))
	c.env.After(egressPoll, pollTimer{})
	c.send()
}

// send submits the next operation, or finishes.
func (c *client) send() {
	if c.next == len(c.ops) {
		c.log.done = true
		c.onDone()
		return
	}
	c.submit(c.ops[c.next].Request)
}

// submit appends r to the ingress. A request to an address without an id
// goes to a fresh instance named after the request: a coordinator that runs
// exactly this transaction.
func (c *client) submit(r runtime.Request) {
	if r.To.ID == "" {
		r.To.ID = r.ID.String()
	}
	c.log.ops = append(c.log.ops, Op{Index: c.next, Request: r, Call: c.env.Now()})
	c.waiting = r.ID
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
	switch timer.(type) {
	case pollTimer:
		c.poll()
		if !c.log.done {
			c.env.After(egressPoll, pollTimer{})
		}
	case retryTimer:
		c.seq++
		r := c.ops[c.next].Request
		r.ID.Seq = c.seq
		c.submit(r)
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
	if c.waiting.IsZero() || r.Request != c.waiting {
		c.log.unexpected = append(c.log.unexpected, r)
		return
	}
	last := &c.log.ops[len(c.log.ops)-1]
	last.Response, last.Answered, last.Return = r, true, c.env.Now()
	c.waiting = runtime.RequestID{}
	if c.retryable != nil && c.retryable(r) && c.attempts < retriesMax {
		c.env.After(retryBackoff<<c.attempts, retryTimer{})
		c.attempts++
		return
	}
	c.attempts = 0
	c.next++
	c.send()
}

func (c *client) Stored(r sim.StoreResult) {
	panic(fmt.Sprintf("scenarios: client %d got an unasked storage result %v", c.id, r.Op.Kind))
}
