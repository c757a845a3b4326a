package runtime

import (
	"errors"
	"fmt"
)

// Offset is a position in a worker's ingress partition.
type Offset int64

// Host is the world as a worker sees it; the simulator and the real-time
// driver implement it. A worker touches nothing else.
type Host interface {
	// Now is the current time.
	Now() Micros
	// Send puts p on the FIFO channel to worker to.
	Send(to WorkerID, p Packet)
	// Tell sends a control message to the checkpoint coordinator.
	Tell(c Control)
	// After fires t back at this worker, through Worker.Fire, after delay.
	After(delay Micros, t Timer)
	// Release hands a batch of responses to the clients that made the
	// requests. A batch may be released more than once after a recovery;
	// clients keep the first copy of each (worker, epoch).
	Release(b EgressBatch)
	// ReadIngress returns up to max records of this worker's ingress
	// partition, starting at offset from.
	ReadIngress(from Offset, max int) []Request
	// Store starts an operation on the durable checkpoint store; the
	// result comes back through Worker.Stored.
	Store(op StoreRequest)
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
	// ExactlyOnce holds responses back until the checkpoint that covers
	// them completes (transactional egress). Without it responses leave at
	// once, and a recovery may repeat them.
	ExactlyOnce bool
	// HeartbeatInterval is how often the worker tells the coordinator it
	// lives; default heartbeatIntervalDefault.
	HeartbeatInterval Micros
	// Strategy selects the snapshot algorithm; default Unaligned.
	Strategy Strategy
	// Pipeline, if set, sees every message to an instance and decides how
	// its function runs: the plug point for transaction protocols.
	Pipeline Pipeline
	// ChannelHeartbeats sends a Ping on every outgoing channel with each
	// heartbeat, so that a receiver notices lost packets within a
	// heartbeat interval even when no packet follows them. Without it the
	// next packet on the channel reveals the loss: at worst the marker of
	// the next checkpoint, or of the one after a checkpoint timeout if the
	// lost packet was a marker. Turn it on where the network can lose
	// packets between live workers; it costs a packet per channel per
	// interval.
	ChannelHeartbeats bool
	// Bug selects a deliberately broken behaviour, for tests only.
	Bug Bug
	// Buggify, if set, may fire BUGGIFY points (BuggifySlowInvocation);
	// only the simulator sets it.
	Buggify Buggify
}

// Limits that keep one event's work, and a worker's buffers, bounded.
const (
	drainMax                        = 1024    // invocations per step before the worker yields
	ingressBatchMax                 = 256     // ingress records read per poll
	earlyMax                        = 1 << 20 // packets of a newer generation held while restoring
	heartbeatIntervalDefault Micros = 10_000
	retryDelay               Micros = 5_000 // before repeating a failed store read
)

// ErrUnknownType is the failure of a message to an unregistered type.
var ErrUnknownType = errors.New("runtime: unknown function type")

// phase is where a worker is in its life: a fresh process waits for the
// coordinator to tell it which checkpoint to restore, loads it, then runs;
// a worker that finds a channel broken stops (failed) until the next
// Restore, as a Flink task whose input channel fails does.
type phase uint8

const (
	waiting phase = iota
	loading
	running
	failed
)

// Worker owns the instances of a range of key groups. It runs their
// invocations one at a time, in arrival order, routes their messages, holds
// their delayed messages, consumes its ingress partition, emits responses,
// takes its part of every checkpoint and restores from one on recovery. It
// is a pure state machine stepped by a driver through Start, Receive,
// Control, PollIngress, Fire and Stored; it has no goroutines and no clock
// of its own.
type Worker struct {
	cfg  Config
	host Host

	phase phase
	gen   Generation
	early []earlyPacket // newer-generation packets that came before our Restore
	sent  []uint64      // per receiver: the last sequence number sent in this generation
	recvd []uint64      // per sender: the last sequence number received in this generation
	gap   channelGap    // the gap that failed the worker

	instances map[Address]*instance
	runq      fifo[Envelope]
	delayed   map[uint64]pendingDelay
	delaySeq  uint64

	ingressOffset Offset
	ingressMore   bool // the last poll filled its batch: more may be waiting
	ingressIndex  ingressIndex
	kickPending   bool // a kick timer is set
	busy          bool // an invocation is in service (InvocationCost > 0, or a slow one: BuggifySlowInvocation)

	checkpointing
	egress   egressBuffer
	tokenSeq uint64 // store-operation tokens; never reset, so stale results never match

	inv   invocation
	pin   Instance // the pipeline's view of the instance being delivered to; reused, so a delivery costs no allocation
	stats Stats
}

