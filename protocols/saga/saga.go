package saga

import (
	"errors"
	"fmt"
	"slices"

	"github.com/flowtx/flowtx/protocols"
	"github.com/flowtx/flowtx/runtime"
)

// Step is one saga step: a call to an ordinary function, and the message
// that undoes it if the saga fails. A compensation must not fail.
type Step struct {
	To           runtime.Address
	Msg          runtime.Message
	Compensation runtime.Message
}

// Mode says how a saga runs its steps.
type Mode uint8

// Saga modes.
const (
	// Parallel sends every step at once, as the paper does: on the first
	// failure it compensates every step that succeeded, and every step
	// that succeeds later is compensated when its reply arrives.
	Parallel Mode = iota
	// Sequential runs step i+1 only after step i succeeded, and on a
	// failure compensates the succeeded steps in reverse order.
	Sequential
)

func (m Mode) String() string {
	if m == Sequential {
		return "sequential"
	}
	return "parallel"
}

// Status is how a saga ended.
type Status uint8

// Saga outcomes.
const (
	// Completed: every step succeeded.
	Completed Status = iota + 1
	// Compensated: a step failed; every step that succeeded is (or will
	// be, when its reply comes) compensated exactly once.
	Compensated
)

func (s Status) String() string {
	switch s {
	case Completed:
		return "completed"
	case Compensated:
		return "compensated"
	}
	return fmt.Sprintf("status(%d)", uint8(s))
}

// Outcome is what a saga's coordinator learned: how it ended, why (the
// first failure), and each step's reply (nil where none came yet or it
// failed).
type Outcome struct {
	Status  Status
	Reason  string
	Replies []*runtime.Message
}

// Bug names a deliberately broken saga, for tests.
type Bug string

// Known bugs.
const (
	NoBug Bug = ""
	// BugSkipLateCompensation does not compensate a step whose success
	// arrives after the saga failed.
	BugSkipLateCompensation Bug = "saga-skip-late-compensation"
	// BugCompensateTwice sends every compensation twice.
	BugCompensateTwice Bug = "saga-compensate-twice"
	// BugCompensateEarly compensates, on the first failure, every step
	// not seen to fail, without waiting to learn whether it applied: the
	// pending ones and, in sequential mode, the ones never sent. Channels
	// are FIFO, so a pending step's compensation reaches its participant
	// after the step: harmless if the step applied, wrong if it failed;
	// an unsent step's compensation undoes what never happened.
	BugCompensateEarly Bug = "saga-compensate-early"
)

// Bugs lists the known bugs.
func Bugs() []Bug { return []Bug{BugSkipLateCompensation, BugCompensateTwice, BugCompensateEarly} }

// Saga declares a saga type, as the paper's saga coordinator functions do:
// the steps for a request and what to emit on the outcome. Its progress is
// the coordinator instance's state; an instance runs one saga.
type Saga struct {
	Begin   func(ctx runtime.Context, msg runtime.Message) ([]Step, error)
	Decided func(ctx runtime.Context, o Outcome)
	Mode    Mode
	Bug     Bug
}

// ErrBusy is returned when a request reaches a saga instance already
// running one.
var ErrBusy = errors.New("saga: coordinator instance already runs a saga")

// Message kinds of the protocol.
const (
	kindStep   = "saga/step"
	kindResult = "saga/result"
)

type stepCall struct {
	Saga  runtime.Address
	Index int
	Msg   runtime.Message
}

type stepResult struct {
	Index  int
	OK     bool
	Reason string
	Reply  *runtime.Message
}

// Step states in a saga's progress.
const (
	pending     = 0
	succeeded   = 1
	failed      = 2
	compensated = 3
	unsent      = 4 // sequential: not sent yet
	// compensatedEarly is BugCompensateEarly's: compensated, reply pending.
	compensatedEarly = 5
)

const stateSaga = "\x00saga.progress"

type progress struct {
	Caller  runtime.Address
	Steps   []Step
	States  []int8
	Replies []*runtime.Message
	Failed  bool
	Reason  string
	Decided bool
}

// Register registers s as the function type t.
func Register(reg *runtime.Registry, t runtime.FuncType, s Saga) error {
	if s.Begin == nil || s.Decided == nil {
		return fmt.Errorf("saga: %q needs Begin and Decided", t)
	}
	return reg.Register(t, s.handle)
}

func (s Saga) handle(ctx runtime.Context, msg runtime.Message) error {
	if msg.Kind == kindResult {
		return s.onResult(ctx, msg)
	}
	if _, busy := ctx.Get(stateSaga); busy {
		return ErrBusy
	}
	steps, err := s.Begin(ctx, msg)
	if err != nil {
		return err
	}
	p := &progress{Caller: ctx.Caller(), Steps: steps, States: make([]int8, len(steps)), Replies: make([]*runtime.Message, len(steps))}
	for i := range steps {
		if s.Mode == Sequential && i > 0 {
			p.States[i] = unsent
			continue
		}
		s.send(ctx, i, steps[i])
	}
	s.settle(ctx, p)
	return nil
}

func (s Saga) send(ctx runtime.Context, i int, st Step) {
	ctx.Send(st.To, protocols.Encode(kindStep, stepCall{Saga: ctx.Self(), Index: i, Msg: st.Msg}))
}

