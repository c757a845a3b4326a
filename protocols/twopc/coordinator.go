package twopc

import (
	"errors"
	"fmt"
	"slices"

	"github.com/flowtx/flowtx/protocols"
	"github.com/flowtx/flowtx/runtime"
)

// Call is one participant of a transaction: an address and the message its
// function runs with. A participant is an ordinary function: the same code
// runs whether called plainly, in a transaction or in a saga.
//
// A ReadOnly call's prepare takes the participant's lock shared, so that
// read-only calls of many transactions hold it at once. Its function must
// not write state: if it does, the participant votes no with
// ReasonReadOnlyWrite and the transaction aborts.
type Call struct {
	To       runtime.Address
	Msg      runtime.Message
	ReadOnly bool `json:",omitempty"`
}

// Status is how a transaction ended.
type Status uint8

// Transaction outcomes.
const (
	// Committed: every participant voted yes and applied its effects.
	Committed Status = iota + 1
	// Aborted: a participant's function failed (a business abort); no
	// participant applied anything.
	Aborted
	// Retryable: the transaction lost a deadlock, or found a lock taken
	// under no-wait; nothing was applied and the client may resubmit.
	Retryable
)

func (s Status) String() string {
	switch s {
	case Committed:
		return "committed"
	case Aborted:
		return "aborted"
	case Retryable:
		return "retryable"
	}
	return fmt.Sprintf("status(%d)", uint8(s))
}

// Outcome is what a transaction's coordinator learned: how it ended, why
// (for an abort), and what each participant's function answered (in call
// order; nil where it did not answer or the transaction did not commit).
type Outcome struct {
	Status  Status
	Reason  string
	Replies []*runtime.Message
}

// Coordinator declares a 2PC transaction type, as the paper's transactional
// coordinator functions do: its body holds no state, it only names the
// participant calls for a request and what to emit once the outcome is
// known. The protocol's progress is the coordinator instance's state, so
// exactly-once checkpoints cover it. An instance runs one transaction.
type Coordinator struct {
	// Begin names the participant calls for a request. An error is a
	// business failure of the request itself: no transaction starts.
	Begin func(ctx runtime.Context, msg runtime.Message) ([]Call, error)
	// Decided emits the outputs of an outcome through ctx: Reply answers
	// whoever sent the request; Send, SendAfter and Egress work as usual.
	Decided func(ctx runtime.Context, o Outcome)
	// Bug selects a deliberately broken coordinator, for tests.
	Bug Bug
}

// ErrBusy is returned when a request reaches a coordinator instance that
// already runs a transaction.
var ErrBusy = errors.New("twopc: coordinator instance already runs a transaction")

// stateCoord is where a coordinator keeps its transaction.
const stateCoord = "\x002pc.coord"

// progress is a coordinator's transaction in flight.
type progress struct {
	Caller  runtime.Address     // who sent the request; zero for a client
	Calls   []Call              // the participants
	Votes   []int8              // per call: 0 none yet, 1 yes, -1 no
	Replies []*runtime.Message  // per call: the function's answer, with a yes
	Waits   [][]runtime.Address // per call: the coordinators of the lock holders it waits behind
	Edges   int                 // waits-for edges this transaction has had: its probes' sequence
	Probed  []probe             // probes already forwarded
}

// Register registers c as the function type t.
func Register(reg *runtime.Registry, t runtime.FuncType, c Coordinator) error {
	if c.Begin == nil || c.Decided == nil {
		return fmt.Errorf("twopc: coordinator %q needs Begin and Decided", t)
	}
	return reg.Register(t, c.handle)
}

func (c Coordinator) handle(ctx runtime.Context, msg runtime.Message) error {
	switch msg.Kind {
	case kindVote:
		return c.onVote(ctx, msg)
	case kindBlocked:
		return c.onBlocked(ctx, msg)
	case kindProbe:
		return c.onProbe(ctx, msg)
	}
	return c.begin(ctx, msg)
}

func (c Coordinator) begin(ctx runtime.Context, msg runtime.Message) error {
	if _, busy := ctx.Get(stateCoord); busy {
		return ErrBusy
	}
	calls, err := c.Begin(ctx, msg)
	if err != nil {
		return err
	}
	p := &progress{Caller: ctx.Caller(), Calls: calls,
		Votes: make([]int8, len(calls)), Replies: make([]*runtime.Message, len(calls)), Waits: make([][]runtime.Address, len(calls))}
	if len(calls) == 0 {
		c.decide(ctx, p, Outcome{Status: Committed, Replies: p.Replies})
		return nil
	}
	save(ctx, p)
	self := ctx.Self()
	txn := txnOf(self)
	for i, call := range calls {
		ctx.Send(call.To, encode(kindPrepare, prepare{Txn: txn, Coordinator: self, Call: i, Msg: call.Msg, Stamp: ctx.Request(), ReadOnly: call.ReadOnly}))
	}
	return nil
}