type instance struct {
	state  stateEntries
	cached *instanceCache // a pipeline's decoded forms of its state (Instance.Cached); a pointer, so instances without any cost 8 bytes
	// changedIn is the chain epoch in which the state last changed: a
	// change in the same epoch skips the chain's set (a map write with
	// two strings hashed, several times per transaction otherwise).
	changedIn uint64
	// createdIn is the chain epoch in which the instance was created (0:
	// restored): a delta writes an instance created after its base whole.
	createdIn uint64
}

type pendingDelay struct {
	due      Micros
	envelope Envelope
}

type earlyPacket struct {
	from   WorkerID
	packet Packet
	gen    Generation
}

// Stats counts what a worker did.
type Stats struct {
	Invocations int64 `json:"invocations"`  // function invocations, failed ones included
	Failures    int64 `json:"failures"`     // invocations that returned a business failure
	LocalSends  int64 `json:"local_sends"`  // messages to instances on the same worker, ingress records included
	RemoteSends int64 `json:"remote_sends"` // messages to instances on other workers
	Responses   int64 `json:"responses"`    // responses produced for clients
	IngressRead int64 `json:"ingress_read"` // ingress records consumed
	Snapshots   int64 `json:"snapshots"`    // snapshots written
	SnapshotB   int64 `json:"snapshot_bytes"`
	Restores    int64 `json:"restores"`   // restores from a checkpoint
	Recorded    int64 `json:"recorded"`   // in-flight messages recorded into snapshots
	Held        int64 `json:"held"`       // messages an aligned worker held behind an early marker
	Gaps        int64 `json:"gaps"`       // channels found to have lost packets
	Duplicates  int64 `json:"duplicates"` // ingress records skipped: their request id was read before
	ChainMax    int64 `json:"chain_max"`  // the longest snapshot chain written: a full snapshot and its deltas
}

// NewWorker returns a worker that reaches the world through host. Call
// Start before anything else.
func NewWorker(cfg Config, host Host) (*Worker, error) {
	if cfg.KeyGroups == 0 {
		cfg.KeyGroups = KeyGroupsDefault
	}
	if cfg.HeartbeatInterval == 0 {
		cfg.HeartbeatInterval = heartbeatIntervalDefault
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
	case cfg.Strategy != Unaligned && cfg.Strategy != Aligned:
		return nil, fmt.Errorf("runtime: unknown checkpoint strategy %v", cfg.Strategy)
	case cfg.HeartbeatInterval < 0:
		return nil, fmt.Errorf("runtime: heartbeat interval %d: want > 0", cfg.HeartbeatInterval)
	}
	w := &Worker{cfg: cfg, host: host}
	w.inv.buggify = cfg.Buggify
	w.reset()
	return w, nil
}

// reset drops all volatile state: what a fresh process has, and what a
// restore starts from.
func (w *Worker) reset() {
	w.instances = map[Address]*instance{}
	w.runq = fifo[Envelope]{}
	w.delayed = map[uint64]pendingDelay{}
	w.ingressOffset, w.ingressMore, w.kickPending, w.busy = 0, false, false, false
	w.checkpointing = checkpointing{writes: map[uint64]pendingWrite{}, chain: newChain()}
	w.egress = egressBuffer{}
	w.sent = make([]uint64, w.cfg.Workers)
	w.recvd = make([]uint64, w.cfg.Workers)
	w.gap = channelGap{}
	w.ingressIndex = ingressIndex{}
}

// ID returns the worker's id.
func (w *Worker) ID() WorkerID { return w.cfg.ID }

// Owner returns the worker that owns address a in this job.
func (w *Worker) Owner(a Address) WorkerID {
	return Placement{KeyGroups: w.cfg.KeyGroups, Workers: w.cfg.Workers}.Owner(a)
}

// Start begins the worker's life: it runs nothing until the coordinator
// tells it which checkpoint to restore, and says it is alive until then.
func (w *Worker) Start() {
	w.phase = waiting
	w.heartbeat()
}

