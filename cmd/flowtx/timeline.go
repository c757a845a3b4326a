package main

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/flowtx/flowtx/runtime"
	"github.com/flowtx/flowtx/scenarios"
	"github.com/flowtx/flowtx/sim"
)

// timeline turns one run's kernel events into spans and instants for a
// Chrome trace-event file (timeline_render.go writes it). It is fed as
// the run goes, like traceLog, and reads only what the events carry: the
// typed message of each delivery, timer and append, the store operation of
// each store completion, and the node layout scenarios documents (workers,
// then the checkpoint coordinator, then clients). Function messages between
// instances of one worker never reach the kernel, so they are not drawn.
type timeline struct {
	cfg    scenarios.Config
	now    sim.Time
	slices []*slice // in the order they were found, which fixes the output order

	down       map[sim.NodeID]*slice // crash windows of nodes now down
	snapshots  map[snapshotKey]*slice
	ckptOpen   map[runtime.CheckpointID]*checkpoint
	ckptSeen   map[runtime.CheckpointID]bool
	ckptTimers []ckptTimer
	recovery   *recovery
	requests   map[runtime.RequestID]*request
	reqOrder   []*request
	placement  runtime.Placement
	ingress    map[runtime.WorkerID][]runtime.Request // appended, not yet noticed
}

// slice is one span (start to end) or instant of the timeline, on a track
// of an actor. Children are drawn inside their parent, on its lane.
type slice struct {
	pid        int
	track      string // "" is the actor's main track
	name, cat  string
	start, end sim.Time
	instant    bool
	open       bool
	args       map[string]any
	parent     *slice
}

type snapshotKey struct {
	worker runtime.WorkerID
	id     runtime.CheckpointID
}

type checkpoint struct {
	span       *slice
	acked      map[runtime.WorkerID]bool
	completing bool // every worker acknowledged: a timeout no longer aborts it
}

// ckptTimer is a firing of the coordinator's checkpoint timer: the moment
// the next checkpoint of generation gen starts, if it does.
type ckptTimer struct {
	gen runtime.Generation
	at  sim.Time
}

type recovery struct {
	span     *slice
	instant  *slice
	gen      runtime.Generation // 0 until the first Restore names it
	restored map[runtime.WorkerID]bool
}

func newTimeline(cfg scenarios.Config) *timeline {
	return &timeline{
		cfg:       cfg,
		down:      map[sim.NodeID]*slice{},
		snapshots: map[snapshotKey]*slice{},
		ckptOpen:  map[runtime.CheckpointID]*checkpoint{},
		ckptSeen:  map[runtime.CheckpointID]bool{},
		requests:  map[runtime.RequestID]*request{},
		// The clients' placement, as scenarios builds it, so that each
		// request lands in the ingress partition it was appended to.
		placement: runtime.Placement{KeyGroups: runtime.KeyGroupsDefault, Workers: cfg.Workers},
		ingress:   map[runtime.WorkerID][]runtime.Request{},
	}
}

func (t *timeline) coordinator() sim.NodeID { return sim.NodeID(t.cfg.Workers) }

func (t *timeline) isWorker(n sim.NodeID) bool { return n >= 0 && int(n) < t.cfg.Workers }

func (t *timeline) isClient(n sim.NodeID) bool {
	return int(n) > t.cfg.Workers && int(n) <= t.cfg.Workers+t.cfg.Clients
}

// pid is the trace process of a node; faultsPid, after them all, holds
// the fault schedule.
func pid(n sim.NodeID) int         { return int(n) + 1 }
func (t *timeline) faultsPid() int { return t.cfg.Workers + t.cfg.Clients + 2 }

// open starts a span now and keeps it in the timeline.
func (t *timeline) open(p int, track, name, cat string, args map[string]any) *slice {
	s := &slice{pid: p, track: track, name: name, cat: cat, start: t.now, end: t.now, open: true, args: args}
	t.slices = append(t.slices, s)
	return s
}

// mark adds a zero-length slice (instant false) or an instant now.
func (t *timeline) mark(p int, name, cat string, instant bool, args map[string]any) *slice {
	s := &slice{pid: p, name: name, cat: cat, start: t.now, end: t.now, instant: instant, args: args}
	t.slices = append(t.slices, s)
	return s
}

// close ends a span now, saying how it ended.
func (t *timeline) close(s *slice, result string) {
	if s == nil || !s.open {
		return
	}
	s.open, s.end = false, t.now
	if s.args == nil {
		s.args = map[string]any{}
	}
	s.args["result"] = result
}

