package protocoltest

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"sort"
	"strings"
	"testing"

	"github.com/cockroachdb/datadriven"
	"github.com/flowtx/flowtx/protocols/saga"
	"github.com/flowtx/flowtx/protocols/twopc"
	"github.com/flowtx/flowtx/runtime"
	"github.com/stretchr/testify/require"
)

// Env is the world of the protocol interaction tests: a job of ixWorkers
// runtime.Workers, without checkpoints, that runs accounts (the business
// function) and 2PC and saga coordinators behind the participant pipeline
// twopc.Participant{Next: saga.Participant}. The scenario addresses sit on
// distinct workers (start checks it), so every message between instances
// crosses the host, where it waits in a FIFO queue per directed worker link
// until a command delivers it. Client requests reach their instance at
// once, through its worker's ingress partition.
//
// Everything the job does is logged in the order it happens: each message
// a worker hands an instance (from another worker or from the ingress) and,
// under it, what the account function computed, what was sent, what a
// coordinator decided, what was released to a client, and how the
// instance's state changed. A message a participant serves from its own
// queue has no line of its own: the account's run line names its sender.
type Env struct {
	opts      Options
	reg       *runtime.Registry
	workers   []*runtime.Worker
	queues    map[ixLink][]ixPacket
	sendSeq   int // orders packets across links: stabilize delivers the oldest first
	ingress   [][]runtime.Request
	clientSeq map[runtime.ClientID]uint64
	released  []runtime.Response
	problems  []string // host calls these tests do not expect
	out       strings.Builder
}

// Options configure the job: the 2PC conflict policy and deliberately
// broken protocols, for known-bad runs.
type Options struct {
	Conflict twopc.Conflict
	TwoPCBug twopc.Bug
	SagaBug  saga.Bug
	// Addresses are the instances a test file uses; start checks that each
	// sits on a worker of its own, so that every protocol message crosses
	// the host, where a command can hold it.
	Addresses []runtime.Address
}

const (
	ixWorkers        = 16
	ixStepsMax       = 1_000 // deliveries per stabilize
	ixInitialBalance = 100   // an account's balance before its first write
)

// Function types of the harness.
const (
	Account runtime.FuncType = "account"
	TwoPC   runtime.FuncType = "2pc"
	Saga    runtime.FuncType = "saga"
	SagaSeq runtime.FuncType = "saga-seq"
)

// ixLink is the FIFO channel from one worker to another.
type ixLink struct{ from, to runtime.WorkerID }

// ixPacket is a transfer in flight on a link, kept whole: the worker that
// receives it may check what its sender stamped on it.
type ixPacket struct {
	seq      int
	transfer runtime.Transfer
	env      runtime.Envelope // the transfer's
}

func NewEnv(opts Options) *Env {
	return &Env{opts: opts, queues: map[ixLink][]ixPacket{}, clientSeq: map[runtime.ClientID]uint64{}}
}

func (e *Env) logf(format string, args ...any) { fmt.Fprintf(&e.out, format+"\n", args...) }

// effect logs something done while handling the message logged last.
func (e *Env) effect(format string, args ...any) { e.logf("  "+format, args...) }

func (e *Env) problemf(format string, args ...any) {
	e.problems = append(e.problems, fmt.Sprintf(format, args...))
}

func (e *Env) output() string {
	s := e.out.String()
	e.out.Reset()
	return s
}

// run executes one datadriven command and returns what it logged. A
// command error, a panic of a protocol invariant or an unexpected host call
// fails the test at the file's line.
func (e *Env) Run(t *testing.T, d *datadriven.TestData) string {
	h, ok := ixHandlers[d.Cmd]
	if !ok {
		d.Fatalf(t, "unknown command %q", d.Cmd)
	}
	if d.Cmd != "start" && e.workers == nil {
		d.Fatalf(t, "%s before start", d.Cmd)
	}
	defer func() {
		if r := recover(); r != nil {
			d.Fatalf(t, "panic: %v\noutput so far:\n%s", r, e.output())
		}
	}()
	if err := h(e, t, d); err != nil {
		d.Fatalf(t, "%v\noutput so far:\n%s", err, e.output())
	}
	if len(e.problems) > 0 {
		d.Fatalf(t, "unexpected host calls: %s\noutput so far:\n%s", strings.Join(e.problems, "; "), e.output())
	}
	if out := e.output(); out != "" {
		return out
	}
	return "ok\n"
}

