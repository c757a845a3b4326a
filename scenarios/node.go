package scenarios

import (
	"fmt"
	"slices"
	"strconv"

	"github.com/flowtx/flowtx/faults"
	"github.com/flowtx/flowtx/protocols/twopc"
	"github.com/flowtx/flowtx/runtime"
	"github.com/flowtx/flowtx/sim"
)

// layout maps a job's actors to simulator nodes: workers first, then the
// checkpoint coordinator, then clients.
type layout struct {
	workers, clients int
}

func (l layout) workerNode(w runtime.WorkerID) sim.NodeID { return sim.NodeID(w) }
func (l layout) coordinatorNode() sim.NodeID              { return sim.NodeID(l.workers) }
func (l layout) clientNode(c runtime.ClientID) sim.NodeID { return sim.NodeID(l.workers + 1 + int(c)) }

func (l layout) workerOf(n sim.NodeID) runtime.WorkerID {
	if int(n) < 0 || int(n) >= l.workers {
		panic(fmt.Sprintf("scenarios: node %v is not a worker", n))
	}
	return runtime.WorkerID(n)
}

// ingressLog names worker w's ingress partition among the durable logs.
func ingressLog(w runtime.WorkerID) string { return logName(ingressLogs, "ingress/", int(w)) }

// egressLog names client c's egress topic among the durable logs.
func egressLog(c runtime.ClientID) string { return logName(egressLogs, "egress/", int(c)) }

// Log names are looked up on every request, response and poll; the common
// ones are built once, so that naming a log allocates nothing.
var (
	ingressLogs = logNames("ingress/", 128)
	egressLogs  = logNames("egress/", 1024)
)

func logNames(prefix string, n int) []string {
	names := make([]string, n)
	for i := range names {
		names[i] = prefix + strconv.Itoa(i)
	}
	return names
}

func logName(names []string, prefix string, i int) string {
	if i >= 0 && i < len(names) {
		return names[i]
	}
	return prefix + strconv.Itoa(i)
}

// notice tells a process that a durable log it reads grew, as a Kafka fetch
// returning would. The records themselves are already durable.
type notice struct{}

func (notice) Fingerprint() uint64 { return 0x1e5 }
func (notice) String() string      { return "notice" }

// toStore and fromStore translate between the runtime's store requests and
// the simulator's.
func toStore(op runtime.StoreRequest) sim.StoreOp {
	return sim.StoreOp{Kind: storeKinds[op.Kind], Key: op.Key, Value: op.Value, Token: op.Token}
}

var storeKinds = [...]sim.StoreOpKind{
	runtime.StorePut: sim.StorePut, runtime.StoreGet: sim.StoreGet,
	runtime.StoreDelete: sim.StoreDelete, runtime.StoreList: sim.StoreList,
}

func fromStore(r sim.StoreResult) runtime.StoreResult {
	return runtime.StoreResult{Token: r.Op.Token, Value: r.Value, Found: r.Found, Keys: r.Keys, Err: r.Err}
}

// workerNode runs a runtime.Worker as a simulator process and is its Host.
type workerNode struct {
	layout layout
	cfg    runtime.Config
	env    sim.Env
	worker *runtime.Worker
	trip   func(runtime.WorkerID, faults.Trigger) // tells the job's armed crashes where the worker is
}

func (n *workerNode) Start(env sim.Env) {
	n.env = env
	w, err := runtime.NewWorker(n.cfg, n)
	if err != nil {
		panic(fmt.Sprintf("scenarios: worker %v: %v", n.cfg.ID, err))
	}
	n.worker = w
	w.Start()
}

func (n *workerNode) Receive(from sim.NodeID, msg sim.Message) {
	if p, ok := msg.(runtime.Packet); ok {
		// Passed on as the interface it came in: a type switch on the
		// concrete packet would copy it onto the heap again.
		n.worker.Receive(n.layout.workerOf(from), p)
		return
	}
	switch m := msg.(type) {
	case runtime.Control:
		n.worker.Control(m)
	case notice:
		n.worker.PollIngress()
	default:
		panic(fmt.Sprintf("scenarios: worker %v got %T from %v", n.cfg.ID, msg, from))
	}
}

func (n *workerNode) Fire(timer sim.Message)   { n.worker.Fire(timer.(runtime.Timer)) }
func (n *workerNode) Stored(r sim.StoreResult) { n.worker.Stored(fromStore(r)) }

// Now, Send, Tell, After, Release, ReadIngress and Store implement
// runtime.Host.

func (n *workerNode) Now() runtime.Micros { return runtime.Micros(n.env.Now()) }

