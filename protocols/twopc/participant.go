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
)

// Participant is the participant side of 2PC: a runtime.Pipeline that
// locks an instance for the transaction that prepares it, keeps the
// function's effects aside until the decision, and queues every other
// message to a locked instance in one FIFO queue. Messages that are not
// 2PC's go to Next (the default pipeline if nil) when the instance is
// unlocked.
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

// lock is the instance's lock: which transaction holds it, its coordinator
// and the effects its prepare produced, kept until the decision.
type lock struct {
	Txn         TxnID
	Coordinator runtime.Address
	Stamp       runtime.RequestID
	Effects     runtime.Effects
}

// Deliver implements runtime.Pipeline.
func (p *Participant) Deliver(in *runtime.Instance, e runtime.Envelope) {
	switch e.Msg.Kind {
	case kindCommit, kindAbort:
		p.decide(in, e)
	default:
		if _, locked := in.Get(stateLock); locked {
			p.conflict(in, e)
			return
		}
		p.run(in, e)
	}
}

// run handles a message to an unlocked instance.
func (p *Participant) run(in *runtime.Instance, e runtime.Envelope) {
	if e.Msg.Kind != kindPrepare {
		p.next(in, e)
		return
	}
	var pr prepare
	if err := decode(e.Msg, &pr); err != nil {
		panic(fmt.Sprintf("twopc: %v: %v", in.Address(), err))
	}
	call := runtime.Envelope{From: pr.Coordinator, To: e.To, Request: e.Request, Msg: pr.Msg}
	fx, err := in.Invoke(call)
	if err != nil {
		p.vote(in, e, pr, vote{Call: pr.Call, Reason: err.Error()})
		return
	}
	reply := protocols.TakeReply(&fx, pr.Coordinator)
	switch {
	case p.Bug == BugApplyAtPrepare:
		in.Apply(fx)
		p.setLock(in, lock{Txn: pr.Txn, Coordinator: pr.Coordinator, Stamp: pr.Stamp})
	case p.Bug == BugUnlockBeforeCommit:
		in.Apply(fx)
	default:
		p.setLock(in, lock{Txn: pr.Txn, Coordinator: pr.Coordinator, Stamp: pr.Stamp, Effects: fx})
	}
	p.vote(in, e, pr, vote{Call: pr.Call, Yes: true, Reply: reply})
}

func (p *Participant) vote(in *runtime.Instance, e runtime.Envelope, pr prepare, v vote) {
	in.Send(runtime.Envelope{From: e.To, To: pr.Coordinator, Request: e.Request, Msg: encode(kindVote, v)})
}

// conflict handles a message to a locked instance.
func (p *Participant) conflict(in *runtime.Instance, e runtime.Envelope) {
	holder := p.getLock(in)
	if p.Bug == BugDirtyRead && e.Msg.Kind != kindPrepare {
		p.dirty(in, e, holder)
		return
	}
	if e.Msg.Kind == kindPrepare {
		var pr prepare
		if err := decode(e.Msg, &pr); err != nil {
			panic(fmt.Sprintf("twopc: %v: %v", in.Address(), err))
		}
		switch {
		case p.Conflict == NoWait, p.Conflict == WaitDie && !older(pr.Stamp, holder.Stamp):
			p.vote(in, e, pr, vote{Call: pr.Call, Reason: ReasonConflict})
			return
		case p.Conflict == Wait:
			p.notifyBlocked(in, e, pr, holder)
		}
	}
	q := p.queue(in)
	q = append(q, e)
	p.setQueue(in, q)
}

// dirty is BugDirtyRead: it runs e against the state the holder's kept
// writes would produce, then puts the committed state back.
func (p *Participant) dirty(in *runtime.Instance, e runtime.Envelope, holder lock) {
	saved := map[string][]byte{}
	for _, m := range holder.Effects.Mutations {
		if v, ok := in.Get(m.Name); ok {
			saved[m.Name] = v
		}
		in.Set(m.Name, m.Value)
	}
	p.next(in, e)
	for _, m := range holder.Effects.Mutations {
		if v, ok := saved[m.Name]; ok {
			in.Set(m.Name, v)
		} else {
			in.Delete(m.Name)
		}
	}
}

// ReasonConflict is the no vote of a no-wait participant that found the
// instance locked: the transaction may succeed if retried.
const ReasonConflict = "conflict"

