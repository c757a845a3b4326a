package runtime

import (
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/cockroachdb/datadriven"
	"github.com/stretchr/testify/require"
)

// TestInteraction runs the scenarios in testdata/*.txt: a job of three
// workers and a checkpoint coordinator whose every message, timer and
// store operation is delivered by hand, so that a scenario can put a crash
// or a marker exactly where it wants. Regenerate the golden output with
//
//	go test ./runtime -run TestInteraction -rewrite
//
// Commands (see each handler for its arguments):
//
//	start [bug=NAME] [pings]               start the coordinator and the workers
//	deliver [from=A] [to=A] [n=N]          deliver queued messages on matching links
//	drop from=A to=A [n=N]                 lose queued messages on a link, as a partition does
//	stabilize [no-store]                   deliver and complete store ops until quiet; no timers
//	tick actor=A kind=K [n=N]              fire A's pending timers of kind K
//	store [actor=A] [op=O] [prefix=P] [n=N] [fail]   complete pending store ops
//	submit client=C to=T/ID msg=KIND(N)    append a request to the ingress and poll
//	crash wN / restart wN                  kill a worker's process / start a fresh one
//	state / egress / check                 print the env / released egress / compare with a fault-free run
//
// An actor A is coord, w0, w1 or w2.
func TestInteraction(t *testing.T) {
	paths, err := filepath.Glob("testdata/*.txt")
	require.NoError(t, err)
	require.NotEmpty(t, paths)
	for _, path := range paths {
		t.Run(strings.TrimSuffix(filepath.Base(path), ".txt"), func(t *testing.T) {
			env := newIxEnv(t, ixOptions{exactlyOnce: true})
			datadriven.RunTest(t, path, func(t *testing.T, d *datadriven.TestData) string {
				return env.run(t, d)
			})
		})
	}
}

type ixHandler func(e *ixEnv, t *testing.T, d *datadriven.TestData) error

// ixHandlers maps each command to its handler.
var ixHandlers = map[string]ixHandler{
	"start":     ixStart,
	"deliver":   ixDeliver,
	"drop":      ixDrop,
	"stabilize": ixStabilize,
	"tick":      ixTick,
	"store":     ixStore,
	"submit":    ixSubmit,
	"crash":     ixCrash,
	"restart":   ixRestart,
	"state":     ixState,
	"egress":    ixEgress,
	"check":     ixCheck,
}

// run executes one command and returns what it logged. A command that
// fails, or a runtime invariant that breaks, fails the test at the file's
// line.
func (e *ixEnv) run(t *testing.T, d *datadriven.TestData) (out string) {
	h, ok := ixHandlers[d.Cmd]
	if !ok {
		d.Fatalf(t, "unknown command %q", d.Cmd)
	}
	defer func() {
		if r := recover(); r != nil {
			d.Fatalf(t, "panic: %v\noutput so far:\n%s", r, e.output())
		}
	}()
	if err := h(e, t, d); err != nil {
		d.Fatalf(t, "%v\noutput so far:\n%s", err, e.output())
	}
	out = e.output()
	if out == "" {
		return "ok\n"
	}
	return out
}

// ixStart starts the coordinator, then the three workers, with the
// runtime broken as bug=NAME says if given (see Bugs), and with channel
// heartbeats if pings is given. It checks the ring's placement: m0, m1,
// m2 on w0, w1, w2.
func ixStart(e *ixEnv, t *testing.T, d *datadriven.TestData) error {
	e.opts.pings = d.HasArg("pings")
	var bug string
	if d.MaybeScanArgs(t, "bug", &bug) {
		if !slices.Contains(Bugs(), Bug(bug)) {
			return fmt.Errorf("unknown bug %q", bug)
		}
		e.opts.bug = Bug(bug)
	}
	p := Placement{KeyGroups: KeyGroupsDefault, Workers: ixWorkers}
	for i := range ixWorkers {
		if a := ixRingMember(i); p.Owner(a) != WorkerID(i) {
			return fmt.Errorf("%v is on %v, want %v", a, p.Owner(a), WorkerID(i))
		}
	}
	e.startCoordinator(t)
	for id := range ixWorkers {
		e.startWorker(t, WorkerID(id))
	}
	return nil
}