// heartbeat tells the coordinator the worker lives, or, once failed, that
// it is broken (again: the first report may have been lost), and pings
// every outgoing channel if asked to.
func (w *Worker) heartbeat() {
	kind := Heartbeat
	if w.phase == failed {
		kind = Broken
	}
	w.host.Tell(Control{Kind: kind, Gen: w.gen})
	if w.cfg.ChannelHeartbeats && w.phase == running {
		for j := range w.cfg.Workers {
			if to := WorkerID(j); to != w.cfg.ID {
				w.host.Send(to, Ping{Gen: w.gen, Seq: w.nextSeq(to)})
			}
		}
	}
	w.host.After(w.cfg.HeartbeatInterval, Timer{Kind: TimerHeartbeat})
}

// Receive takes a packet another worker sent this one.
func (w *Worker) Receive(from WorkerID, p Packet) {
	gen, _ := packetHeader(p)
	switch {
	case gen < w.gen:
		return // from before a rollback: replay or the snapshot has it
	case gen == w.gen && w.phase == failed:
		return // the generation is lost: a recovery will replace it
	case gen > w.gen || w.phase != running:
		if len(w.early) >= earlyMax {
			broken("%v: %d packets of generation %d held while in %d", w.cfg.ID, len(w.early), gen, w.gen)
		}
		w.early = append(w.early, earlyPacket{from: from, packet: p, gen: gen})
		return
	}
	w.deliver(from, p)
}

func (w *Worker) deliver(from WorkerID, p Packet) {
	if w.phase != running || !w.inSequence(from, p) {
		return
	}
	switch p := p.(type) {
	case Transfer:
		if owner := w.Owner(p.Envelope.To); owner != w.cfg.ID {
			broken("%v got %v from %v, owned by %v", w.cfg.ID, p.Envelope, from, owner)
		}
		if w.align.blocked(from) && w.cfg.Bug != BugNoAlignment {
			w.align.hold(from, p.Envelope)
			w.stats.Held++
			return
		}
		w.recordChannel(from, p.Envelope)
		w.runq.push(p.Envelope)
		w.run()
	case Marker:
		w.onMarker(from, p.Checkpoint)
	}
}

// nextSeq takes the sequence number of the next packet on the channel to
// worker to.
func (w *Worker) nextSeq(to WorkerID) uint64 {
	w.sent[to]++
	return w.sent[to]
}

// Control handles a message from the checkpoint coordinator.
func (w *Worker) Control(c Control) {
	switch c.Kind {
	case Restore:
		w.onRestore(c)
	case Snapshot:
		if c.Gen == w.gen && w.phase == running {
			w.onSnapshot(c.Checkpoint, -1)
		}
	case Committed:
		if c.Gen == w.gen && w.phase == running {
			w.egress.commit(c.Checkpoint, w.host)
		}
	default:
		broken("%v: unexpected control %v", w.cfg.ID, c)
	}
}

// PollIngress reads new records from the worker's ingress partition. The
// driver calls it when the ingress may have grown.
func (w *Worker) PollIngress() {
	if w.phase != running {
		return // a restore reads the ingress when it is done
	}
	if w.ingressMore && w.kickPending {
		// A read is scheduled already (the last batch was full, or the
		// run queue was): it will see these records too. So a flood of
		// notices costs one read per kick, not one each; under the
		// real-time driver each read ran a whole drain step, and a worker
		// with many notices queued ran its heartbeat timer so late that
		// the coordinator took it for dead.
		return
	}
	w.catchUpIngress()
	if w.runq.len() >= ingressBackpressure {
		// Backpressure, as a Flink source stops reading while its
		// downstream is busy: new records stay in the log, where they cost
		// nothing and no snapshot copies them, and the kick that drains
		// the run queue reads them once it is short.
		w.ingressMore = true
		w.run()
		return
	}
	records := w.host.ReadIngress(w.ingressOffset, ingressBatchMax)
	for _, r := range records {
		w.ingressOffset++
		w.stats.IngressRead++
		if !w.firstRead(r.ID) {
			w.stats.Duplicates++
			continue // its first copy was routed: exactly once
		}
		w.route(Envelope{To: r.To, Request: r.ID, Msg: r.Msg})
	}
	w.ingressMore = len(records) == ingressBatchMax
	w.run()
}

// ingressBackpressure is the run queue length at which a worker stops
// reading its ingress: one drain step's work. Without it an overloaded
// worker read every record as its notice came, its run queue grew without
// bound, every snapshot copied the run queue, and the control messages and
// markers behind the notices waited until checkpoints timed out.
const ingressBackpressure = drainMax