func (c Coordinator) onVote(ctx runtime.Context, msg runtime.Message) error {
	p, ok := load(ctx)
	if !ok {
		return nil // decided already: a late vote
	}
	var v vote
	if err := decode(msg, &v); err != nil {
		return err
	}
	if v.Call < 0 || v.Call >= len(p.Calls) || p.Votes[v.Call] != 0 {
		panic(fmt.Sprintf("twopc: %v: vote %+v does not match the transaction", ctx.Self(), v))
	}
	p.Waits[v.Call] = nil
	if !v.Yes && c.Bug != BugCommitOnNo {
		status := Aborted
		if v.Reason == ReasonConflict {
			status = Retryable
		}
		c.decide(ctx, p, Outcome{Status: status, Reason: v.Reason, Replies: make([]*runtime.Message, len(p.Calls))})
		return nil
	}
	p.Votes[v.Call], p.Replies[v.Call] = 1, v.Reply
	missing := 0
	for _, vote := range p.Votes {
		if vote == 0 {
			missing++
		}
	}
	if missing > 0 && !(c.Bug == BugCommitMissingVote && missing == 1) {
		save(ctx, p)
		return nil
	}
	c.decide(ctx, p, Outcome{Status: Committed, Replies: p.Replies})
	return nil
}

// onBlocked records the waits-for edges of one call, one per holder of
// the lock it waits for, and starts edge chasing along them: a probe
// naming this transaction goes to each holder's coordinator.
func (c Coordinator) onBlocked(ctx runtime.Context, msg runtime.Message) error {
	p, ok := load(ctx)
	if !ok {
		return nil
	}
	var b blocked
	if err := decode(msg, &b); err != nil {
		return err
	}
	if b.Call < 0 || b.Call >= len(p.Calls) || len(b.Holders) == 0 {
		panic(fmt.Sprintf("twopc: %v: blocked %+v does not match the transaction", ctx.Self(), b))
	}
	p.Waits[b.Call] = b.Holders
	p.Edges++
	save(ctx, p)
	m := encode(kindProbe, probe{Initiator: ctx.Self(), Seq: p.Edges})
	for _, h := range b.Holders {
		ctx.Send(h, m)
	}
	return nil
}

// onProbe forwards a probe along this transaction's waits-for edges, once
// per probe; a probe that comes back to its initiator is a deadlock, and
// the initiator aborts with the retryable outcome. A new edge sends a new
// probe, so forwarding each only once bounds the traffic without missing a
// cycle that a later edge closes.
func (c Coordinator) onProbe(ctx runtime.Context, msg runtime.Message) error {
	p, ok := load(ctx)
	if !ok {
		return nil // decided: no longer waits for anyone
	}
	var pr probe
	if err := decode(msg, &pr); err != nil {
		return err
	}
	if pr.Initiator == ctx.Self() {
		c.decide(ctx, p, Outcome{Status: Retryable, Reason: ReasonDeadlock, Replies: make([]*runtime.Message, len(p.Calls))})
		return nil
	}
	for _, seen := range p.Probed {
		if seen == pr {
			return nil
		}
	}
	p.Probed = append(p.Probed, pr)
	save(ctx, p)
	for _, holders := range p.Waits {
		for _, h := range holders {
			ctx.Send(h, msg)
		}
	}
	return nil
}

// decisionDelayMax bounds how late BUGGIFY's delayed decision sends
// commits and aborts: a checkpoint interval, so that participants stay
// locked across checkpoints but not for long.
const decisionDelayMax runtime.Micros = 10_000

// ReasonDeadlock is the reason of a transaction aborted to break a deadlock.
const ReasonDeadlock = "deadlock"

// decide sends the decision to every participant, forgets the transaction
// and emits the outcome's outputs.
func (c Coordinator) decide(ctx runtime.Context, p *progress, o Outcome) {
	kind := kindAbort
	if o.Status == Committed {
		kind = kindCommit
	}
	self := ctx.Self()
	delay, late := ctx.Buggify(runtime.BuggifyDelayedDecision, decisionDelayMax)
	for _, call := range p.Calls {
		if late {
			ctx.SendAfter(delay, call.To, encode(kind, decision{Txn: txnOf(self)}))
			continue
		}
		ctx.Send(call.To, encode(kind, decision{Txn: txnOf(self)}))
	}
	ctx.Delete(stateCoord)
	c.Decided(protocols.ReplyTo(ctx, p.Caller), o)
}

// load returns the transaction in flight, a copy the caller may change.
// The decoded progress is cached with the instance (runtime.Cached), so
// each vote and probe does not decode it again; the state's bytes stay the
// truth, and the cache only ever holds what save wrote.
func load(ctx runtime.Context) (*progress, bool) {
	if v, ok := runtime.Cached(ctx, stateCoord); ok {
		return v.(*progress).clone(), true
	}
	var p progress
	if !protocols.Load(ctx, stateCoord, &p) {
		return &p, false
	}
	runtime.SetCached(ctx, stateCoord, p.clone())
	return &p, true
}

// save writes p and caches it: its callers never change p after saving.
func save(ctx runtime.Context, p *progress) {
	protocols.Save(ctx, stateCoord, p)
	runtime.SetCached(ctx, stateCoord, p)
}

// clone copies what load's callers change in place (votes, replies,
// waits, probes); calls and messages are never changed and are shared.
func (p *progress) clone() *progress {
	c := *p
	c.Votes = slices.Clone(p.Votes)
	c.Replies = slices.Clone(p.Replies)
	c.Waits = slices.Clone(p.Waits)
	c.Probed = p.Probed[:len(p.Probed):len(p.Probed)]
	return &c
}
