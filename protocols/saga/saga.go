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

// A saga's state is two values, so that a step's result rewrites a few
// bytes instead of every step's messages: the plan, written once when the
// saga begins, and its progress, written at each result that leaves a step
// still to report. Until the first result the progress is absent and means
// the initial one (newProgress).
const (
	statePlan     = "\x00saga.steps"
	stateProgress = "\x00saga.progress"
)

// plan is what a saga was asked to do. It never changes once written.
type plan struct {
	Caller runtime.Address
	Steps  []Step
}

// progress is where a saga stands: each step's state and reply, and its
// first failure.
type progress struct {
	States  []int8
	Replies []*runtime.Message
	Failed  bool
	Reason  string
	Decided bool
}

// newProgress is a saga's progress before any step reported: every step
// pending, or, in sequential mode, the first pending and the rest unsent.
func newProgress(steps int, mode Mode) progress {
	p := progress{States: make([]int8, steps), Replies: make([]*runtime.Message, steps)}
	if mode == Sequential {
		for i := 1; i < steps; i++ {
			p.States[i] = unsent
		}
	}
	return p
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
	if _, busy := ctx.Get(statePlan); busy {
		return ErrBusy
	}
	steps, err := s.Begin(ctx, msg)
	if err != nil {
		return err
	}
	pl := &plan{Caller: ctx.Caller(), Steps: steps}
	p := newProgress(len(steps), s.Mode)
	for i := range steps {
		if p.States[i] == pending {
			s.send(ctx, i, steps[i])
		}
	}
	s.settle(ctx, pl, &p, true)
	return nil
}

func (s Saga) send(ctx runtime.Context, i int, st Step) {
	ctx.Send(st.To, encodeStep(stepCall{Saga: ctx.Self(), Index: i, Msg: st.Msg}))
}

func (s Saga) onResult(ctx runtime.Context, msg runtime.Message) error {
	pl, p, ok := s.load(ctx)
	if !ok {
		return nil
	}
	r, err := decodeResult(msg)
	if err != nil {
		return err
	}
	if r.Index < 0 || r.Index >= len(pl.Steps) || !awaiting(p.States[r.Index]) {
		panic(fmt.Sprintf("saga: %v: result %+v does not match the saga", ctx.Self(), r))
	}
	switch {
	case p.States[r.Index] == compensatedEarly:
		p.States[r.Index] = compensated
	case !r.OK:
		p.States[r.Index] = failed
		if !p.Failed {
			p.Failed, p.Reason = true, r.Reason
			s.compensateSucceeded(ctx, pl, &p)
		}
	case p.Failed:
		// A late success: undo it now.
		p.States[r.Index] = succeeded
		if s.Bug != BugSkipLateCompensation {
			s.compensate(ctx, pl, &p, r.Index)
		}
	default:
		p.States[r.Index], p.Replies[r.Index] = succeeded, r.Reply
		if s.Mode == Sequential && r.Index+1 < len(pl.Steps) {
			p.States[r.Index+1] = pending
			s.send(ctx, r.Index+1, pl.Steps[r.Index+1])
		}
	}
	s.settle(ctx, pl, &p, false)
	return nil
}

// compensateSucceeded undoes every succeeded step, newest first, and
// forgets the steps never sent.
func (s Saga) compensateSucceeded(ctx runtime.Context, pl *plan, p *progress) {
	for i := len(pl.Steps) - 1; i >= 0; i-- {
		switch p.States[i] {
		case succeeded:
			s.compensate(ctx, pl, p, i)
		case unsent:
			p.States[i] = failed
			if s.Bug == BugCompensateEarly {
				s.compensate(ctx, pl, p, i)
			}
		case pending:
			if s.Bug == BugCompensateEarly {
				s.compensate(ctx, pl, p, i)
				p.States[i] = compensatedEarly
			}
		}
	}
}

// compensationDelayMax bounds how late BUGGIFY's delayed decision sends a
// compensation.
const compensationDelayMax runtime.Micros = 10_000

func (s Saga) compensate(ctx runtime.Context, pl *plan, p *progress, i int) {
	st := pl.Steps[i]
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
// first failure) and forgets the saga once no step can still reply. At
// begin it writes the plan, whose progress is still the initial one;
// after a result, only the progress.
func (s Saga) settle(ctx runtime.Context, pl *plan, p *progress, begin bool) {
	if !p.Decided && (p.Failed || allIn(p.States, succeeded)) {
		p.Decided = true
		o := Outcome{Status: Completed, Replies: p.Replies}
		if p.Failed {
			o = Outcome{Status: Compensated, Reason: p.Reason, Replies: make([]*runtime.Message, len(pl.Steps))}
		}
		s.Decided(protocols.ReplyTo(ctx, pl.Caller), o)
	}
	if !slices.ContainsFunc(p.States, awaiting) {
		ctx.Delete(statePlan)
		ctx.Delete(stateProgress)
		return
	}
	if begin {
		savePlan(ctx, pl)
		return
	}
	w := protocols.NewWriter(p.SizeMax())
	p.EncodeTo(&w)
	ctx.Set(stateProgress, w.Bytes())
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
	c, err := decodeStep(e.Msg)
	if err != nil {
		panic(fmt.Sprintf("saga: %v: %v", in.Address(), err))
	}
	// The effects are applied or dropped here and now, so the worker's own
	// buffer will do (no copy).
	fx, err := in.InvokeInPlace(runtime.Envelope{From: c.Saga, To: e.To, Request: e.Request, Msg: c.Msg})
	r := stepResult{Index: c.Index, OK: err == nil}
	if err != nil {
		r.Reason = err.Error()
	} else {
		if reply, ok := protocols.TakeReplyMsg(fx, c.Saga); ok {
			r.Reply = &reply
		}
		in.Apply(*fx)
	}
	in.Send(runtime.Envelope{From: e.To, To: c.Saga, Request: e.Request, Msg: encodeResult(r)})
}

// load returns the saga in flight: its plan, shared and never to be
// changed, and its progress, the caller's to change. The decoded plan is
// cached with the instance (runtime.Cached), so a step's result does not
// decode every step's messages again; the state's bytes stay the truth,
// and the cache only ever holds what savePlan wrote. The progress is a few
// bytes and is decoded each time.
func (s Saga) load(ctx runtime.Context) (*plan, progress, bool) {
	var pl *plan
	if v, ok := runtime.Cached(ctx, statePlan); ok {
		pl = v.(*plan)
	} else {
		pl = new(plan)
		if !protocols.Load(ctx, statePlan, pl) {
			return nil, progress{}, false
		}
		runtime.SetCached(ctx, statePlan, pl)
	}
	b, ok := ctx.Get(stateProgress)
	if !ok {
		return pl, newProgress(len(pl.Steps), s.Mode), true
	}
	var p progress
	r := protocols.Open(b)
	p.DecodeFrom(&r)
	if err := r.End(); err != nil || len(p.States) != len(pl.Steps) {
		panic(fmt.Sprintf("saga: %v: corrupt progress of %d steps for a plan of %d: %v", ctx.Self(), len(p.States), len(pl.Steps), err))
	}
	return pl, p, true
}

// savePlan writes the plan and caches it.
func savePlan(ctx runtime.Context, pl *plan) {
	w := protocols.NewWriter(pl.SizeMax())
	pl.EncodeTo(&w)
	ctx.Set(statePlan, w.Bytes())
	runtime.SetCached(ctx, statePlan, pl)
}
