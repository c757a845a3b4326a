package sim

import (
	"fmt"
	"math/rand/v2"
)

// Config sets up a simulation run. Zero fields take the defaults below.
type Config struct {
	Seed      uint64
	Network   Network    // default: FIFO links, 50-150us latency
	Storage   StoreModel // default: a disk with 1-5ms latency, no faults
	EventsMax int64      // a run stops with ErrEventsMax after this many events; default 100M
}

// DefaultLatency is the link latency of a Config without a Network.
var DefaultLatency = Latency{Min: 50, Mean: 100, Jitter: 50}

const eventsMaxDefault = 100_000_000

// ErrEventsMax reports a run that hit its event limit: a livelock, or a limit
// set too low.
var ErrEventsMax = fmt.Errorf("sim: event limit reached")

// Sim is the deterministic discrete-event kernel. It owns virtual time, the
// event queue, the processes, the network and storage models and the trace
// hash. It is not safe for concurrent use: a run is one goroutine, and
// parallelism comes from running many seeds at once.
type Sim struct {
	now     Time
	seq     uint64
	queue   eventQueue
	nodes   []node
	streams Streams
	netRng  *rand.Rand
	diskRng *rand.Rand
	network Network
	disk    StoreModel
	store   *Store
	logs    map[string][]Message

	hash      TraceHash
	events    int64
	eventsMax int64
	tracer    func(TraceEvent)
	scratch   []Time
}

type node struct {
	factory func() Process
	proc    Process
	up      bool
	inc     uint32
	env     *nodeEnv
}

// New returns a kernel with no processes at virtual time zero.
func New(cfg Config) *Sim {
	s := &Sim{
		streams:   NewStreams(cfg.Seed),
		network:   cfg.Network,
		disk:      cfg.Storage,
		store:     NewStore(),
		logs:      map[string][]Message{},
		eventsMax: cfg.EventsMax,
	}
	if s.network == nil {
		s.network = NewLinks(DefaultLatency)
	}
	if s.disk == nil {
		s.disk = &Disk{LatencyMin: Millisecond, LatencyMax: 5 * Millisecond}
	}
	if s.eventsMax == 0 {
		s.eventsMax = eventsMaxDefault
	}
	// The kernel's own streams are namespaced so that no subsystem asking
	// Stream for "network" gets a copy of them.
	s.netRng = s.streams.Stream("sim/network")
	s.diskRng = s.streams.Stream("sim/storage")
	s.hash.Add(cfg.Seed)
	return s
}

// Now returns the current virtual time.
func (s *Sim) Now() Time { return s.now }

// Hash returns the trace hash of the events processed so far.
func (s *Sim) Hash() TraceHash { return s.hash }

// Events returns the number of events processed so far.
func (s *Sim) Events() int64 { return s.events }

// Pending returns the number of events waiting in the queue.
func (s *Sim) Pending() int { return s.queue.len() }

// Stream returns the run's PRNG stream for the named subsystem.
func (s *Sim) Stream(name string) *rand.Rand { return s.streams.Stream(name) }

// Store returns the durable store, for inspection by tests and checkers.
func (s *Sim) Store() *Store { return s.store }

// Network returns the network model, so faults can reconfigure it mid-run.
func (s *Sim) Network() Network { return s.network }

// SetTracer registers a function called with every processed event, after
// it is folded into the trace hash. Tracing does not change the run.
func (s *Sim) SetTracer(f func(TraceEvent)) { s.tracer = f }

// AddNode registers a process built by factory and schedules its start at
// the current time. The factory is called again for every restart.
func (s *Sim) AddNode(factory func() Process) NodeID {
	id := NodeID(len(s.nodes))
	s.nodes = append(s.nodes, node{factory: factory})
	s.nodes[id].env = &nodeEnv{sim: s, id: id}
	s.Restart(id)
	return id
}

// Nodes returns the number of registered nodes.
func (s *Sim) Nodes() int { return len(s.nodes) }

// Up reports whether node n is running.
func (s *Sim) Up(n NodeID) bool { return s.nodes[n].up }

// Process returns node n's current process, nil while it is crashed.
func (s *Sim) Process(n NodeID) Process { return s.nodes[n].proc }

