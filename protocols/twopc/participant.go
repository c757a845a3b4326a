package twopc

import (
	"fmt"

	"github.com/flowtx/flowtx/protocols"
	"github.com/flowtx/flowtx/runtime"
)

// Conflict says what a participant does with a prepare that finds the
// instance locked by another transaction.
type Conflict uint8

// Conflict policies.
const (
	// Wait queues the prepare behind the lock, as the paper does, and
	// detects deadlocks by Chandy-Misra-Haas edge chasing.
	Wait Conflict = iota
	// NoWait votes no at once, with the retryable outcome, as Beldi does.
	NoWait
	// WaitDie lets an older transaction wait for a younger holder and
	// makes a younger one die (vote no, retryable): waits only ever go
	// from old to young, so no deadlock can form and no probes are sent.
	// Age is the client request's (sequence, client) number, so a retry,
	// which gets a new number, is younger than its first attempt.
	WaitDie
)

func (c Conflict) String() string {
	switch c {
	case Wait:
		return "wait"
	case NoWait:
		return "no-wait"
	case WaitDie:
		return "wait-die"
	}
	return fmt.Sprintf("conflict(%d)", uint8(c))
}

// Bug names a deliberately broken participant or coordinator, for tests.
type Bug string

// Known bugs.
const (
	NoBug Bug = ""
	// BugApplyAtPrepare applies a participant's effects when it prepares,
	// not when it commits.
	BugApplyAtPrepare Bug = "2pc-apply-at-prepare"
	// BugUnlockBeforeCommit releases the lock when the participant votes.
	BugUnlockBeforeCommit Bug = "2pc-unlock-before-commit"
	// BugCommitOnNo has the coordinator commit although a participant
	// voted no.
	BugCommitOnNo Bug = "2pc-commit-on-no"
	// BugCommitMissingVote has the coordinator commit when all votes but
	// one are in.
	BugCommitMissingVote Bug = "2pc-commit-missing-vote"
	// BugDirtyRead serves a plain message to a locked instance at once,
	// against the state the lock holder's kept effects would produce,
	// instead of queueing it: a read sees uncommitted writes.
	BugDirtyRead Bug = "2pc-dirty-read"
	// BugQueueReordered serves the queue newest first (LIFO) when the lock
	// is released: messages queued behind a lock run in the wrong order.
	BugQueueReordered Bug = "2pc-queue-reordered"
	// BugSharedJoinsWriter lets a read-only prepare join a lock held
	// exclusive: the reader sees the committed state while a writer's
	// effects wait for their decision, and may see the writer's effects at
	// its other participants: a read transaction sees half a transfer.
	BugSharedJoinsWriter Bug = "2pc-shared-joins-writer"
)

// Participant is the participant side of 2PC: a runtime.Pipeline that
// locks an instance for the transaction that prepares it, keeps the
// function's effects aside until the decision, and queues every other
// message to a locked instance in one FIFO queue. A read-only call's
// prepare takes the lock shared: other read-only prepares join it while
// nothing waits in the queue. Messages that are not 2PC's go to Next (the
// default pipeline if nil) when the instance is unlocked.
//
// The lock, the kept effects and the queue live in the instance's state,
// under names that start with stateLock and stateQueue, so checkpoints
// carry them: a crash between a vote and its decision recovers to a
// consistent point.
type Participant struct {
	Conflict Conflict
	Next     runtime.Pipeline
	Bug      Bug
}

// State names the participant keeps in instance state.
const (
	stateLock  = "\x002pc.lock"
	stateQueue = "\x002pc.queue"
)

// holdersMax bounds a shared lock's holders: each is a transaction in
// flight, so a job's clients bound them long before this does.
const holdersMax = 1 << 16

// lock is the instance's lock: its holders, exactly one unless Shared,
// in the order they took it.
type lock struct {
	Holders []holder
	Shared  bool `json:",omitempty"`
}

// holder is a transaction that holds the lock: its coordinator, its age
// and the effects its prepare produced, kept until the decision.
type holder struct {
	Txn         TxnID
	Coordinator runtime.Address
	Stamp       runtime.RequestID
	Effects     runtime.Effects
}

// find returns the index of txn among the holders, or -1.
func (l lock) find(txn TxnID) int {
	for i, h := range l.Holders {
		if h.Txn == txn {
			return i
		}
	}
	return -1
}

// youngerThanAny reports whether a transaction stamped s is not older than
// every holder: under WaitDie it may not wait.
func (l lock) youngerThanAny(s runtime.RequestID) bool {
	for _, h := range l.Holders {
		if !older(s, h.Stamp) {
			return true
		}
	}
	return false
}