func (n *workerNode) Send(to runtime.WorkerID, p runtime.Packet) {
	n.env.Send(n.layout.workerNode(to), p)
	if t, ok := p.(runtime.Transfer); ok && twopc.IsVote(t.Envelope.Msg) {
		n.trip(n.cfg.ID, faults.VoteSent)
	}
}

func (n *workerNode) Tell(c runtime.Control) { n.env.Send(n.layout.coordinatorNode(), c) }

func (n *workerNode) After(delay runtime.Micros, t runtime.Timer) { n.env.After(sim.Time(delay), t) }

// Release appends each client's share of the batch to that client's egress
// topic, clients in the order they first appear in the batch, and wakes
// the client. The shares are one array sorted by client (a counting sort:
// a busy worker releases tens of thousands of responses a second), each
// keeping the batch's order.
func (n *workerNode) Release(b runtime.EgressBatch) {
	var clients []runtime.ClientID
	start := make([]int, n.layout.clients+1) // client c's share is sorted[start[c]:start[c+1]]
	for _, r := range b.Responses {
		c := r.Request.Client
		if c < 0 || int(c) >= n.layout.clients {
			panic(fmt.Sprintf("scenarios: worker %d released a response to client %d of %d", n.cfg.ID, c, n.layout.clients))
		}
		if start[c+1] == 0 {
			clients = append(clients, c)
		}
		start[c+1]++
	}
	for c := range n.layout.clients {
		start[c+1] += start[c]
	}
	sorted := make([]runtime.Response, len(b.Responses))
	next := slices.Clone(start)
	for _, r := range b.Responses {
		c := r.Request.Client
		sorted[next[c]] = r
		next[c]++
	}
	for _, c := range clients {
		share := sorted[start[c]:start[c+1]:start[c+1]]
		n.env.Append(egressLog(c), runtime.EgressBatch{Worker: b.Worker, Epoch: b.Epoch, Responses: share})
		n.env.Send(n.layout.clientNode(c), notice{})
	}
}

func (n *workerNode) ReadIngress(from runtime.Offset, max int) []runtime.Request {
	records := n.env.Read(ingressLog(n.cfg.ID), sim.Offset(from), max)
	out := make([]runtime.Request, len(records))
	for i, r := range records {
		out[i] = r.(runtime.Request)
	}
	return out
}

func (n *workerNode) Store(op runtime.StoreRequest) {
	n.env.Store(toStore(op))
	if op.Kind == runtime.StorePut && runtime.IsSnapshotKey(op.Key) {
		n.trip(n.cfg.ID, faults.SnapshotWrite)
	}
}

// coordinatorNode runs the checkpoint coordinator as a simulator process
// and is its host. It adds the coordinator's counters to the job's after
// every step, so they survive the coordinator's crashes.
type coordinatorNode struct {
	layout layout
	cfg    runtime.CoordinatorConfig
	totals *runtime.CoordinatorStats
	env    sim.Env
	coord  *runtime.Coordinator
	seen   runtime.CoordinatorStats
}

func (n *coordinatorNode) Start(env sim.Env) {
	n.env = env
	c, err := runtime.NewCoordinator(n.cfg, n)
	if err != nil {
		panic(fmt.Sprintf("scenarios: coordinator: %v", err))
	}
	n.coord = c
	n.step(c.Start)
}

func (n *coordinatorNode) Receive(from sim.NodeID, msg sim.Message) {
	m, ok := msg.(runtime.Control)
	if !ok {
		panic(fmt.Sprintf("scenarios: coordinator got %T from %v", msg, from))
	}
	n.step(func() { n.coord.Receive(n.layout.workerOf(from), m) })
}

func (n *coordinatorNode) Fire(timer sim.Message) {
	n.step(func() { n.coord.Fire(timer.(runtime.Timer)) })
}

func (n *coordinatorNode) Stored(r sim.StoreResult) {
	n.step(func() { n.coord.Stored(fromStore(r)) })
}

func (n *coordinatorNode) step(f func()) {
	f()
	s := n.coord.Stats()
	n.totals.Completed += s.Completed - n.seen.Completed
	n.totals.Aborted += s.Aborted - n.seen.Aborted
	n.totals.Recoveries += s.Recoveries - n.seen.Recoveries
	n.seen = s
}

// Now, Tell, After and Store implement runtime.CoordinatorHost.

func (n *coordinatorNode) Now() runtime.Micros { return runtime.Micros(n.env.Now()) }
func (n *coordinatorNode) Tell(to runtime.WorkerID, c runtime.Control) {
	n.env.Send(n.layout.workerNode(to), c)
}
func (n *coordinatorNode) After(delay runtime.Micros, t runtime.Timer) {
	n.env.After(sim.Time(delay), t)
}
func (n *coordinatorNode) Store(op runtime.StoreRequest) { n.env.Store(toStore(op)) }