// start builds the registry and the workers and restores each from the
// empty checkpoint, as generation 1.
func (e *Env) start(t testing.TB) {
	e.reg = runtime.NewRegistry()
	require.NoError(t, e.register())
	pipeline := ixTap{env: e, next: &twopc.Participant{Conflict: e.opts.Conflict, Next: &saga.Participant{}, Bug: e.opts.TwoPCBug}}
	e.ingress = make([][]runtime.Request, ixWorkers)
	for i := range ixWorkers {
		cfg := runtime.Config{ID: runtime.WorkerID(i), Workers: ixWorkers, Registry: e.reg, Pipeline: pipeline}
		w, err := runtime.NewWorker(cfg, ixHost{env: e, id: cfg.ID})
		require.NoError(t, err)
		w.Start()
		w.Control(runtime.Control{Kind: runtime.Restore, Gen: 1})
		require.True(t, w.Running(), "%v did not restore", cfg.ID)
		e.workers = append(e.workers, w)
	}
}

func (e *Env) register() error {
	return errors.Join(
		e.reg.Register(Account, e.account),
		twopc.Register(e.reg, TwoPC, twopc.Coordinator{Begin: e.calls, Decided: e.decided2PC, Bug: e.opts.TwoPCBug}),
		saga.Register(e.reg, Saga, saga.Saga{Begin: e.steps, Decided: e.decidedSaga, Bug: e.opts.SagaBug}),
		saga.Register(e.reg, SagaSeq, saga.Saga{Begin: e.steps, Decided: e.decidedSaga, Mode: saga.Sequential, Bug: e.opts.SagaBug}),
	)
}

func (e *Env) owner(a runtime.Address) runtime.WorkerID { return e.workers[0].Owner(a) }

// submit appends a client request to the ingress partition of its target's
// worker, which reads and runs it at once.
func (e *Env) submit(c runtime.ClientID, to runtime.Address, m runtime.Message) {
	e.clientSeq[c]++
	w := e.owner(to)
	e.ingress[w] = append(e.ingress[w], runtime.Request{ID: runtime.RequestID{Client: c, Seq: e.clientSeq[c]}, To: to, Msg: m})
	e.workers[w].PollIngress()
}

func (e *Env) enqueue(l ixLink, t runtime.Transfer) {
	env := t.Envelope
	e.sendSeq++
	e.queues[l] = append(e.queues[l], ixPacket{seq: e.sendSeq, transfer: t, env: env})
	e.effect("%v -> %v: %s (in flight)", env.From, env.To, ixDescribeBrief(env.Msg))
}

// inFlight returns every packet in flight, oldest first, with its link.
func (e *Env) inFlight() []ixQueued {
	var all []ixQueued
	for l, q := range e.queues {
		for i, p := range q {
			all = append(all, ixQueued{link: l, head: i == 0, packet: p})
		}
	}
	sort.Slice(all, func(i, j int) bool { return all[i].packet.seq < all[j].packet.seq })
	return all
}

type ixQueued struct {
	link   ixLink
	head   bool // first on its link: deliverable without breaking FIFO
	packet ixPacket
}

// deliver hands the first packet of link l to its worker.
func (e *Env) deliver(l ixLink) {
	q := e.queues[l]
	p := q[0]
	if len(q) == 1 {
		delete(e.queues, l)
	} else {
		e.queues[l] = q[1:]
	}
	e.workers[l.to].Receive(l.from, p.transfer)
}

// stabilize delivers the oldest packet in flight until none is left.
func (e *Env) stabilize() error {
	for range ixStepsMax {
		all := e.inFlight()
		if len(all) == 0 {
			return nil
		}
		e.deliver(all[0].link)
	}
	return fmt.Errorf("still busy after %d deliveries", ixStepsMax)
}

func (e *Env) release(r runtime.Response) {
	e.released = append(e.released, r)
	e.effect("released %s", ixDescribeResponse(r))
}

func ixDescribeResponse(r runtime.Response) string {
	if r.Failure != "" {
		return fmt.Sprintf("%v from %v: failed: %s", r.Request, r.From, r.Failure)
	}
	return fmt.Sprintf("%v from %v: %s", r.Request, r.From, ixDescribeMsg(r.Msg))
}

// describeState renders every instance that holds state, by address: its
// business values on one line, the protocols' values one per line below.
func (e *Env) describeState() string {
	var addrs []runtime.Address
	states := map[runtime.Address]map[string][]byte{}
	for _, w := range e.workers {
		for _, a := range w.Instances() {
			addrs = append(addrs, a)
			states[a] = w.State(a)
		}
	}
	sort.Slice(addrs, func(i, j int) bool { return addrs[i].Less(addrs[j]) })
	var b strings.Builder
	for _, a := range addrs {
		fmt.Fprintf(&b, "%v:", a)
		names := ixSortedNames(states[a])
		for _, n := range names {
			if !ixProtocolName(n) {
				fmt.Fprintf(&b, " %s=%s", n, ixDescribeValue(n, states[a][n]))
			}
		}
		b.WriteByte('\n')
		for _, n := range names {
			if ixProtocolName(n) {
				fmt.Fprintf(&b, "  %s=%s\n", n[1:], ixDescribeValue(n, states[a][n]))
			}
		}
	}
	if len(addrs) == 0 {
		return "no instance holds state\n"
	}
	return b.String()
}