// Crash stops node n now: its volatile state is gone, and every message in
// flight to or from it and every timer and storage notification it was
// waiting for is dropped. Writes it started still land.
func (s *Sim) Crash(n NodeID) {
	nd := &s.nodes[n]
	if !nd.up {
		return
	}
	nd.up = false
	nd.proc = nil
	nd.inc++
	s.note(TraceEvent{At: s.now, Kind: "crash", Node: n, From: n})
}

// Restart starts a fresh process on node n, built by its factory, unless it
// is already up. The process starts at the current time.
func (s *Sim) Restart(n NodeID) {
	nd := &s.nodes[n]
	if nd.up {
		return
	}
	nd.up = true
	nd.inc++
	nd.proc = nd.factory()
	s.schedule(event{at: s.now, kind: evStart, node: n, from: n, inc: nd.inc})
}

// At schedules f to run at virtual time t (or now, if t has passed). Fault
// schedules use it to crash, restart and reconfigure at chosen times.
func (s *Sim) At(t Time, f func()) {
	s.schedule(event{at: max(t, s.now), kind: evCall, msg: call{f}})
}

// Run processes events until the queue is empty or the next event is later
// than until. Time then stands at until (or at the last event, if the queue
// ran dry).
func (s *Sim) Run(until Time) error {
	for s.queue.len() > 0 && s.queue.items[0].at <= until {
		if err := s.Step(); err != nil {
			return err
		}
	}
	if s.queue.len() > 0 && until != Never && until > s.now {
		s.now = until // never back: an until already passed leaves time alone
	}
	return nil
}

// RunWhile processes events while cond holds and the queue is not empty,
// stopping after the event at which cond turned false or at limit.
func (s *Sim) RunWhile(cond func() bool, limit Time) error {
	for cond() && s.queue.len() > 0 && s.queue.items[0].at <= limit {
		if err := s.Step(); err != nil {
			return err
		}
	}
	return nil
}

// ErrIdle is returned by Step when no event is pending.
var ErrIdle = fmt.Errorf("sim: no event pending")

// Step processes the next event.
func (s *Sim) Step() error {
	if s.queue.len() == 0 {
		return ErrIdle
	}
	if s.events >= s.eventsMax {
		return ErrEventsMax
	}
	e := s.queue.pop()
	if e.at < s.now {
		panic(fmt.Sprintf("sim: event at %v before now %v", e.at, s.now))
	}
	s.now = e.at
	s.events++
	s.dispatch(&e)
	return nil
}

func (s *Sim) dispatch(e *event) {
	if e.kind == evCall {
		s.note(TraceEvent{At: e.at, Seq: e.seq, Kind: "call", Node: -1, From: -1})
		e.msg.(call).f()
		return
	}
	if e.kind == evStore {
		s.completeStore(e)
		return
	}
	nd := &s.nodes[e.node]
	live := nd.up && nd.inc == e.inc
	if e.kind == evDeliver && s.nodes[e.from].inc != e.fromInc {
		live = false
	}
	kind := e.kind.String()
	if !live {
		kind = "drop-" + kind
	}
	s.note(TraceEvent{At: e.at, Seq: e.seq, Kind: kind, Node: e.node, From: e.from, Msg: e.msg})
	if !live {
		return
	}
	switch e.kind {
	case evStart:
		nd.proc.Start(nd.env)
	case evDeliver:
		nd.proc.Receive(e.from, e.msg)
	case evTimer:
		nd.proc.Fire(e.msg)
	}
}

func (s *Sim) completeStore(e *event) {
	p := e.msg.(*pendingStore)
	var r StoreResult
	if p.fail {
		r = StoreResult{Op: p.op, Err: ErrStoreFault}
		r.Op.Value = nil
	} else {
		r = s.store.Apply(p.op)
	}
	nd := &s.nodes[e.node]
	live := nd.up && nd.inc == e.inc
	kind := "store"
	if !live {
		kind = "drop-store"
	}
	s.note(TraceEvent{At: e.at, Seq: e.seq, Kind: kind, Node: e.node, From: e.node, Msg: p})
	if live {
		nd.proc.Stored(r)
	}
}

// later returns now+delay, clamped to [now, Never] so that a huge delay
// cannot wrap around into the past.
func (s *Sim) later(delay Time) Time {
	if delay <= 0 {
		return s.now
	}
	if delay > Never-s.now {
		return Never
	}
	return s.now + delay
}

