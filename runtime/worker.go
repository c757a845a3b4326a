package runtime

import (
	"errors"
	"fmt"
	"sort"
	"strings"
)

// Offset is a position in a worker's ingress partition.
type Offset int64

// Host is the world as a worker sees it; the simulator and the real-time
// driver implement it. A worker touches nothing else.
type Host interface {
	// Now is the current time.
	Now() Micros
	// Send puts e on the FIFO channel to worker to.
	Send(to WorkerID, e Envelope)
	// After fires t back at this worker, through Worker.Fire, after delay.
	After(delay Micros, t Timer)
	// Release hands a response to the client that made the request.
	Release(r Response)
	// ReadIngress returns up to max records of this worker's ingress
	// partition, starting at offset from.
	ReadIngress(from Offset, max int) []Request
}

// Config describes one worker of a job.
type Config struct {
	ID        WorkerID
	Workers   int
	KeyGroups int // default KeyGroupsDefault
	Registry  *Registry
	// InvocationCost is the time one invocation keeps the worker busy. Zero
	// means invocations take no time, and a worker drains its run queue in
	// batches of drainMax.
	InvocationCost Micros
	// Bug selects a deliberately broken behaviour, for tests only.
	Bug Bug
}

// Limits that keep one event's work bounded.
const (
	drainMax        = 1024 // invocations per step before the worker yields
	ingressBatchMax = 256  // ingress records read per poll
)

// ErrUnknownType is the failure of a message to an unregistered type.
var ErrUnknownType = errors.New("runtime: unknown function type")

// Worker owns the instances of a range of key groups. It runs their
// invocations one at a time, in arrival order, routes their messages, holds
// their delayed messages, consumes its ingress partition and emits
// responses. It is a pure state machine stepped by a driver through Start,
// Receive, PollIngress and Fire; it has no goroutines and no clock of its own.
type Worker struct {
	cfg  Config
	host Host

	instances map[Address]*instance
	runq      fifo[Envelope]
	delayed   map[uint64]pendingDelay
	delaySeq  uint64

	ingressOffset Offset
	ingressMore   bool // the last poll filled its batch: more may be waiting
	kickPending   bool // a kick timer is set
	busy          bool // an invocation is in service (InvocationCost > 0)

	inv   invocation
	stats Stats
}

type instance struct {
	state map[string][]byte
}

type pendingDelay struct {
	due      Micros
	envelope Envelope
}

// Stats counts what a worker did.
type Stats struct {
	Invocations int64 `json:"invocations"`  // function invocations, failed ones included
	Failures    int64 `json:"failures"`     // invocations that returned a business failure
	LocalSends  int64 `json:"local_sends"`  // messages to instances on the same worker, ingress records included
	RemoteSends int64 `json:"remote_sends"` // messages to instances on other workers
	Responses   int64 `json:"responses"`    // responses produced for clients
	IngressRead int64 `json:"ingress_read"` // ingress records consumed
}

// NewWorker returns a worker that reaches the world through host. Call
// Start before anything else.
func NewWorker(cfg Config, host Host) (*Worker, error) {
	if cfg.KeyGroups == 0 {
		cfg.KeyGroups = KeyGroupsDefault
	}
	switch {
	case cfg.Workers <= 0 || cfg.Workers > cfg.KeyGroups:
		return nil, fmt.Errorf("runtime: %d workers: want 1..%d", cfg.Workers, cfg.KeyGroups)
	case cfg.ID < 0 || int(cfg.ID) >= cfg.Workers:
		return nil, fmt.Errorf("runtime: worker id %d out of range 0..%d", cfg.ID, cfg.Workers-1)
	case cfg.Registry == nil:
		return nil, errors.New("runtime: no function registry")
	case host == nil:
		return nil, errors.New("runtime: no host")
	}
	return &Worker{
		cfg:       cfg,
		host:      host,
		instances: map[Address]*instance{},
		delayed:   map[uint64]pendingDelay{},
	}, nil
}

// ID returns the worker's id.
func (w *Worker) ID() WorkerID { return w.cfg.ID }

// Owner returns the worker that owns address a in this job.
func (w *Worker) Owner(a Address) WorkerID {
	return Placement{KeyGroups: w.cfg.KeyGroups, Workers: w.cfg.Workers}.Owner(a)
}

// Start begins processing: it reads whatever the ingress already holds.
func (w *Worker) Start() {
	w.PollIngress()
}

// Receive takes a message another worker routed to one of this worker's
// instances.
func (w *Worker) Receive(from WorkerID, e Envelope) {
	if owner := w.Owner(e.To); owner != w.cfg.ID {
		broken("%v got %v from %v, owned by %v", w.cfg.ID, e, from, owner)
	}
	w.runq.push(e)
	w.run()
}

// PollIngress reads new records from the worker's ingress partition. The
// driver calls it when the ingress may have grown.
func (w *Worker) PollIngress() {
	records := w.host.ReadIngress(w.ingressOffset, ingressBatchMax)
	for _, r := range records {
		w.ingressOffset++
		w.stats.IngressRead++
		w.route(Envelope{To: r.To, Request: r.ID, Msg: r.Msg})
	}
	w.ingressMore = len(records) == ingressBatchMax
	w.run()
}

