package twopc

import (
	"errors"
	"fmt"

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

// progress is a coordinator's transaction in flight: its calls, written
// once at Begin, and where each stands. One value, rewritten at every vote
// that leaves another to wait for: a transfer's two calls are a few dozen
// bytes, and a value of its own for them, as a saga's plan has, would
// save less than the second write and state entry cost.
type progress struct {
	Caller runtime.Address // who sent the request; zero for a client
	Calls  []Call          // the participants
	States []callState     // per call
	Edges  int             // waits-for edges this transaction has had: its probes' sequence
	Probed []probe         // probes already forwarded
}

// callState is where one call of a transaction stands, in one slice per
// transaction rather than one per field.
type callState struct {
	Vote    int8              // 0 none yet, 1 yes, -1 no
	Replied bool              // Reply is the function's answer, with a yes
	Reply   runtime.Message   // held by value: a vote's reply is not allocated
	Waits   []runtime.Address // the coordinators of the lock holders it waits behind
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
	p := &progress{Caller: ctx.Caller(), Calls: calls, States: make([]callState, len(calls))}
	if len(calls) == 0 {
		c.decide(ctx, p, Outcome{Status: Committed, Replies: []*runtime.Message{}})
		return nil
	}
	save(ctx, p)
	self := ctx.Self()
	txn := txnOf(self)
	for i, call := range calls {
		ctx.Send(call.To, encodePrepare(prepare{Txn: txn, Coordinator: self, Call: i, Msg: call.Msg, Stamp: ctx.Request(), ReadOnly: call.ReadOnly}))
	}
	return nil
}

// onVote records a yes that leaves a vote to wait for, or decides. It
// changes the cached progress only where it saves it right after (see
// load): a decision deletes the state instead, so the outcome is built
// beside it.
func (c Coordinator) onVote(ctx runtime.Context, msg runtime.Message) error {
	p, ok := load(ctx)
	if !ok {
		return nil // decided already: a late vote
	}
	v, err := decodeVote(msg)
	if err != nil {
		return err
	}
	if v.Call < 0 || v.Call >= len(p.Calls) || p.States[v.Call].Vote != 0 {
		panic(fmt.Sprintf("twopc: %v: vote %+v does not match the transaction", ctx.Self(), v))
	}
	if !v.Yes && c.Bug != BugCommitOnNo {
		status := Aborted
		if v.Reason == ReasonConflict {
			status = Retryable
		}
		c.decide(ctx, p, Outcome{Status: status, Reason: v.Reason, Replies: make([]*runtime.Message, len(p.Calls))})
		return nil
	}
	missing := 0
	for i, st := range p.States {
		if st.Vote == 0 && i != v.Call {
			missing++
		}
	}
	if missing > 0 && !(c.Bug == BugCommitMissingVote && missing == 1) {
		p.States[v.Call] = callState{Vote: 1, Replied: v.Replied, Reply: v.Reply}
		save(ctx, p)
		return nil
	}
	c.decide(ctx, p, Outcome{Status: Committed, Replies: p.replies(v)})
	return nil
}

// replies returns each call's reply for a committed outcome: those of the
// yes votes recorded, and that of v, the vote that completes it.
func (p *progress) replies(v vote) []*runtime.Message {
	rs := make([]*runtime.Message, len(p.States))
	for i := range p.States {
		if p.States[i].Replied {
			rs[i] = &p.States[i].Reply
		}
	}
	if v.Replied {
		reply := v.Reply
		rs[v.Call] = &reply
	}
	return rs
}

// onBlocked records the waits-for edges of one call, one per holder of
// the lock it waits for, and starts edge chasing along them: a probe
// naming this transaction goes to each holder's coordinator.
func (c Coordinator) onBlocked(ctx runtime.Context, msg runtime.Message) error {
	p, ok := load(ctx)
	if !ok {
		return nil
	}
	b, err := decodeBlocked(msg)
	if err != nil {
		return err
	}
	if b.Call < 0 || b.Call >= len(p.Calls) || len(b.Holders) == 0 {
		panic(fmt.Sprintf("twopc: %v: blocked %+v does not match the transaction", ctx.Self(), b))
	}
	p.States[b.Call].Waits = b.Holders
	p.Edges++
	save(ctx, p)
	m := encodeProbe(probe{Initiator: ctx.Self(), Seq: p.Edges})
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
	pr, err := decodeProbe(msg)
	if err != nil {
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
	for _, st := range p.States {
		for _, h := range st.Waits {
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
// and emits the outcome's outputs. Every participant gets the same
// message, body included: bodies are never modified once sent.
func (c Coordinator) decide(ctx runtime.Context, p *progress, o Outcome) {
	kind := kindAbort
	if o.Status == Committed {
		kind = kindCommit
	}
	m := encodeDecision(kind, decision{Txn: txnOf(ctx.Self())})
	delay, late := ctx.Buggify(runtime.BuggifyDelayedDecision, decisionDelayMax)
	for _, call := range p.Calls {
		if late {
			ctx.SendAfter(delay, call.To, m)
			continue
		}
		ctx.Send(call.To, m)
	}
	ctx.Delete(stateCoord)
	c.Decided(protocols.ReplyTo(ctx, p.Caller), o)
}

// load returns the transaction in flight. The decoded progress is cached
// with the instance (runtime.Cached), so each vote and probe does not
// decode it again; the state's bytes stay the truth, and the cache holds
// what save wrote. What load returns is the cached value itself, not a
// copy: a caller changes it only right before saving it, which caches it
// anew for the new bytes. (Were that invocation's effects dropped, the
// state would keep the old bytes, for which nothing is cached any more.)
func load(ctx runtime.Context) (*progress, bool) {
	if v, ok := runtime.Cached(ctx, stateCoord); ok {
		return v.(*progress), true
	}
	b, ok := ctx.Get(stateCoord)
	if !ok {
		return nil, false
	}
	p := new(progress)
	r := protocols.Open(b)
	p.DecodeFrom(&r)
	if err := r.End(); err != nil {
		panic(fmt.Sprintf("twopc: %v: corrupt %q: %v", ctx.Self(), stateCoord, err))
	}
	runtime.SetCached(ctx, stateCoord, p)
	return p, true
}

// save writes p and caches it.
func save(ctx runtime.Context, p *progress) {
	w := protocols.NewWriter(p.SizeMax())
	p.EncodeTo(&w)
	ctx.Set(stateCoord, w.Bytes())
	runtime.SetCached(ctx, stateCoord, p)
}