// Deliver implements runtime.Pipeline.
func (p *Participant) Deliver(in *runtime.Instance, e runtime.Envelope) {
	switch e.Msg.Kind {
	case kindCommit, kindAbort:
		p.decide(in, e)
	default:
		if l, locked := p.lookupLock(in); locked {
			p.conflict(in, e, l)
			return
		}
		p.run(in, e, lock{})
	}
}

// run handles a message to an instance that is unlocked (l is zero), or
// a read-only prepare that joins the shared lock l.
func (p *Participant) run(in *runtime.Instance, e runtime.Envelope, l lock) {
	if e.Msg.Kind != kindPrepare {
		p.next(in, e)
		return
	}
	pr := p.decodePrepare(in, e)
	call := runtime.Envelope{From: pr.Coordinator, To: e.To, Request: e.Request, Msg: pr.Msg}
	fx, err := in.InvokeInPlace(call)
	if err != nil {
		p.vote(in, e, pr, vote{Call: pr.Call, Reason: err.Error()})
		return
	}
	if pr.ReadOnly && len(fx.Mutations) > 0 {
		p.vote(in, e, pr, vote{Call: pr.Call, Reason: ReasonReadOnlyWrite})
		return
	}
	reply, replied := protocols.TakeReplyMsg(fx, pr.Coordinator)
	yes := vote{Call: pr.Call, Yes: true, Replied: replied, Reply: reply}
	// The effects are kept in the lock's bytes, which setLock writes at
	// once, so the worker's own buffer will do (no copy); the decision
	// decodes them from there.
	h := holder{Txn: pr.Txn, Coordinator: pr.Coordinator, Stamp: pr.Stamp, Effects: *fx}
	switch p.Bug {
	case BugApplyAtPrepare:
		in.Apply(*fx)
		h.Effects = runtime.Effects{}
	case BugUnlockBeforeCommit:
		in.Apply(*fx)
		p.vote(in, e, pr, yes)
		return
	}
	var room [1]holder // an exclusive lock's holder, without an allocation
	if !pr.ReadOnly {
		l = lock{Holders: room[:0]}
	}
	if len(l.Holders) >= holdersMax {
		panic(fmt.Sprintf("twopc: %v: %d holders of a shared lock, more than %d", in.Address(), len(l.Holders), holdersMax))
	}
	l.Holders, l.Shared = append(l.Holders, h), pr.ReadOnly
	p.setLock(in, l)
	p.vote(in, e, pr, yes)
}

func (p *Participant) vote(in *runtime.Instance, e runtime.Envelope, pr prepare, v vote) {
	in.Send(runtime.Envelope{From: e.To, To: pr.Coordinator, Request: e.Request, Msg: encodeVote(v)})
}

func (p *Participant) decodePrepare(in *runtime.Instance, e runtime.Envelope) prepare {
	pr, err := decodePrepare(e.Msg)
	if err != nil {
		panic(fmt.Sprintf("twopc: %v: %v", in.Address(), err))
	}
	return pr
}

// conflict handles a message to a locked instance. A read-only prepare
// joins a shared lock if nothing waits in the queue: a reader never
// overtakes a waiting writer (or any queued message), so writers do not
// starve.
func (p *Participant) conflict(in *runtime.Instance, e runtime.Envelope, l lock) {
	if p.Bug == BugDirtyRead && e.Msg.Kind != kindPrepare {
		p.dirty(in, e, l)
		return
	}
	q := p.queue(in)
	if e.Msg.Kind == kindPrepare {
		pr := p.decodePrepare(in, e)
		if pr.ReadOnly && (l.Shared || p.Bug == BugSharedJoinsWriter) && len(q) == 0 {
			p.run(in, e, l)
			return
		}
		if !p.mayWait(in, e, pr, l) {
			return
		}
	}
	if len(q) >= queueMax {
		panic(fmt.Sprintf("twopc: %v: %d messages queued behind the lock, more than %d", in.Address(), len(q), queueMax))
	}
	p.setQueue(in, append(q, e))
}

// queueMax bounds the messages queued behind one lock.
const queueMax = 1 << 20

// mayWait applies the conflict policy to a prepare that cannot take the
// lock l: it votes no (NoWait, or WaitDie for a prepare not older than
// every holder) and returns false, or lets it wait, telling its
// coordinator under Wait whom it waits for.
func (p *Participant) mayWait(in *runtime.Instance, e runtime.Envelope, pr prepare, l lock) bool {
	switch {
	case p.Conflict == NoWait, p.Conflict == WaitDie && l.youngerThanAny(pr.Stamp):
		p.vote(in, e, pr, vote{Call: pr.Call, Reason: ReasonConflict})
		return false
	case p.Conflict == Wait:
		p.notifyBlocked(in, e, pr, l)
	}
	return true
}