// decide applies or drops the kept effects of a commit or abort, unlocks
// and serves the queue. An abort of a transaction whose prepare still waits
// in the queue removes it from there.
func (p *Participant) decide(in *runtime.Instance, e runtime.Envelope) {
	var d decision
	if err := decode(e.Msg, &d); err != nil {
		panic(fmt.Sprintf("twopc: %v: %v", in.Address(), err))
	}
	l, locked := p.lookupLock(in)
	if !locked || l.Txn != d.Txn {
		if e.Msg.Kind == kindAbort {
			p.dropQueued(in, d.Txn)
			return
		}
		if p.Bug == BugUnlockBeforeCommit || p.Bug == BugApplyAtPrepare && !locked {
			return
		}
		panic(fmt.Sprintf("twopc: %v: commit of %s, which does not hold the lock", in.Address(), d.Txn))
	}
	in.Delete(stateLock)
	if e.Msg.Kind == kindCommit && p.Bug != BugApplyAtPrepare {
		in.Apply(l.Effects)
	}
	p.serveQueue(in)
}

// notifyBlocked tells a waiting transaction's coordinator who holds the
// lock it waits for: a waits-for edge, which its coordinator chases.
func (p *Participant) notifyBlocked(in *runtime.Instance, e runtime.Envelope, pr prepare, holder lock) {
	in.Send(runtime.Envelope{From: e.To, To: pr.Coordinator, Request: e.Request,
		Msg: encode(kindBlocked, blocked{Call: pr.Call, Holder: holder.Coordinator})})
}

// serveQueue runs queued messages in order until one locks the instance;
// the prepares still queued are then re-judged against the new holder.
func (p *Participant) serveQueue(in *runtime.Instance) {
	for {
		if l, locked := p.lookupLock(in); locked {
			p.requeue(in, l)
			return
		}
		q := p.queue(in)
		if len(q) == 0 {
			return
		}
		if p.Bug == BugQueueReordered {
			p.setQueue(in, q[:len(q)-1])
			p.run(in, q[len(q)-1])
			continue
		}
		p.setQueue(in, q[1:])
		p.run(in, q[0])
	}
}

// requeue re-judges the prepares still queued once the lock has a new
// holder: under Wait their coordinators learn the new waits-for edge (or a
// deadlock through it would go unnoticed); under WaitDie a prepare younger
// than the new holder may no longer wait, and dies.
func (p *Participant) requeue(in *runtime.Instance, holder lock) {
	q := p.queue(in)
	kept := q[:0:0]
	for _, e := range q {
		var pr prepare
		if e.Msg.Kind != kindPrepare || decode(e.Msg, &pr) != nil {
			kept = append(kept, e)
			continue
		}
		switch {
		case p.Conflict == WaitDie && !older(pr.Stamp, holder.Stamp):
			p.vote(in, e, pr, vote{Call: pr.Call, Reason: ReasonConflict})
			continue
		case p.Conflict == Wait:
			p.notifyBlocked(in, e, pr, holder)
		}
		kept = append(kept, e)
	}
	if len(kept) != len(q) {
		p.setQueue(in, kept)
	}
}

func (p *Participant) dropQueued(in *runtime.Instance, txn TxnID) {
	q := p.queue(in)
	for i, e := range q {
		if e.Msg.Kind != kindPrepare {
			continue
		}
		var pr prepare
		if err := decode(e.Msg, &pr); err == nil && pr.Txn == txn {
			p.setQueue(in, append(q[:i:i], q[i+1:]...))
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

func (p *Participant) lookupLock(in *runtime.Instance) (lock, bool) {
	var l lock
	return l, loadRaw(in, stateLock, &l)
}

func (p *Participant) getLock(in *runtime.Instance) lock {
	l, _ := p.lookupLock(in)
	return l
}

func (p *Participant) setLock(in *runtime.Instance, l lock) {
	in.Set(stateLock, encode(stateLock, l).Body)
}

func (p *Participant) queue(in *runtime.Instance) []runtime.Envelope {
	var q []runtime.Envelope
	loadRaw(in, stateQueue, &q)
	return q
}

func (p *Participant) setQueue(in *runtime.Instance, q []runtime.Envelope) {
	if len(q) == 0 {
		in.Delete(stateQueue)
		return
	}
	in.Set(stateQueue, encode(stateQueue, q).Body)
}

// loadRaw reads participant state kept under name.
func loadRaw(in *runtime.Instance, name string, v any) bool {
	b, ok := in.Get(name)
	if !ok {
		return false
	}
	if err := decode(runtime.Message{Kind: name, Body: b}, v); err != nil {
		panic(fmt.Sprintf("twopc: %v: %v", in.Address(), err))
	}
	return true
}

// Bugs lists the known bugs.
func Bugs() []Bug {
	return []Bug{BugApplyAtPrepare, BugUnlockBeforeCommit, BugCommitOnNo, BugCommitMissingVote, BugDirtyRead, BugQueueReordered}
}