// ixDeliver delivers queued messages, in link order, on every link whose
// ends match from and to (either may be left out), at most n per link
// (default: all that were queued when the command started).
func ixDeliver(e *ixEnv, t *testing.T, d *datadriven.TestData) error {
	from, err := ixOptionalActor(t, d, "from")
	if err != nil {
		return err
	}
	to, err := ixOptionalActor(t, d, "to")
	if err != nil {
		return err
	}
	n := -1
	d.MaybeScanArgs(t, "n", &n)
	delivered := 0
	for _, l := range ixLinks() {
		if (from != nil && *from != l.from) || (to != nil && *to != l.to) {
			continue
		}
		left := len(e.queues[l])
		if n >= 0 {
			left = min(left, n)
		}
		for ; left > 0; left-- {
			e.deliverOne(l)
			delivered++
		}
	}
	if delivered == 0 {
		return errors.New("nothing to deliver")
	}
	return nil
}

// ixDrop loses the oldest n (default 1) messages queued on the link from
// from to to, as a partition loses what is sent while it lasts.
func ixDrop(e *ixEnv, t *testing.T, d *datadriven.TestData) error {
	var fromName, toName string
	n := 1
	d.ScanArgs(t, "from", &fromName)
	d.ScanArgs(t, "to", &toName)
	d.MaybeScanArgs(t, "n", &n)
	from, err := parseIxActor(fromName)
	if err != nil {
		return err
	}
	to, err := parseIxActor(toName)
	if err != nil {
		return err
	}
	l := ixLink{from, to}
	if n < 1 || n > len(e.queues[l]) {
		return fmt.Errorf("drop %d of the %d messages queued on %v", n, len(e.queues[l]), l)
	}
	for _, m := range e.queues[l][:n] {
		e.logf("%v: %v (lost)", l, m)
	}
	e.queues[l] = e.queues[l][n:]
	return nil
}

func ixOptionalActor(t *testing.T, d *datadriven.TestData, key string) (*ixActor, error) {
	var s string
	if !d.MaybeScanArgs(t, key, &s) {
		return nil, nil
	}
	a, err := parseIxActor(s)
	return &a, err
}

func ixStabilize(e *ixEnv, t *testing.T, d *datadriven.TestData) error {
	return e.stabilize(d.HasArg("no-store"))
}

// ixTick fires actor's pending timers of the given kind, earliest due
// first, at most n (default all that are pending when the command starts;
// timers they set stay pending). Stale timers, of an older generation,
// fire too: the actor must ignore them.
func ixTick(e *ixEnv, t *testing.T, d *datadriven.TestData) error {
	var actor, kind string
	n := -1
	d.ScanArgs(t, "actor", &actor)
	d.ScanArgs(t, "kind", &kind)
	d.MaybeScanArgs(t, "n", &n)
	a, err := parseIxActor(actor)
	if err != nil {
		return err
	}
	var due []ixTimer
	for _, tm := range e.timers[a] {
		if int(tm.timer.Kind) < len(timerNames) && timerNames[tm.timer.Kind] == kind {
			due = append(due, tm)
		}
	}
	if len(due) == 0 {
		return fmt.Errorf("%v has no pending %s timer", a, kind)
	}
	sort.Slice(due, func(i, j int) bool { return ixTimerBefore(due[i], due[j]) })
	if n >= 0 {
		due = due[:min(n, len(due))]
	}
	for _, tm := range due {
		if i := e.timerIndex(a, tm.seq); i >= 0 {
			e.fire(a, i)
		}
	}
	return nil
}