// dirty is BugDirtyRead: it runs e against the state the holders' kept
// writes would produce, then puts the committed state back.
func (p *Participant) dirty(in *runtime.Instance, e runtime.Envelope, l lock) {
	saved := map[string][]byte{}
	var written []string
	for _, h := range l.Holders {
		for _, m := range h.Effects.Mutations {
			if v, ok := in.Get(m.Name); ok {
				saved[m.Name] = v
			}
			written = append(written, m.Name)
			in.Set(m.Name, m.Value)
		}
	}
	p.next(in, e)
	for _, name := range written {
		if v, ok := saved[name]; ok {
			in.Set(name, v)
		} else {
			in.Delete(name)
		}
	}
}

// Reasons of a participant's no vote that are the protocol's, not the
// business function's.
const (
	// ReasonConflict: a no-wait or wait-die participant found the instance
	// locked; the transaction may succeed if retried.
	ReasonConflict = "conflict"
	// ReasonReadOnlyWrite: a call declared read-only wrote state. A
	// shared lock cannot keep writes, so the participant refuses them: a
	// business abort, since retrying cannot help.
	ReasonReadOnlyWrite = "read-only call wrote state"
)

// decide applies or drops the kept effects of a commit or abort and
// releases the holder's lock; once the last holder is gone it serves the
// queue. An abort of a transaction whose prepare still waits in the queue
// removes it from there.
func (p *Participant) decide(in *runtime.Instance, e runtime.Envelope) {
	d, err := decodeDecision(e.Msg)
	if err != nil {
		panic(fmt.Sprintf("twopc: %v: %v", in.Address(), err))
	}
	var room [1]holder // an exclusive lock's holder, without an allocation
	l, locked, _ := p.readLock(in, room[:0])
	i := l.find(d.Txn)
	if i < 0 {
		if e.Msg.Kind == kindAbort {
			p.dropQueued(in, d.Txn, l)
			return
		}
		if p.Bug == BugUnlockBeforeCommit || p.Bug == BugApplyAtPrepare && !locked {
			return
		}
		panic(fmt.Sprintf("twopc: %v: commit of %s, which does not hold the lock", in.Address(), d.Txn))
	}
	h := l.Holders[i]
	l.Holders = append(l.Holders[:i:i], l.Holders[i+1:]...)
	if len(l.Holders) > 0 {
		p.setLock(in, l)
	} else {
		in.Delete(stateLock)
	}
	if e.Msg.Kind == kindCommit && p.Bug != BugApplyAtPrepare {
		in.Apply(h.Effects)
	}
	if len(l.Holders) == 0 {
		p.serveQueue(in, true)
	}
}

// notifyBlocked tells a waiting transaction's coordinator who holds the
// lock it waits for: a waits-for edge per holder, which its coordinator
// chases.
func (p *Participant) notifyBlocked(in *runtime.Instance, e runtime.Envelope, pr prepare, l lock) {
	b := blocked{Call: pr.Call, Holders: make([]runtime.Address, len(l.Holders))}
	for i, h := range l.Holders {
		b.Holders[i] = h.Coordinator
	}
	in.Send(runtime.Envelope{From: e.To, To: pr.Coordinator, Request: e.Request, Msg: encodeBlocked(b)})
}

// serveQueue serves queued messages in order: all of them on an unlocked
// instance until one locks it, and read-only prepares at the head while
// the lock is shared. handedOver says the holders changed since the
// prepares still queued were last judged; they are then judged again.
func (p *Participant) serveQueue(in *runtime.Instance, handedOver bool) {
	for {
		q := p.queue(in)
		if len(q) == 0 {
			return
		}
		next := 0
		if p.Bug == BugQueueReordered {
			next = len(q) - 1
		}
		l, locked := p.lookupLock(in)
		if locked && !p.joins(in, l, q[next]) {
			if handedOver {
				p.requeue(in, l)
			}
			return
		}
		p.setQueue(in, append(q[:next:next], q[next+1:]...))
		p.run(in, q[next], l)
		handedOver = true
	}
}

// joins reports whether the queued message e may take the lock l now: a
// read-only prepare, while the lock is shared.
func (p *Participant) joins(in *runtime.Instance, l lock, e runtime.Envelope) bool {
	return l.Shared && e.Msg.Kind == kindPrepare && p.decodePrepare(in, e).ReadOnly
}

