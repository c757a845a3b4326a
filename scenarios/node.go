package scenarios

import (
	"fmt"

	"github.com/flowtx/flowtx/runtime"
	"github.com/flowtx/flowtx/sim"
)

// layout maps a job's actors to simulator nodes: workers first, then
// clients.
type layout struct {
	workers, clients int
}

func (l layout) workerNode(w runtime.WorkerID) sim.NodeID { return sim.NodeID(w) }
func (l layout) clientNode(c runtime.ClientID) sim.NodeID { return sim.NodeID(l.workers + int(c)) }

func (l layout) workerOf(n sim.NodeID) runtime.WorkerID {
	if int(n) < 0 || int(n) >= l.workers {
		panic(fmt.Sprintf("scenarios: node %v is not a worker", n))
	}
	return runtime.WorkerID(n)
}

// ingressLog names worker w's ingress partition among the durable logs.
func ingressLog(w runtime.WorkerID) string { return fmt.Sprintf("ingress/%d", w) }

// ingressNotice tells a worker that its ingress partition grew, as a Kafka
// fetch returning would. The record itself is already durable in the log.
type ingressNotice struct{}

func (ingressNotice) Fingerprint() uint64 { return 0x1e5 }
func (ingressNotice) String() string      { return "ingress-notice" }

// workerNode runs a runtime.Worker as a simulator process and is its Host.
type workerNode struct {
	layout layout
	cfg    runtime.Config
	env    sim.Env
	worker *runtime.Worker
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
	switch m := msg.(type) {
	case runtime.Envelope:
		n.worker.Receive(n.layout.workerOf(from), m)
	case ingressNotice:
		n.worker.PollIngress()
	default:
		panic(fmt.Sprintf("scenarios: worker %v got %T from %v", n.cfg.ID, msg, from))
	}
}

func (n *workerNode) Fire(timer sim.Message) { n.worker.Fire(timer.(runtime.Timer)) }

func (n *workerNode) Stored(r sim.StoreResult) {
	panic(fmt.Sprintf("scenarios: worker %v got an unasked storage result %v", n.cfg.ID, r.Op.Kind))
}

// Now, Send, After, Release and ReadIngress implement runtime.Host.

func (n *workerNode) Now() runtime.Micros { return runtime.Micros(n.env.Now()) }

func (n *workerNode) Send(to runtime.WorkerID, e runtime.Envelope) {
	n.env.Send(n.layout.workerNode(to), e)
}

func (n *workerNode) After(delay runtime.Micros, t runtime.Timer) { n.env.After(sim.Time(delay), t) }

func (n *workerNode) Release(r runtime.Response) {
	n.env.Send(n.layout.clientNode(r.Request.Client), r)
}

func (n *workerNode) ReadIngress(from runtime.Offset, max int) []runtime.Request {
	records := n.env.Read(ingressLog(n.cfg.ID), sim.Offset(from), max)
	out := make([]runtime.Request, len(records))
	for i, r := range records {
		out[i] = r.(runtime.Request)
	}
	return out
}
