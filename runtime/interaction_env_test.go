package runtime

import (
	"encoding/binary"
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// ixEnv is the world of the interaction tests: three workers and one
// checkpoint coordinator, and every message between them. Nothing is
// delivered unless a command says so: packets and control messages wait in
// a FIFO queue per directed link, timers in a list per actor, store
// operations in one list, until a command delivers, fires or completes
// them. Every effect an actor has on the world is written to out, one line
// each, in the order the actor made it.
type ixEnv struct {
	opts ixOptions
	reg  *Registry
	now  Micros
	seq  int // orders timers and store operations

	workers [ixWorkers]*Worker // nil while crashed
	coord   *Coordinator

	queues   map[ixLink][]ixMsg
	timers   map[ixActor][]ixTimer
	storeOps []ixStoreOp
	store    map[string][]byte

	ingress   [ixWorkers][]Request // one partition per worker, durable
	submitted []Request            // every request, in submission order
	clientSeq map[ClientID]uint64
	released  []EgressBatch // in release order, duplicates included

	out strings.Builder
}

// ixOptions configure an ixEnv.
type ixOptions struct {
	exactlyOnce bool
	bug         Bug  // a deliberately broken runtime, for known-bad scenarios
	pings       bool // Config.ChannelHeartbeats
}

const (
	ixWorkers            = 3
	ixCheckpointInterval = Micros(1_000)
	ixHeartbeatInterval  = Micros(10_000)
	ixStepsMax           = 10_000 // deliveries and completions per stabilize
)

// ixActor is a worker (0..ixWorkers-1) or the coordinator.
type ixActor int

const ixCoord ixActor = -1

func (a ixActor) String() string {
	if a == ixCoord {
		return "coord"
	}
	return WorkerID(a).String()
}

func parseIxActor(s string) (ixActor, error) {
	if s == "coord" {
		return ixCoord, nil
	}
	var n int
	if _, err := fmt.Sscanf(s, "w%d", &n); err != nil || n < 0 || n >= ixWorkers || s != WorkerID(n).String() {
		return 0, fmt.Errorf("unknown actor %q: want coord or w0..w%d", s, ixWorkers-1)
	}
	return ixActor(n), nil
}

// ixLink is a directed channel. Links between workers carry packets; links
// to and from the coordinator carry control messages.
type ixLink struct{ from, to ixActor }

func (l ixLink) String() string { return fmt.Sprintf("%v->%v", l.from, l.to) }

// ixLinks lists every link in the order commands visit them: coordinator
// to workers, workers to coordinator, then worker pairs.
func ixLinks() []ixLink {
	var links []ixLink
	for w := range ixWorkers {
		links = append(links, ixLink{ixCoord, ixActor(w)})
	}
	for w := range ixWorkers {
		links = append(links, ixLink{ixActor(w), ixCoord})
	}
	for from := range ixWorkers {
		for to := range ixWorkers {
			if from != to {
				links = append(links, ixLink{ixActor(from), ixActor(to)})
			}
		}
	}
	return links
}

// ixMsg is a packet on a worker link or a control on a coordinator link.
type ixMsg struct {
	packet  Packet
	control Control
}

func (m ixMsg) String() string {
	if m.packet != nil {
		return fmt.Sprint(m.packet)
	}
	return m.control.String()
}

type ixTimer struct {
	due   Micros
	seq   int
	timer Timer
}

func (t ixTimer) String() string { return fmt.Sprintf("%v @%d", t.timer, t.due) }

type ixStoreOp struct {
	actor ixActor
	op    StoreRequest
}

func (o ixStoreOp) String() string {
	return fmt.Sprintf("%v %v %s #%d", o.actor, o.op.Kind, ixKey(o.op.Key), o.op.Token)
}

func newIxEnv(t testing.TB, opts ixOptions) *ixEnv {
	reg := NewRegistry()
	require.NoError(t, reg.Register(ixRingType, ixRing))
	return &ixEnv{
		opts:      opts,
		reg:       reg,
		queues:    map[ixLink][]ixMsg{},
		timers:    map[ixActor][]ixTimer{},
		store:     map[string][]byte{},
		clientSeq: map[ClientID]uint64{},
	}
}

// output returns what was logged since the last call.
func (e *ixEnv) output() string {
	s := e.out.String()
	e.out.Reset()
	return s
}

func (e *ixEnv) logf(format string, args ...any) {
	fmt.Fprintf(&e.out, format+"\n", args...)
}

// effect logs something actor a did to the world, under the event that
// caused it.
func (e *ixEnv) effect(a ixActor, format string, args ...any) {
	e.logf("  %v %s", a, fmt.Sprintf(format, args...))
}

func (e *ixEnv) workerConfig(id WorkerID) Config {
	return Config{
		ID: id, Workers: ixWorkers, Registry: e.reg,
		ExactlyOnce: e.opts.exactlyOnce, HeartbeatInterval: ixHeartbeatInterval, Bug: e.opts.bug,
		ChannelHeartbeats: e.opts.pings,
	}
}

// startWorker gives worker id a fresh process and starts it.
func (e *ixEnv) startWorker(t testing.TB, id WorkerID) {
	require.Nil(t, e.workers[id], "%v is running", id)
	w, err := NewWorker(e.workerConfig(id), ixWorkerHost{env: e, id: id})
	require.NoError(t, err)
	e.workers[id] = w
	e.logf("%v start", id)
	w.Start()
}

func (e *ixEnv) startCoordinator(t testing.TB) {
	require.Nil(t, e.coord, "coordinator is running")
	cfg := CoordinatorConfig{Workers: ixWorkers, CheckpointInterval: ixCheckpointInterval, Bug: e.opts.bug}
	c, err := NewCoordinator(cfg, ixCoordHost{env: e})
	require.NoError(t, err)
	e.coord = c
	e.logf("coord start")
	c.Start()
}

func (e *ixEnv) alive(a ixActor) bool {
	if a == ixCoord {
		return e.coord != nil
	}
	return e.workers[a] != nil
}

// enqueue puts m on link l, or drops it when the receiver is down, as a
// channel to a dead process loses what is sent on it.
func (e *ixEnv) enqueue(l ixLink, verb string, m ixMsg) {
	if !e.alive(l.to) {
		e.effect(l.from, "%s %v: %v (dropped: %v is down)", verb, l.to, m, l.to)
		return
	}
	e.effect(l.from, "%s %v: %v", verb, l.to, m)
	e.queues[l] = append(e.queues[l], m)
}

// deliverOne hands the oldest message on l to its receiver.
func (e *ixEnv) deliverOne(l ixLink) {
	q := e.queues[l]
	m := q[0]
	e.queues[l] = q[1:]
	e.logf("%v: %v", l, m)
	switch {
	case l.to == ixCoord:
		e.coord.Receive(WorkerID(l.from), m.control)
	case l.from == ixCoord:
		e.workers[l.to].Control(m.control)
	default:
		e.workers[l.to].Receive(WorkerID(l.from), m.packet)
	}
}

func (e *ixEnv) after(a ixActor, delay Micros, t Timer) {
	e.seq++
	e.timers[a] = append(e.timers[a], ixTimer{due: e.now + delay, seq: e.seq, timer: t})
	e.effect(a, "after %d: %v", delay, t)
}

// timerIndex returns the index of actor a's pending timer seq, or -1 if it
// fired or was dropped.
func (e *ixEnv) timerIndex(a ixActor, seq int) int {
	for i, t := range e.timers[a] {
		if t.seq == seq {
			return i
		}
	}
	return -1
}

// fire fires actor a's i-th pending timer, moving the clock to its due time
// if that is later.
func (e *ixEnv) fire(a ixActor, i int) {
	ts := e.timers[a]
	t := ts[i]
	e.timers[a] = append(ts[:i:i], ts[i+1:]...)
	e.now = max(e.now, t.due)
	e.logf("%v fire %v (now %d)", a, t.timer, e.now)
	if a == ixCoord {
		e.coord.Fire(t.timer)
		return
	}
	e.workers[a].Fire(t.timer)
}

func (e *ixEnv) startStore(a ixActor, op StoreRequest) {
	o := ixStoreOp{actor: a, op: op}
	e.storeOps = append(e.storeOps, o)
	e.effect(a, "store %v %s #%d", op.Kind, ixKey(op.Key), op.Token)
	if op.Kind == StorePut && strings.HasPrefix(op.Key, snapshotPrefix) {
		e.logf("%s", ixIndent(ixDescribeSnapshotBytes(op.Value), "    "))
	}
}

// completeStore applies the i-th pending store operation to the store, or
// fails it, and hands the result to the actor that started it.
func (e *ixEnv) completeStore(i int, fail bool) {
	o := e.storeOps[i]
	e.storeOps = append(e.storeOps[:i:i], e.storeOps[i+1:]...)
	r := StoreResult{Token: o.op.Token}
	switch {
	case fail:
		r.Err = fmt.Errorf("injected store failure")
	case o.op.Kind == StorePut:
		e.store[o.op.Key] = append([]byte(nil), o.op.Value...)
	case o.op.Kind == StoreGet:
		r.Value, r.Found = e.store[o.op.Key]
	case o.op.Kind == StoreDelete:
		delete(e.store, o.op.Key)
	case o.op.Kind == StoreList:
		for _, k := range ixSortedKeys(e.store) {
			if strings.HasPrefix(k, o.op.Key) {
				r.Keys = append(r.Keys, k)
			}
		}
	}
	e.logf("store %v: %s", o, ixDescribeResult(o.op, r))
	if o.actor == ixCoord {
		e.coord.Stored(r)
		return
	}
	e.workers[o.actor].Stored(r)
}

func ixDescribeResult(op StoreRequest, r StoreResult) string {
	switch {
	case r.Err != nil:
		return "failed: " + r.Err.Error()
	case op.Kind == StoreGet && !r.Found:
		return "not found"
	case op.Kind == StoreGet:
		return "found"
	case op.Kind == StoreList:
		keys := make([]string, len(r.Keys))
		for i, k := range r.Keys {
			keys[i] = ixKey(k)
		}
		return fmt.Sprintf("[%s]", strings.Join(keys, " "))
	}
	return "ok"
}

// crash drops worker id's process and everything that only lived in it or
// was on its way to or from it: queued packets and controls, timers, store
// operations in flight (they never took effect).
func (e *ixEnv) crash(t testing.TB, id WorkerID) {
	require.NotNil(t, e.workers[id], "%v is down already", id)
	e.workers[id] = nil
	a := ixActor(id)
	for _, l := range ixLinks() {
		if l.from == a || l.to == a {
			for _, m := range e.queues[l] {
				e.logf("  dropped %v: %v", l, m)
			}
			delete(e.queues, l)
		}
	}
	for _, tm := range e.timers[a] {
		e.logf("  dropped timer %v: %v", a, tm)
	}
	delete(e.timers, a)
	kept := e.storeOps[:0]
	for _, o := range e.storeOps {
		if o.actor == a {
			e.logf("  dropped store op %v", o)
			continue
		}
		kept = append(kept, o)
	}
	e.storeOps = kept
}

// submit appends a client request to the ingress partition of the worker
// that owns its target, and tells that worker to poll if it runs.
func (e *ixEnv) submit(client ClientID, to Address, msg Message) {
	e.clientSeq[client]++
	r := Request{ID: RequestID{Client: client, Seq: e.clientSeq[client]}, To: to, Msg: msg}
	owner := Placement{KeyGroups: KeyGroupsDefault, Workers: ixWorkers}.Owner(to)
	e.ingress[owner] = append(e.ingress[owner], r)
	e.submitted = append(e.submitted, r)
	e.logf("ingress %v offset %d: %v", owner, len(e.ingress[owner])-1, r)
	if w := e.workers[owner]; w != nil {
		w.PollIngress()
	}
}

// ixWorkerHost is a worker's view of the env.
type ixWorkerHost struct {
	env *ixEnv
	id  WorkerID
}

func (h ixWorkerHost) Now() Micros { return h.env.now }

func (h ixWorkerHost) Send(to WorkerID, p Packet) {
	h.env.enqueue(ixLink{ixActor(h.id), ixActor(to)}, "send", ixMsg{packet: p})
}

func (h ixWorkerHost) Tell(c Control) {
	h.env.enqueue(ixLink{ixActor(h.id), ixCoord}, "tell", ixMsg{control: c})
}

func (h ixWorkerHost) After(delay Micros, t Timer) { h.env.after(ixActor(h.id), delay, t) }

func (h ixWorkerHost) Release(b EgressBatch) {
	h.env.released = append(h.env.released, b)
	h.env.effect(ixActor(h.id), "release %v", b)
	for _, r := range b.Responses {
		h.env.logf("    %v", r)
	}
}

func (h ixWorkerHost) ReadIngress(from Offset, n int) []Request {
	recs := h.env.ingress[h.id]
	if int(from) >= len(recs) {
		return nil
	}
	return append([]Request(nil), recs[from:min(len(recs), int(from)+n)]...)
}

func (h ixWorkerHost) Store(op StoreRequest) { h.env.startStore(ixActor(h.id), op) }

// ixCoordHost is the coordinator's view of the env.
type ixCoordHost struct{ env *ixEnv }

func (h ixCoordHost) Now() Micros { return h.env.now }

func (h ixCoordHost) Tell(to WorkerID, c Control) {
	h.env.enqueue(ixLink{ixCoord, ixActor(to)}, "tell", ixMsg{control: c})
}

func (h ixCoordHost) After(delay Micros, t Timer) { h.env.after(ixCoord, delay, t) }

func (h ixCoordHost) Store(op StoreRequest) { h.env.startStore(ixCoord, op) }

// ixKey renders a store key with its checkpoint id readable:
// chk/00000000004294967297/g1/w0 becomes chk/1.1/g1/w0.
func ixKey(key string) string {
	for _, prefix := range []string{snapshotPrefix, completionPrefix} {
		if id, ok := checkpointOfKey(key, prefix); ok {
			return prefix + id.String() + key[len(prefix)+20:]
		}
	}
	return key
}

// ixValue renders a stored value: a snapshot (full, or a delta of its base)
// as a one-line summary, the coordinator's generation as gN, a completion
// record as its source generation and the oldest full snapshot its chains
// start from.
func ixValue(key string, v []byte) string {
	if strings.HasPrefix(key, snapshotPrefix) {
		s, err := DecodeSnapshot(v)
		if err != nil {
			return err.Error()
		}
		kind := "snapshot"
		if !s.Base.IsZero() {
			kind = fmt.Sprintf("delta of %v/g%d, %d removed,", s.Base.Checkpoint, s.Base.Gen, len(s.Deleted))
		}
		return fmt.Sprintf("%s (%d instances, %d queued, %d in flight, %d delayed, %d egress batches)",
			kind, len(s.Instances), len(s.RunQueue), ixChannelMessages(s), len(s.Delayed), len(s.Egress))
	}
	if g, n := binary.Uvarint(v); n > 0 && n == len(v) {
		return fmt.Sprintf("g%d", g)
	}
	if g, n := binary.Uvarint(v); n > 0 {
		if root, m := binary.Varint(v[n:]); m > 0 && n+m == len(v) {
			return fmt.Sprintf("g%d, chains from %v", g, CheckpointID(root))
		}
	}
	return fmt.Sprintf("%q", v)
}

func ixChannelMessages(s *WorkerSnapshot) int {
	n := 0
	for _, c := range s.Channels {
		n += len(c.Messages)
	}
	return n
}

// ixDescribeSnapshotBytes decodes a stored snapshot and renders all of it.
func ixDescribeSnapshotBytes(v []byte) string {
	s, err := DecodeSnapshot(v)
	if err != nil {
		return "undecodable snapshot: " + err.Error()
	}
	var b strings.Builder
	fmt.Fprintf(&b, "snapshot %v of %v (g%d), ingress offset %d\n", s.Worker, s.Checkpoint, s.Gen, s.Ingress)
	var items []string
	for _, in := range s.Instances {
		var kv []string
		for _, m := range in.Entries {
			kv = append(kv, fmt.Sprintf("%s=%s", m.Name, describeValue(m.Value)))
		}
		items = append(items, fmt.Sprintf("%v %s", in.Address, strings.Join(kv, " ")))
	}
	ixSection(&b, "instances", items)
	items = nil
	for _, env := range s.RunQueue {
		items = append(items, env.String())
	}
	ixSection(&b, "run queue", items)
	items = nil
	for _, c := range s.Channels {
		for _, env := range c.Messages {
			items = append(items, fmt.Sprintf("from %v: %v", c.From, env))
		}
	}
	ixSection(&b, "channels", items)
	items = nil
	for _, d := range s.Delayed {
		items = append(items, fmt.Sprintf("in %d: %v", d.Remaining, d.Envelope))
	}
	ixSection(&b, "delayed", items)
	items = nil
	for _, eb := range s.Egress {
		for _, r := range eb.Responses {
			items = append(items, fmt.Sprintf("epoch %v: %v", eb.Epoch, r))
		}
	}
	ixSection(&b, "egress", items)
	return strings.TrimSuffix(b.String(), "\n")
}

func ixSection(b *strings.Builder, name string, items []string) {
	if len(items) == 0 {
		fmt.Fprintf(b, "  %s: none\n", name)
		return
	}
	fmt.Fprintf(b, "  %s:\n", name)
	for _, it := range items {
		fmt.Fprintf(b, "    %s\n", it)
	}
}

func ixIndent(s, prefix string) string {
	return prefix + strings.ReplaceAll(s, "\n", "\n"+prefix)
}

// describe renders the whole env: actors, queues, timers, store operations
// in flight and store contents.
func (e *ixEnv) describe() string {
	var b strings.Builder
	b.WriteString(e.describeCoordinator())
	for id, w := range e.workers {
		if w == nil {
			fmt.Fprintf(&b, "%v down\n", WorkerID(id))
			continue
		}
		b.WriteString(w.Describe())
		if len(w.early) > 0 {
			fmt.Fprintf(&b, "  holding %d packets until it runs their generation\n", len(w.early))
		}
	}
	b.WriteString(e.describeQueues())
	b.WriteString(e.describeTimers())
	for _, o := range e.storeOps {
		fmt.Fprintf(&b, "store op in flight: %v\n", o)
	}
	b.WriteString("store:\n")
	for _, k := range ixSortedKeys(e.store) {
		fmt.Fprintf(&b, "  %s = %s\n", ixKey(k), ixValue(k, e.store[k]))
	}
	return strings.TrimSuffix(b.String(), "\n")
}

func (e *ixEnv) describeCoordinator() string {
	c := e.coord
	if c == nil {
		return "coord down\n"
	}
	phases := [...]string{booting: "booting", recovering: "recovering", steady: "steady"}
	s := fmt.Sprintf("coord g%d %s latest=%v (g%d)", c.gen, phases[c.phase], c.latest, c.latestGen)
	if in := c.inflight; in != nil {
		s += fmt.Sprintf(" inflight=%v acks=%d/%d", in.id, in.acks, ixWorkers)
	}
	return s + "\n"
}

func (e *ixEnv) describeQueues() string {
	var b strings.Builder
	for _, l := range ixLinks() {
		q := e.queues[l]
		if len(q) == 0 {
			continue
		}
		fmt.Fprintf(&b, "link %v:\n", l)
		for _, m := range q {
			fmt.Fprintf(&b, "  %v\n", m)
		}
	}
	return b.String()
}

func (e *ixEnv) describeTimers() string {
	var b strings.Builder
	for a := ixCoord; a < ixWorkers; a++ {
		ts := e.timers[a]
		if len(ts) == 0 {
			continue
		}
		items := make([]string, len(ts))
		for i, t := range ts {
			items[i] = t.String()
		}
		fmt.Fprintf(&b, "timers %v: %s\n", a, strings.Join(items, ", "))
	}
	return b.String()
}