func (s *Sim) schedule(e event) {
	s.seq++
	e.seq = s.seq
	s.queue.push(e)
}

// note folds an event into the trace hash and hands it to the tracer.
func (s *Sim) note(t TraceEvent) {
	s.hash.Add(uint64(t.At))
	s.hash.AddString(t.Kind)
	s.hash.Add(uint64(uint32(t.Node))<<32 | uint64(uint32(t.From)))
	if t.Msg != nil {
		s.hash.Add(t.Msg.Fingerprint())
	}
	if s.tracer != nil {
		s.tracer(t)
	}
}

// TraceEvent describes one processed event, as the trace hash sees it.
type TraceEvent struct {
	At   Time
	Seq  uint64
	Kind string // start, deliver, timer, store, call, crash, append; "drop-" prefixed when the target was gone
	Node NodeID // -1 for kernel calls
	From NodeID
	Msg  Message
}

func (t TraceEvent) String() string {
	s := fmt.Sprintf("%v %s %v<-%v", t.At, t.Kind, t.Node, t.From)
	if st, ok := t.Msg.(fmt.Stringer); ok {
		s += " " + st.String()
	}
	return s
}

// call is a scheduled kernel function.
type call struct{ f func() }

func (call) Fingerprint() uint64 { return 0 }

// pendingStore is a storage operation in flight, planned by the store model.
type pendingStore struct {
	op   StoreOp
	fail bool
}

func (p *pendingStore) Fingerprint() uint64 {
	fp := uint64(p.op.Kind)<<56 ^ Fingerprint(p.op.Key) ^ FingerprintBytes(p.op.Value) ^ mix64(p.op.Token)
	if p.fail {
		fp = ^fp
	}
	return fp
}

func (p *pendingStore) String() string {
	s := fmt.Sprintf("%v %q token=%d", p.op.Kind, p.op.Key, p.op.Token)
	if p.fail {
		s += " failed"
	}
	return s
}

// nodeEnv is the Env the kernel gives node id's processes.
type nodeEnv struct {
	sim *Sim
	id  NodeID
}

func (e *nodeEnv) Now() Time    { return e.sim.now }
func (e *nodeEnv) Self() NodeID { return e.id }

func (e *nodeEnv) Send(to NodeID, msg Message) {
	s := e.sim
	if int(to) < 0 || int(to) >= len(s.nodes) {
		panic(fmt.Sprintf("sim: %v sends to unknown node %v", e.id, to))
	}
	s.scratch = s.network.Transit(s.now, Link{From: e.id, To: to}, s.netRng, s.scratch[:0])
	for _, at := range s.scratch {
		s.schedule(event{at: at, kind: evDeliver, node: to, from: e.id,
			inc: s.nodes[to].inc, fromInc: s.nodes[e.id].inc, msg: msg})
	}
}

func (e *nodeEnv) After(delay Time, timer Message) {
	s := e.sim
	s.schedule(event{at: s.later(delay), kind: evTimer, node: e.id, from: e.id,
		inc: s.nodes[e.id].inc, msg: timer})
}

func (e *nodeEnv) Store(op StoreOp) {
	s := e.sim
	latency, fail := s.disk.Plan(s.now, op.Kind, s.diskRng)
	s.schedule(event{at: s.later(latency), kind: evStore, node: e.id, from: e.id,
		inc: s.nodes[e.id].inc, msg: &pendingStore{op: op, fail: fail}})
}

func (e *nodeEnv) Append(log string, record Message) Offset {
	s := e.sim
	s.logs[log] = append(s.logs[log], record)
	off := Offset(len(s.logs[log]) - 1)
	s.hash.AddString(log)
	s.hash.Add(uint64(off))
	s.note(TraceEvent{At: s.now, Kind: "append", Node: e.id, From: e.id, Msg: record})
	return off
}

func (e *nodeEnv) Read(log string, from Offset, max int) []Message {
	recs := e.sim.logs[log]
	if from < 0 || int(from) >= len(recs) || max <= 0 {
		return nil
	}
	end := int(from) + min(max, len(recs)-int(from)) // no overflow for max near math.MaxInt
	return recs[from:end:end]
}