// ixProtocolName reports whether a state name is a protocol's: those start
// with a NUL byte, so that no business state can collide with them.
func ixProtocolName(n string) bool { return strings.HasPrefix(n, "\x00") }

func ixSortedNames(m map[string][]byte) []string {
	names := make([]string, 0, len(m))
	for n := range m {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// ixHost is the world as one worker sees it. Time stands still: these
// tests need no timers but the heartbeats, which they never fire.
type ixHost struct {
	env *Env
	id  runtime.WorkerID
}

func (h ixHost) Now() runtime.Micros { return 0 }

func (h ixHost) Send(to runtime.WorkerID, p runtime.Packet) {
	t, ok := p.(runtime.Transfer)
	if !ok {
		h.env.problemf("%v sent %v", h.id, p)
		return
	}
	h.env.enqueue(ixLink{from: h.id, to: to}, t)
}

func (h ixHost) Tell(runtime.Control) {}

func (h ixHost) After(_ runtime.Micros, t runtime.Timer) {
	if t.Kind != runtime.TimerHeartbeat {
		h.env.problemf("%v set timer %v", h.id, t)
	}
}

func (h ixHost) Release(b runtime.EgressBatch) {
	for _, r := range b.Responses {
		h.env.release(r)
	}
}

func (h ixHost) ReadIngress(from runtime.Offset, max int) []runtime.Request {
	p := h.env.ingress[h.id]
	if int(from) >= len(p) {
		return nil
	}
	return p[from:min(len(p), int(from)+max)]
}

func (h ixHost) Store(op runtime.StoreRequest) {
	h.env.problemf("%v store %v %s", h.id, op.Kind, op.Key)
}

// ixTap is the outermost pipeline: it logs each message an instance is
// handed and, after the protocols dealt with it, how the instance's state
// changed.
type ixTap struct {
	env  *Env
	next runtime.Pipeline
}

func (p ixTap) Deliver(in *runtime.Instance, env runtime.Envelope) {
	p.env.logf("%v -> %v: %s", env.From, env.To, ixDescribeMsg(env.Msg))
	before := ixInstanceState(in)
	p.next.Deliver(in, env)
	after := ixInstanceState(in)
	for _, n := range ixSortedNames(mergeNames(before, after)) {
		old, had := before[n]
		v, has := after[n]
		switch {
		case had && !has:
			p.env.effect("%v %s deleted", in.Address(), strings.TrimPrefix(n, "\x00"))
		case has && (!had || string(old) != string(v)):
			p.env.effect("%v %s := %s", in.Address(), strings.TrimPrefix(n, "\x00"), ixDescribeValue(n, v))
		}
	}
}

// ixStateNames are the state names an instance of these tests may hold.
var ixStateNames = []string{"balance", "\x002pc.lock", "\x002pc.queue", "\x002pc.coord", "\x00saga.steps", "\x00saga.progress"}

// ixInstanceState reads the instance's values of ixStateNames: a pipeline
// sees an instance by name only.
func ixInstanceState(in *runtime.Instance) map[string][]byte {
	m := map[string][]byte{}
	for _, n := range ixStateNames {
		if v, ok := in.Get(n); ok {
			m[n] = v
		}
	}
	return m
}

func mergeNames(a, b map[string][]byte) map[string][]byte {
	m := map[string][]byte{}
	for n := range a {
		m[n] = nil
	}
	for n := range b {
		m[n] = nil
	}
	return m
}

// ixBalance is an account's one business value.
var ixBalance = runtime.Value[int64]{Name: "balance", Codec: runtime.Int64Codec}

// account is the business function: the same code runs plainly, as a 2PC
// participant and as a saga step. read, deposit(n) and withdraw(n) answer
// the balance; withdraw fails when the balance is short; adjust(n), a
// compensation, changes the balance unconditionally and answers nobody.
func (e *Env) account(ctx runtime.Context, msg runtime.Message) error {
	balance, ok := ixBalance.Get(ctx)
	if !ok {
		balance = ixInitialBalance
	}
	if msg.Kind == "read" {
		e.effect("%v runs read from %v: balance %d", ctx.Self(), ctx.Caller(), balance)
		ctx.Reply(runtime.Int64Message("balance", balance))
		return nil
	}
	amount, err := msg.Int64()
	if err != nil {
		return err
	}
	switch msg.Kind {
	case "deposit", "adjust":
	case "withdraw":
		if balance < amount {
			err := fmt.Errorf("insufficient funds: balance %d", balance)
			e.effect("%v runs %v from %v: fails: %v", ctx.Self(), msg, ctx.Caller(), err)
			return err
		}
		amount = -amount
	default:
		return fmt.Errorf("account: unknown operation %q", msg.Kind)
	}
	ixBalance.Set(ctx, balance+amount)
	e.effect("%v runs %v from %v: balance %d -> %d", ctx.Self(), msg, ctx.Caller(), balance, balance+amount)
	if msg.Kind != "adjust" {
		ctx.Reply(runtime.Int64Message("balance", balance+amount))
	}
	return nil
}

// ixOp is one account operation of a transaction or saga request.
type ixOp struct {
	To       string // account id
	Op       string
	Amount   int64
	ReadOnly bool `json:",omitempty"` // a 2PC call declared read-only
}

const ixKindRun = "run"

func ixDecodeOps(msg runtime.Message) ([]ixOp, error) {
	var ops []ixOp
	if msg.Kind != ixKindRun {
		return nil, fmt.Errorf("coordinator: unknown request %q", msg.Kind)
	}
	if err := json.Unmarshal(msg.Body, &ops); err != nil {
		return nil, fmt.Errorf("%w: %v", runtime.ErrBadBody, err)
	}
	return ops, nil
}

// calls declares a 2PC transaction: one participant call per operation.
func (e *Env) calls(_ runtime.Context, msg runtime.Message) ([]twopc.Call, error) {
	ops, err := ixDecodeOps(msg)
	calls := make([]twopc.Call, len(ops))
	for i, op := range ops {
		calls[i] = twopc.Call{To: runtime.Address{Type: Account, ID: op.To}, Msg: runtime.Int64Message(op.Op, op.Amount), ReadOnly: op.ReadOnly}
	}
	return calls, err
}

// steps declares a saga: one step per operation, undone by an adjust of the
// opposite amount.
func (e *Env) steps(_ runtime.Context, msg runtime.Message) ([]saga.Step, error) {
	ops, err := ixDecodeOps(msg)
	steps := make([]saga.Step, len(ops))
	for i, op := range ops {
		undo := -op.Amount
		if op.Op == "withdraw" {
			undo = op.Amount
		}
		steps[i] = saga.Step{To: runtime.Address{Type: Account, ID: op.To},
			Msg: runtime.Int64Message(op.Op, op.Amount), Compensation: runtime.Int64Message("adjust", undo)}
	}
	return steps, err
}

func (e *Env) decided2PC(ctx runtime.Context, o twopc.Outcome) {
	e.decided(ctx, o.Status.String(), o.Reason, o.Replies)
}

func (e *Env) decidedSaga(ctx runtime.Context, o saga.Outcome) {
	e.decided(ctx, o.Status.String(), o.Reason, o.Replies)
}

// ixResult is a coordinator's answer to its client: the outcome as the
// message kind, the reason and the participants' replies as the body.
type ixResult struct {
	Reason  string   `json:",omitempty"`
	Replies []string // "-" where none
}

func (e *Env) decided(ctx runtime.Context, status, reason string, replies []*runtime.Message) {
	e.effect("%v decides %s", ctx.Self(), status)
	r := ixResult{Reason: reason, Replies: make([]string, len(replies))}
	for i, m := range replies {
		r.Replies[i] = "-"
		if m != nil {
			r.Replies[i] = m.String()
		}
	}
	b, err := json.Marshal(r)
	if err != nil {
		panic(err)
	}
	ctx.Reply(runtime.Message{Kind: status, Body: b})
}

// ixCommands returns the command lines of a datadriven file, so that a
// known-bad test can replay a golden scenario with a bug on. Expected
// output blocks end at the first blank line: the harness prints none.
func ixCommands(t testing.TB, path string) []string {
	f, err := os.Open(path)
	require.NoError(t, err)
	defer f.Close()
	var cmds []string
	inOutput := false
	for s := bufio.NewScanner(f); s.Scan(); {
		line := strings.TrimSpace(s.Text())
		switch {
		case inOutput:
			inOutput = line != ""
		case line == "----":
			inOutput = true
		case line != "" && !strings.HasPrefix(line, "#"):
			cmds = append(cmds, line)
		}
	}
	require.NotEmpty(t, cmds, "%s has no commands", path)
	return cmds
}

// Replay runs the commands of the datadriven file at path in a job
// configured by opts (a start command's arguments still apply) and returns
// the final state of its instances and every response released.
func Replay(t *testing.T, path string, opts Options) string {
	e := NewEnv(opts)
	for _, line := range ixCommands(t, path) {
		cmd, args, err := datadriven.ParseLine(line)
		require.NoError(t, err, "%s: %q", path, line)
		e.Run(t, &datadriven.TestData{Pos: path, Cmd: cmd, CmdArgs: args})
	}
	var b strings.Builder
	b.WriteString(e.describeState())
	for _, r := range e.released {
		fmt.Fprintf(&b, "released %s\n", ixDescribeResponse(r))
	}
	return b.String()
}