// record takes one kernel event; it is the tracer replay and the artifacts
// writer hand to scenarios.RunTraced. Dropped events are left out: they
// changed nothing but the trace hash.
func (t *timeline) record(e sim.TraceEvent) {
	t.now = e.At
	switch e.Kind {
	case "crash":
		t.onCrash(e.Node)
	case "start":
		t.onStart(e.Node)
	case "deliver":
		t.onDeliver(e)
	case "timer":
		t.onTimer(e)
	case "store":
		t.onStore(e)
	case "append":
		t.onAppend(e)
	case "buggify":
		t.mark(pid(e.Node), fmt.Sprint(e.Msg), "buggify", true, nil)
	}
}

func (t *timeline) onCrash(n sim.NodeID) {
	t.down[n] = t.open(pid(n), "faults", "down", "fault", map[string]any{"fault": "crash"})
	const lost = "lost: the process crashed"
	if t.isWorker(n) {
		for k, s := range t.snapshots {
			if k.worker == runtime.WorkerID(n) {
				t.close(s, lost)
				delete(t.snapshots, k)
			}
		}
	}
	if n == t.coordinator() {
		t.closeCheckpoints(lost)
		if t.recovery != nil {
			t.close(t.recovery.span, lost)
			t.recovery = nil
		}
	}
}

func (t *timeline) onStart(n sim.NodeID) {
	if s := t.down[n]; s != nil {
		t.close(s, "restarted")
		delete(t.down, n)
		t.mark(pid(n), "restart", "fault", true, nil)
	}
}

func (t *timeline) onDeliver(e sim.TraceEvent) {
	switch m := e.Msg.(type) {
	case runtime.Transfer:
		t.invoke(e.Node, e.From, m)
	case runtime.Marker:
		t.snapshotSeen(runtime.WorkerID(e.Node), m.Checkpoint)
	case runtime.Control:
		if e.Node == t.coordinator() {
			t.onCoordinatorControl(runtime.WorkerID(e.From), m)
		} else {
			t.onWorkerControl(runtime.WorkerID(e.Node), m)
		}
	default:
		// A client tells a worker that its ingress partition grew; the
		// worker reads every request appended since it last read, which
		// holds however notices are lost, repeated or reordered.
		if t.isWorker(e.Node) && t.isClient(e.From) {
			w := runtime.WorkerID(e.Node)
			for _, r := range t.ingress[w] {
				t.mark(pid(e.Node), r.Msg.Kind, "ingress", false, map[string]any{"request": r.ID.String(), "to": r.To.String()})
			}
			t.ingress[w] = nil
		}
	}
}

// invoke draws a function message delivered to a worker: the invocation of
// its target, which takes no virtual time.
func (t *timeline) invoke(n, from sim.NodeID, m runtime.Transfer) {
	e := m.Envelope
	t.mark(pid(n), e.Msg.Kind, "invoke", false, map[string]any{
		"to": e.To.String(), "from": e.From.String(), "from_worker": int(from),
		"request": e.Request.String(), "generation": int64(m.Gen),
	})
	if r := t.requests[e.Request]; r != nil {
		r.see(e.Msg.Kind, t.now)
	}
}

func (t *timeline) onWorkerControl(w runtime.WorkerID, m runtime.Control) {
	switch m.Kind {
	case runtime.Snapshot:
		t.snapshotSeen(w, m.Checkpoint)
	case runtime.Restore:
		for k, s := range t.snapshots {
			if k.worker == w {
				t.close(s, "abandoned: the worker restores")
				delete(t.snapshots, k)
			}
		}
		t.mark(pid(sim.NodeID(w)), fmt.Sprintf("restore g%d from checkpoint %v", m.Gen, m.Checkpoint), "recovery", true, nil)
		if r := t.recovery; r != nil && r.gen == 0 {
			r.gen = m.Gen
			r.span.name = fmt.Sprintf("recovery g%d", m.Gen)
			r.instant.name = r.span.name
			r.span.args = map[string]any{"from_checkpoint": m.Checkpoint.String()}
			r.instant.args = map[string]any{"from_checkpoint": m.Checkpoint.String()}
		}
	}
}

func (t *timeline) onCoordinatorControl(w runtime.WorkerID, m runtime.Control) {
	switch m.Kind {
	case runtime.Acked:
		if c := t.ckptOpen[m.Checkpoint]; c != nil {
			c.acked[w] = true
			c.completing = len(c.acked) == t.cfg.Workers
		}
	case runtime.Failed:
		t.closeCheckpoint(m.Checkpoint, fmt.Sprintf("aborted: %v could not store its snapshot", w))
	case runtime.Restored:
		r := t.recovery
		if r == nil || r.gen == 0 || m.Gen != r.gen {
			return
		}
		r.restored[w] = true
		if len(r.restored) == t.cfg.Workers {
			t.close(r.span, "every worker restored")
			t.recovery = nil
		}
	}
}