// requeue re-judges the prepares still queued once the lock has new
// holders: under Wait their coordinators learn the new waits-for edges (or
// a deadlock through them would go unnoticed); under WaitDie a prepare not
// older than every holder may no longer wait, and dies.
func (p *Participant) requeue(in *runtime.Instance, l lock) {
	q := p.queue(in)
	kept := q[:0:0]
	for _, e := range q {
		if e.Msg.Kind != kindPrepare {
			kept = append(kept, e)
			continue
		}
		if p.mayWait(in, e, p.decodePrepare(in, e), l) {
			kept = append(kept, e)
		}
	}
	if len(kept) != len(q) {
		p.setQueue(in, kept)
	}
}

// dropQueued removes an aborted transaction's prepare from the queue. If
// it was a writer waiting for a shared lock, the readers behind it may
// join now.
func (p *Participant) dropQueued(in *runtime.Instance, txn TxnID, l lock) {
	q := p.queue(in)
	for i, e := range q {
		if e.Msg.Kind == kindPrepare && p.decodePrepare(in, e).Txn == txn {
			p.setQueue(in, append(q[:i:i], q[i+1:]...))
			if l.Shared {
				p.serveQueue(in, false)
			}
			return
		}
	}
}

// next passes on a message that is not the participant's: a plain one, a
// saga's, or a coordinator's votes and probes.
func (p *Participant) next(in *runtime.Instance, e runtime.Envelope) {
	if p.Next != nil {
		p.Next.Deliver(in, e)
		return
	}
	in.Default(e)
}

// lookupLock returns the instance's lock, and caches it with the
// instance (runtime.Instance.Cached) if it decodes it: the messages that
// queue behind a lock look it up, each, and a cache hit spares them
// decoding it. The slices returned are capped, so that an append never
// writes into the cached value.
func (p *Participant) lookupLock(in *runtime.Instance) (lock, bool) {
	l, locked, cached := p.readLock(in, nil)
	if locked && !cached {
		in.SetCached(stateLock, l)
	}
	l.Holders = l.Holders[:len(l.Holders):len(l.Holders)]
	return l, locked
}

// readLock returns the instance's lock, the cached value if any (cached
// is then true), else decoded into room, if room enough, and not cached. A
// decision reads its lock so: it rewrites or deletes the lock at once, so
// a cached value would be stale at once, and room on its stack holds the
// usual single holder without an allocation. (Nor does setLock cache the
// lock it writes: its next reader is usually the decision.)
func (p *Participant) readLock(in *runtime.Instance, room []holder) (l lock, locked, cached bool) {
	b, ok := in.Get(stateLock)
	if !ok {
		return lock{}, false, false // most messages find their instance unlocked: one lookup
	}
	if v, ok := in.Cached(stateLock); ok {
		return v.(lock), true, true
	}
	r := protocols.Open(b)
	l = decodeLock(&r, room)
	if err := r.End(); err != nil {
		panic(fmt.Sprintf("twopc: %v: corrupt %q: %v", in.Address(), stateLock, err))
	}
	return l, true, false
}

func (p *Participant) setLock(in *runtime.Instance, l lock) {
	w := protocols.NewWriter(l.SizeMax())
	l.EncodeTo(&w)
	in.Set(stateLock, w.Bytes())
}

// queue returns the instance's queue, cached as the lock is.
func (p *Participant) queue(in *runtime.Instance) queue {
	b, ok := in.Get(stateQueue)
	if !ok {
		return nil
	}
	if v, ok := in.Cached(stateQueue); ok {
		q := v.(queue)
		return q[:len(q):len(q)]
	}
	var q queue
	r := protocols.Open(b)
	q.DecodeFrom(&r)
	if err := r.End(); err != nil {
		panic(fmt.Sprintf("twopc: %v: corrupt %q: %v", in.Address(), stateQueue, err))
	}
	in.SetCached(stateQueue, q)
	return q
}

func (p *Participant) setQueue(in *runtime.Instance, q queue) {
	if len(q) == 0 {
		in.Delete(stateQueue)
		return
	}
	w := protocols.NewWriter(q.SizeMax())
	q.EncodeTo(&w)
	in.Set(stateQueue, w.Bytes())
	in.SetCached(stateQueue, q)
}

// Bugs lists the known bugs.
func Bugs() []Bug {
	return []Bug{BugApplyAtPrepare, BugUnlockBeforeCommit, BugCommitOnNo, BugCommitMissingVote, BugDirtyRead, BugQueueReordered, BugSharedJoinsWriter}
}