func (s Saga) onResult(ctx runtime.Context, msg runtime.Message) error {
	p, ok := load(ctx)
	if !ok {
		return nil
	}
	var r stepResult
	if err := protocols.Decode(msg, &r); err != nil {
		return err
	}
	if r.Index < 0 || r.Index >= len(p.Steps) || !awaiting(p.States[r.Index]) {
		panic(fmt.Sprintf("saga: %v: result %+v does not match the saga", ctx.Self(), r))
	}
	switch {
	case p.States[r.Index] == compensatedEarly:
		p.States[r.Index] = compensated
	case !r.OK:
		p.States[r.Index] = failed
		if !p.Failed {
			p.Failed, p.Reason = true, r.Reason
			s.compensateSucceeded(ctx, p)
		}
	case p.Failed:
		// A late success: undo it now.
		p.States[r.Index] = succeeded
		if s.Bug != BugSkipLateCompensation {
			s.compensate(ctx, p, r.Index)
		}
	default:
		p.States[r.Index], p.Replies[r.Index] = succeeded, r.Reply
		if s.Mode == Sequential && r.Index+1 < len(p.Steps) {
			p.States[r.Index+1] = pending
			s.send(ctx, r.Index+1, p.Steps[r.Index+1])
		}
	}
	s.settle(ctx, p)
	return nil
}

// compensateSucceeded undoes every succeeded step, newest first, and
// forgets the steps never sent.
func (s Saga) compensateSucceeded(ctx runtime.Context, p *progress) {
	for i := len(p.Steps) - 1; i >= 0; i-- {
		switch p.States[i] {
		case succeeded:
			s.compensate(ctx, p, i)
		case unsent:
			p.States[i] = failed
			if s.Bug == BugCompensateEarly {
				s.compensate(ctx, p, i)
			}
		case pending:
			if s.Bug == BugCompensateEarly {
				s.compensate(ctx, p, i)
				p.States[i] = compensatedEarly
			}
		}
	}
}

// compensationDelayMax bounds how late BUGGIFY's delayed decision sends a
// compensation.
const compensationDelayMax runtime.Micros = 10_000

func (s Saga) compensate(ctx runtime.Context, p *progress, i int) {
	st := p.Steps[i]
	if delay, late := ctx.Buggify(runtime.BuggifyDelayedDecision, compensationDelayMax); late {
		ctx.SendAfter(delay, st.To, st.Compensation)
	} else {
		ctx.Send(st.To, st.Compensation)
	}
	if s.Bug == BugCompensateTwice {
		ctx.Send(st.To, st.Compensation)
	}
	p.States[i] = compensated
	p.Replies[i] = nil
}

// settle emits the outcome once it is known (all steps succeeded, or the
// first failure) and forgets the saga once no step can still reply.
func (s Saga) settle(ctx runtime.Context, p *progress) {
	if !p.Decided && (p.Failed || allIn(p.States, succeeded)) {
		p.Decided = true
		o := Outcome{Status: Completed, Replies: p.Replies}
		if p.Failed {
			o = Outcome{Status: Compensated, Reason: p.Reason, Replies: make([]*runtime.Message, len(p.Steps))}
		}
		s.Decided(protocols.ReplyTo(ctx, p.Caller), o)
	}
	for _, st := range p.States {
		if awaiting(st) {
			save(ctx, p)
			return
		}
	}
	ctx.Delete(stateSaga)
}

// awaiting reports whether a step in state st can still reply.
func awaiting(st int8) bool { return st == pending || st == compensatedEarly }

func allIn(states []int8, want int8) bool {
	for _, s := range states {
		if s != want {
			return false
		}
	}
	return true
}

// Participant is the participant side of sagas: a runtime.Pipeline that
// runs a step's function and reports to the saga whether it succeeded,
// with the function's answer. Every other message goes to Next (the default
// pipeline if nil); compensations are plain messages.
type Participant struct {
	Next runtime.Pipeline
}

// Deliver implements runtime.Pipeline.
func (p *Participant) Deliver(in *runtime.Instance, e runtime.Envelope) {
	if e.Msg.Kind != kindStep {
		if p.Next != nil {
			p.Next.Deliver(in, e)
			return
		}
		in.Default(e)
		return
	}
	var c stepCall
	if err := protocols.Decode(e.Msg, &c); err != nil {
		panic(fmt.Sprintf("saga: %v: %v", in.Address(), err))
	}
	fx, err := in.Invoke(runtime.Envelope{From: c.Saga, To: e.To, Request: e.Request, Msg: c.Msg})
	r := stepResult{Index: c.Index, OK: err == nil}
	if err != nil {
		r.Reason = err.Error()
	} else {
		r.Reply = protocols.TakeReply(&fx, c.Saga)
		in.Apply(fx)
	}
	in.Send(runtime.Envelope{From: e.To, To: c.Saga, Request: e.Request, Msg: protocols.Encode(kindResult, r)})
}

// load returns the saga in flight, a copy the caller may change. The
// decoded progress is cached with the instance (runtime.Cached), so each
// step's result does not decode it again; the state's bytes stay the
// truth, and the cache only ever holds what save wrote.
func load(ctx runtime.Context) (*progress, bool) {
	if v, ok := runtime.Cached(ctx, stateSaga); ok {
		return v.(*progress).clone(), true
	}
	var p progress
	if !protocols.Load(ctx, stateSaga, &p) {
		return &p, false
	}
	runtime.SetCached(ctx, stateSaga, p.clone())
	return &p, true
}

// save writes p and caches it: settle, its only caller, is the last thing
// an invocation does with p.
func save(ctx runtime.Context, p *progress) {
	protocols.Save(ctx, stateSaga, p)
	runtime.SetCached(ctx, stateSaga, p)
}

// clone copies what load's callers change in place (step states and
// replies); steps and messages are never changed and are shared.
func (p *progress) clone() *progress {
	c := *p
	c.States = slices.Clone(p.States)
	c.Replies = slices.Clone(p.Replies)
	return &c
}