// ixStore completes, in the order they were started, the pending store
// operations that match: of actor, of kind op (put, get, delete, list),
// whose readable key starts with prefix; at most n; failed if fail is
// given.
func ixStore(e *ixEnv, t *testing.T, d *datadriven.TestData) error {
	var actorName, op, prefix string
	n := -1
	d.MaybeScanArgs(t, "actor", &actorName)
	d.MaybeScanArgs(t, "op", &op)
	d.MaybeScanArgs(t, "prefix", &prefix)
	d.MaybeScanArgs(t, "n", &n)
	var actor *ixActor
	if actorName != "" {
		a, err := parseIxActor(actorName)
		if err != nil {
			return err
		}
		actor = &a
	}
	match := func(o ixStoreOp) bool {
		return (actor == nil || *actor == o.actor) && (op == "" || op == o.op.Kind.String()) &&
			strings.HasPrefix(ixKey(o.op.Key), prefix)
	}
	done := 0
	for i := 0; i < len(e.storeOps) && (n < 0 || done < n); {
		if !match(e.storeOps[i]) {
			i++
			continue
		}
		e.completeStore(i, d.HasArg("fail"))
		done++
	}
	if done == 0 {
		return errors.New("no matching store operation")
	}
	return nil
}

// ixSubmit appends a client request to the ingress: msg is KIND(N), e.g.
// hop(6).
func ixSubmit(e *ixEnv, t *testing.T, d *datadriven.TestData) error {
	var client int
	var to, msg string
	d.ScanArgs(t, "client", &client)
	d.ScanArgs(t, "to", &to)
	d.ScanArgs(t, "msg", &msg)
	typ, id, ok := strings.Cut(to, "/")
	if !ok {
		return fmt.Errorf("to=%q: want TYPE/ID", to)
	}
	kind, arg, ok := strings.Cut(strings.TrimSuffix(msg, ")"), "(")
	if !ok {
		return fmt.Errorf("msg=%q: want KIND(N)", msg)
	}
	v, err := strconv.ParseInt(arg, 10, 64)
	if err != nil {
		return fmt.Errorf("msg=%q: %v", msg, err)
	}
	e.submit(ClientID(client), Address{Type: FuncType(typ), ID: id}, Int64Message(kind, v))
	return nil
}

func ixWorkerArg(d *datadriven.TestData) (WorkerID, error) {
	if len(d.CmdArgs) != 1 {
		return 0, fmt.Errorf("%s: want one worker", d.Cmd)
	}
	a, err := parseIxActor(d.CmdArgs[0].Key)
	if err == nil && a == ixCoord {
		err = errors.New("the coordinator does not crash in these tests")
	}
	return WorkerID(a), err
}

func ixCrash(e *ixEnv, t *testing.T, d *datadriven.TestData) error {
	id, err := ixWorkerArg(d)
	if err != nil {
		return err
	}
	e.logf("%v crash", id)
	e.crash(t, id)
	return nil
}

func ixRestart(e *ixEnv, t *testing.T, d *datadriven.TestData) error {
	id, err := ixWorkerArg(d)
	if err != nil {
		return err
	}
	e.startWorker(t, id)
	return nil
}

func ixState(e *ixEnv, t *testing.T, d *datadriven.TestData) error {
	e.logf("%s", e.describe())
	return nil
}

// ixEgress lists every released batch in release order, marking the
// repeats that clients drop.
func ixEgress(e *ixEnv, t *testing.T, d *datadriven.TestData) error {
	type batchID struct {
		w WorkerID
		n Epoch
	}
	seen := map[batchID]bool{}
	for _, b := range e.released {
		id := batchID{b.Worker, b.Epoch}
		if seen[id] {
			e.logf("%v: repeat, dropped by clients", b)
			continue
		}
		seen[id] = true
		e.logf("%v:", b)
		for _, r := range b.Responses {
			e.logf("  %v", r)
		}
	}
	if len(e.released) == 0 {
		e.logf("nothing released")
	}
	return nil
}

func ixCheck(e *ixEnv, t *testing.T, d *datadriven.TestData) error {
	s, err := e.check(t)
	if err != nil {
		return err
	}
	e.logf("%s", s)
	return nil
}
