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

// client is a closed-loop client: it sends one request, waits for its
// response, and sends the next, until it has sent its share of operations.
// A request is a record appended to the ingress partition of the worker that
// owns its target, followed by a notice to that worker.
type client struct {
	id     runtime.ClientID
	layout layout
	ops    []Op // the requests to send, drawn before the run
	log    *clientLog
	onDone func()
	owner  func(runtime.Address) runtime.WorkerID

	env  sim.Env
	next int
}

func (c *client) Start(env sim.Env) {
	c.env = env
	c.send()
}

func (c *client) send() {
	if c.next == len(c.ops) {
		c.log.done = true
		c.onDone()
		return
	}
	op := c.ops[c.next]
	op.Call = c.env.Now()
	c.log.ops = append(c.log.ops, op)
	w := c.owner(op.Request.To)
	c.env.Append(ingressLog(w), op.Request)
	c.env.Send(c.layout.workerNode(w), ingressNotice{})
}

func (c *client) Receive(from sim.NodeID, msg sim.Message) {
	r, ok := msg.(runtime.Response)
	if !ok {
		panic(fmt.Sprintf("scenarios: client %d got %T from %v", c.id, msg, from))
	}
	if c.next >= len(c.ops) || r.Request != c.ops[c.next].Request.ID {
		c.log.unexpected = append(c.log.unexpected, r)
		return
	}
	last := &c.log.ops[len(c.log.ops)-1]
	last.Response, last.Answered, last.Return = r, true, c.env.Now()
	c.next++
	c.send()
}

func (c *client) Fire(timer sim.Message) {
	panic(fmt.Sprintf("scenarios: client %d got an unasked timer %v", c.id, timer))
}

func (c *client) Stored(r sim.StoreResult) {
	panic(fmt.Sprintf("scenarios: client %d got an unasked storage result %v", c.id, r.Op.Kind))
}