// Fire handles a timer the worker set through Host.After.
func (w *Worker) Fire(t Timer) {
	if t.Kind == TimerHeartbeat {
		w.heartbeat()
		return
	}
	if t.Gen != w.gen {
		return // set before a rollback
	}
	if w.phase == failed {
		return // a recovery replaces this generation's work
	}
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
	case TimerRetry:
		w.loadSnapshot()
		return
	default:
		broken("%v: unknown timer %v", w.cfg.ID, t)
	}
	w.run()
}

// run works through the run queue: one invocation per InvocationCost when
// invocations cost time, else up to drainMax at once. It sets a kick timer
// to continue when it stops with work left.
func (w *Worker) run() {
	if w.phase != running {
		return
	}
	if w.cfg.InvocationCost > 0 {
		switch {
		case w.busy:
		case w.runq.len() > 0:
			w.busy = true
			w.kick(w.cfg.InvocationCost + w.slowdown())
		case w.ingressMore:
			w.kick(0)
		}
		return
	}
	if w.busy {
		return // a slow invocation holds the worker until its kick
	}
	for i := 0; i < drainMax && w.runq.len() > 0; i++ {
		if extra := w.slowdown(); extra > 0 {
			w.busy = true
			w.kick(extra)
			return
		}
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
	w.host.After(delay, Timer{Kind: TimerKick, Gen: w.gen})
}

// invoke hands e to the pipeline, or runs it the default way.
func (w *Worker) invoke(e Envelope) {
	inst := w.instances[e.To]
	if inst == nil {
		inst = &instance{createdIn: w.chain.epoch}
		w.instances[e.To] = inst
	}
	if w.cfg.Pipeline == nil {
		w.invokeDefault(e, inst)
		return
	}
	w.pin = Instance{w: w, addr: e.To, inst: inst}
	w.cfg.Pipeline.Deliver(&w.pin, e)
	w.pin = Instance{}
	w.dropIfEmpty(e.To, inst)
}

// invokeDefault runs the function of e.To on e and applies its effects, or,
// on a business failure, discards them and tells a waiting client.
func (w *Worker) invokeDefault(e Envelope, inst *instance) {
	fn, ok := w.cfg.Registry.Lookup(e.To.Type)
	if !ok {
		w.fail(e, ErrUnknownType)
		w.dropIfEmpty(e.To, inst)
		return
	}
	w.stats.Invocations++
	w.inv.begin(e, inst)
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
		w.respond(Response{Request: e.Request, From: e.To, Failure: err.Error()})
	}
}

func (w *Worker) apply(a Address, inst *instance, fx *Effects) {
	if len(fx.Mutations) > 0 {
		w.chain.touch(a, inst)
	}
	for _, m := range fx.Mutations {
		if m.Deleted {
			inst.state.delete(m.Name, w.chain.epoch)
		} else {
			inst.state.set(m.Name, m.Value, w.chain.epoch)
		}
	}
	w.dropIfEmpty(a, inst)
	for _, e := range fx.Sends {
		w.route(e)
	}
	for _, d := range fx.Delayed {
		w.setDelayed(d.Delay, d.Envelope)
	}
	for _, r := range fx.Responses {
		w.respond(r)
	}
}

func (w *Worker) setDelayed(delay Micros, e Envelope) {
	w.delaySeq++
	w.delayed[w.delaySeq] = pendingDelay{due: w.host.Now() + delay, envelope: e}
	w.host.After(delay, Timer{Kind: TimerDelayed, Gen: w.gen, ID: w.delaySeq})
}

// dropIfEmpty forgets an instance without state, so that instances that were
// only read cost no memory.
func (w *Worker) dropIfEmpty(a Address, inst *instance) {
	if !inst.state.live() {
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
	w.host.Send(owner, Transfer{Gen: w.gen, Seq: w.nextSeq(owner), Envelope: e})
}

func (w *Worker) respond(r Response) {
	w.stats.Responses++
	if w.cfg.ExactlyOnce && w.cfg.Bug != BugEarlyEgress {
		w.egress.hold(r)
		return
	}
	w.host.Release(EgressBatch{Worker: w.cfg.ID, Responses: []Response{r}})
}

// Stats returns the worker's counters.
func (w *Worker) Stats() Stats { return w.stats }