// Fire handles a timer the worker set through Host.After.
func (w *Worker) Fire(t Timer) {
	switch t.Kind {
	case TimerKick:
		w.kickPending = false
		if w.busy {
			w.busy = false
			w.invoke(w.runq.pop())
		}
		if w.ingressMore {
			w.PollIngress()
			return
		}
	case TimerDelayed:
		d, ok := w.delayed[t.ID]
		if !ok {
			broken("%v: delayed message %d fired twice or never set", w.cfg.ID, t.ID)
		}
		delete(w.delayed, t.ID)
		w.route(d.envelope)
	default:
		panic(fmt.Sprintf("runtime: %v: unknown timer %v", w.cfg.ID, t))
	}
	w.run()
}

// run works through the run queue: one invocation per InvocationCost when
// invocations cost time, else up to drainMax at once. It sets a kick timer
// to continue when it stops with work left.
func (w *Worker) run() {
	if w.cfg.InvocationCost > 0 {
		switch {
		case w.busy:
		case w.runq.len() > 0:
			w.busy = true
			w.kick(w.cfg.InvocationCost)
		case w.ingressMore:
			w.kick(0)
		}
		return
	}
	for i := 0; i < drainMax && w.runq.len() > 0; i++ {
		w.invoke(w.runq.pop())
	}
	if w.runq.len() > 0 || w.ingressMore {
		w.kick(0)
	}
}

func (w *Worker) kick(delay Micros) {
	if w.kickPending {
		return
	}
	w.kickPending = true
	w.host.After(delay, Timer{Kind: TimerKick})
}

// invoke runs the function of e.To on e and applies its effects, or, on a
// business failure, discards them and tells a waiting client.
func (w *Worker) invoke(e Envelope) {
	fn, ok := w.cfg.Registry.Lookup(e.To.Type)
	if !ok {
		w.fail(e, ErrUnknownType)
		return
	}
	inst := w.instances[e.To]
	if inst == nil {
		inst = &instance{state: map[string][]byte{}}
		w.instances[e.To] = inst
	}
	w.stats.Invocations++
	w.inv.begin(e, inst.state)
	err := fn(&w.inv, e.Msg)
	if err != nil {
		w.fail(e, err)
		if w.cfg.Bug != BugKeepFailedEffects {
			w.dropIfEmpty(e.To, inst)
			return
		}
	}
	w.apply(e.To, inst, &w.inv.effects)
}

// fail records a business failure and answers a client that sent e directly.
// A failure deeper in a chain of functions is only counted: the function that
// sent e chose not to wait for an answer.
func (w *Worker) fail(e Envelope, err error) {
	w.stats.Failures++
	if e.From.IsZero() {
		w.release(Response{Request: e.Request, From: e.To, Failure: err.Error()})
	}
}

func (w *Worker) apply(a Address, inst *instance, fx *Effects) {
	for _, m := range fx.Mutations {
		if m.Deleted {
			delete(inst.state, m.Name)
		} else {
			inst.state[m.Name] = m.Value
		}
	}
	w.dropIfEmpty(a, inst)
	for _, e := range fx.Sends {
		w.route(e)
	}
	for _, d := range fx.Delayed {
		w.delaySeq++
		w.delayed[w.delaySeq] = pendingDelay{due: w.host.Now() + d.Delay, envelope: d.Envelope}
		w.host.After(d.Delay, Timer{Kind: TimerDelayed, ID: w.delaySeq})
	}
	for _, r := range fx.Responses {
		w.release(r)
	}
}

// dropIfEmpty forgets an instance without state, so that instances that were
// only read cost no memory.
func (w *Worker) dropIfEmpty(a Address, inst *instance) {
	if len(inst.state) == 0 {
		delete(w.instances, a)
	}
}

func (w *Worker) route(e Envelope) {
	owner := w.Owner(e.To)
	if owner == w.cfg.ID {
		w.stats.LocalSends++
		w.runq.push(e)
		return
	}
	w.stats.RemoteSends++
	w.host.Send(owner, e)
}

func (w *Worker) release(r Response) {
	w.stats.Responses++
	w.host.Release(r)
}

// Stats returns the worker's counters.
func (w *Worker) Stats() Stats { return w.stats }

// Instances returns the addresses of the instances that hold state, sorted.
func (w *Worker) Instances() []Address {
	addrs := make([]Address, 0, len(w.instances))
	for a := range w.instances {
		addrs = append(addrs, a)
	}
	sort.Slice(addrs, func(i, j int) bool { return addrs[i].Less(addrs[j]) })
	return addrs
}

// State returns a copy of the state of the instance at a.
func (w *Worker) State(a Address) map[string][]byte {
	out := map[string][]byte{}
	if inst := w.instances[a]; inst != nil {
		for k, v := range inst.state {
			out[k] = append([]byte(nil), v...)
		}
	}
	return out
}

// Describe renders the worker's instances and pending work deterministically,
// for golden files and debugging.
func (w *Worker) Describe() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%v offset=%d runq=%d delayed=%d\n", w.cfg.ID, w.ingressOffset, w.runq.len(), len(w.delayed))
	for _, a := range w.Instances() {
		state := w.instances[a].state
		names := make([]string, 0, len(state))
		for n := range state {
			names = append(names, n)
		}
		sort.Strings(names)
		fmt.Fprintf(&b, "  %v:", a)
		for _, n := range names {
			fmt.Fprintf(&b, " %s=%s", n, describeValue(state[n]))
		}
		b.WriteByte('\n')
	}
	return b.String()
}

// describeValue renders a state value as an integer when it is a varint, as
// most of our scenarios' state is, and as a quoted string otherwise.
func describeValue(b []byte) string {
	if v, err := Int64Codec.Decode(b); err == nil {
		return fmt.Sprint(v)
	}
	return fmt.Sprintf("%q", b)
}