// snapshotSeen opens worker w's snapshot span for checkpoint id at the
// first Snapshot order or marker of it, and the coordinator's span of the
// checkpoint at the first sign of it anywhere.
func (t *timeline) snapshotSeen(w runtime.WorkerID, id runtime.CheckpointID) {
	if !t.ckptSeen[id] {
		t.ckptSeen[id] = true
		t.startCheckpoint(id)
	}
	k := snapshotKey{w, id}
	if t.snapshots[k] == nil {
		t.snapshots[k] = t.open(pid(sim.NodeID(w)), "checkpoints", "snapshot "+id.String(), "checkpoint", nil)
	}
}

// startCheckpoint opens the coordinator's span of checkpoint id, from the
// last firing of its checkpoint timer in id's generation: the coordinator
// starts a checkpoint when that timer fires, and the orders it sends then
// are what the workers show.
func (t *timeline) startCheckpoint(id runtime.CheckpointID) {
	gen := runtime.Generation(int64(id) >> 32) // the high half, as runtime.CheckpointID documents
	c := &checkpoint{acked: map[runtime.WorkerID]bool{}}
	c.span = t.open(pid(t.coordinator()), "checkpoints", "checkpoint "+id.String(), "checkpoint", nil)
	for i := len(t.ckptTimers) - 1; i >= 0; i-- {
		if t.ckptTimers[i].gen == gen {
			c.span.start = t.ckptTimers[i].at
			break
		}
	}
	t.ckptOpen[id] = c
}

func (t *timeline) closeCheckpoint(id runtime.CheckpointID, result string) {
	if c := t.ckptOpen[id]; c != nil {
		t.close(c.span, result)
		delete(t.ckptOpen, id)
	}
}

func (t *timeline) closeCheckpoints(result string) {
	for id := range t.ckptOpen {
		t.closeCheckpoint(id, result)
	}
}

func (t *timeline) onTimer(e sim.TraceEvent) {
	tm, ok := e.Msg.(runtime.Timer)
	if !ok || e.Node != t.coordinator() {
		return
	}
	switch tm.Kind {
	case runtime.TimerCheckpoint:
		t.ckptTimers = append(t.ckptTimers, ckptTimer{gen: tm.Gen, at: t.now})
	case runtime.TimerCheckpointTimeout:
		id := runtime.CheckpointID(tm.ID)
		if c := t.ckptOpen[id]; c != nil && !c.completing {
			t.closeCheckpoint(id, "aborted: timed out")
		}
	}
}

// onStore reads the store keys docs/exactly-once.md lists: a worker's
// snapshot write ends its snapshot span, the coordinator's completion
// record ends a checkpoint, and its generation record starts a recovery.
func (t *timeline) onStore(e sim.TraceEvent) {
	op, failed, ok := e.StoreOp()
	if !ok {
		return
	}
	if failed {
		t.mark(pid(e.Node), fmt.Sprintf("%v failed", op.Kind), "fault", true, map[string]any{"key": op.Key})
	}
	if op.Kind != sim.StorePut {
		return
	}
	switch {
	case t.isWorker(e.Node) && strings.HasPrefix(op.Key, "chk/"):
		k := snapshotKey{runtime.WorkerID(e.Node), keyCheckpoint(op.Key, "chk/")}
		t.close(t.snapshots[k], map[bool]string{false: "stored", true: "store failed"}[failed])
		delete(t.snapshots, k)
	case e.Node == t.coordinator() && strings.HasPrefix(op.Key, "done/"):
		t.closeCheckpoint(keyCheckpoint(op.Key, "done/"), map[bool]string{false: "complete", true: "aborted: completion record failed"}[failed])
	case e.Node == t.coordinator() && op.Key == "coordinator/generation" && !failed:
		t.startRecovery()
	}
}

func (t *timeline) startRecovery() {
	const abandoned = "abandoned: a recovery started"
	t.closeCheckpoints(abandoned)
	if t.recovery != nil {
		t.close(t.recovery.span, abandoned)
	}
	t.recovery = &recovery{
		instant:  t.mark(pid(t.coordinator()), "recovery", "recovery", true, nil),
		span:     t.open(pid(t.coordinator()), "recovery", "recovery", "recovery", nil),
		restored: map[runtime.WorkerID]bool{},
	}
}

// keyCheckpoint parses the checkpoint id, 20 decimal digits, after prefix.
func keyCheckpoint(key, prefix string) runtime.CheckpointID {
	digits, _, _ := strings.Cut(strings.TrimPrefix(key, prefix), "/")
	n, _ := strconv.ParseInt(digits, 10, 64)
	return runtime.CheckpointID(n)
}

func (t *timeline) onAppend(e sim.TraceEvent) {
	switch m := e.Msg.(type) {
	case runtime.Request:
		if t.isClient(e.Node) {
			w := t.placement.Owner(m.To)
			t.ingress[w] = append(t.ingress[w], m)
			t.startRequest(e.Node, m)
		}
	case runtime.EgressBatch:
		for _, resp := range m.Responses {
			if r := t.requests[resp.Request]; r != nil {
				r.answer(resp, t.now)
			}
		}
	}
}
