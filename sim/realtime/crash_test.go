package realtime

import (
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/flowtx/flowtx/sim"
)

// crashQueuedN is how many messages wait behind the blocked victim.
const crashQueuedN = 5

// victim is the crashed node. Its first incarnation blocks inside
// Receive(block) after starting a write and a timer, so the test can crash
// it with messages, a storage result and a timer queued. Later incarnations
// ping the peer and set a timer of their own.
type victim struct {
	inert
	env    sim.Env
	gen    int
	peer   sim.NodeID
	gate   chan struct{}
	done   *atomic.Int32
	got    []sim.Message
	fired  []sim.Message
	stored []uint64
}

func (v *victim) Start(env sim.Env) {
	v.env = env
	if v.gen > 1 {
		env.After(sim.Millisecond, tag("later timer"))
		env.Send(v.peer, tag("ping"))
	}
}

func (v *victim) Receive(_ sim.NodeID, msg sim.Message) {
	v.got = append(v.got, msg)
	switch msg {
	case tag("block"):
		v.env.Store(sim.StoreOp{Kind: sim.StorePut, Key: "crash/k", Value: []byte("v"), Token: 7})
		v.env.After(0, tag("first timer"))
		<-v.gate
	case tag("pong"):
		v.done.Add(1)
	}
}

func (v *victim) Fire(timer sim.Message) {
	v.fired = append(v.fired, timer)
	v.done.Add(1)
}

func (v *victim) Stored(r sim.StoreResult) { v.stored = append(v.stored, r.Op.Token) }

// peer blocks the victim, queues messages behind the block, and answers pings.
type peer struct {
	inert
	env    sim.Env
	victim sim.NodeID
}

func (p *peer) Start(env sim.Env) {
	p.env = env
	env.Send(p.victim, tag("block"))
	for i := range crashQueuedN {
		env.Send(p.victim, seq(i))
	}
}

func (p *peer) Receive(from sim.NodeID, msg sim.Message) {
	if msg == tag("ping") {
		p.env.Send(from, tag("pong"))
	}
}

func TestCrashDropsOldIncarnationAndRestartRunsFreshProcess(t *testing.T) {
	forEachStore(t, testCrashDropsOldIncarnationAndRestartRunsFreshProcess)
}

func testCrashDropsOldIncarnationAndRestartRunsFreshProcess(t *testing.T, cfg Config) {
	d := New(cfg)
	defer d.Stop()
	gate := make(chan struct{})
	release := sync.OnceFunc(func() { close(gate) })
	defer release() // before Stop, which would wait for the blocked victim forever
	var done atomic.Int32
	var victims []*victim // the factory runs on this goroutine: in AddNode and Restart
	const v, p = sim.NodeID(0), sim.NodeID(1)
	d.AddNode(func() sim.Process {
		vp := &victim{gen: len(victims) + 1, peer: p, gate: gate, done: &done}
		victims = append(victims, vp)
		return vp
	})
	d.AddNode(func() sim.Process { return &peer{victim: v} })
	d.Start()

	// Behind the blocked Receive: the peer's messages, the storage result and the timer.
	err := d.RunUntil(func() bool { return queued(d, v) == crashQueuedN+2 }, time.Second)
	if err != nil {
		t.Fatalf("queued for the victim = %d; want %d: %v", queued(d, v), crashQueuedN+2, err)
	}
	crashed := make(chan struct{})
	go func() {
		d.Crash(v)
		close(crashed)
	}()
	// The crash takes effect before the blocked callback returns.
	if err := d.RunUntil(func() bool { return !d.Up(v) }, time.Second); err != nil {
		t.Fatalf("victim still up: %v", err)
	}
	release()
	<-crashed
	if got := d.Process(v); got != nil {
		t.Fatalf("Process(%v) = %v after Crash; want nil", v, got)
	}

	d.Restart(v)
	if err := d.RunUntil(func() bool { return done.Load() == 2 }, time.Second); err != nil {
		t.Fatalf("restarted victim saw %d of pong and its timer: %v", done.Load(), err)
	}
	d.Stop()

	if len(victims) != 2 || d.Process(v) != victims[1] {
		t.Fatalf("factory built %d victims; want 2, the second running", len(victims))
	}
	first, second := victims[0], victims[1]
	checkMessages(t, "first incarnation received", first.got, tag("block"))
	checkMessages(t, "first incarnation fired", first.fired)
	checkMessages(t, "second incarnation received", second.got, tag("pong"))
	checkMessages(t, "second incarnation fired", second.fired, tag("later timer"))
	if len(first.stored)+len(second.stored) != 0 {
		t.Errorf("storage results delivered: %v, %v; want none", first.stored, second.stored)
	}
	if got := d.Store().Keys("crash/"); !slices.Equal(got, []string{"crash/k"}) {
		t.Errorf("Store().Keys = %v; want the write started before the crash", got)
	}
}

func checkMessages(t *testing.T, what string, got []sim.Message, want ...sim.Message) {
	t.Helper()
	if !slices.Equal(got, want) {
		t.Errorf("%s %v; want %v", what, got, want)
	}
}

// probe is a node whose second incarnation sends and sets a timer at Start.
type probe struct {
	inert
	peer   sim.NodeID
	got    []sim.Message
	fired  []sim.Message
	stored []uint64
	done   *atomic.Int32
}

func (p *probe) Start(env sim.Env) {
	env.Send(p.peer, tag("new message"))
	env.After(0, tag("new timer"))
}

func (p *probe) Receive(_ sim.NodeID, msg sim.Message) { p.got = append(p.got, msg) }

func (p *probe) Fire(timer sim.Message) {
	p.fired = append(p.fired, timer)
	p.done.Add(1)
}

func (p *probe) Stored(r sim.StoreResult) { p.stored = append(p.stored, r.Op.Token) }

// recorder records the messages it receives.
type recorder struct {
	inert
	got  []sim.Message
	done *atomic.Int32
}

func (r *recorder) Start(sim.Env) {}

func (r *recorder) Receive(_ sim.NodeID, msg sim.Message) {
	r.got = append(r.got, msg)
	r.done.Add(1)
}

// Before Start no goroutine runs, so the test can queue effects of a stale
// incarnation through its env and know exactly what sits in each mailbox.
func TestEffectsOfStaleIncarnationAreDropped(t *testing.T) {
	d := New(Config{})
	defer d.Stop()
	var done atomic.Int32
	const a, b = sim.NodeID(0), sim.NodeID(1)
	d.AddNode(func() sim.Process { return &probe{peer: b, done: &done} })
	d.AddNode(func() sim.Process { return &recorder{done: &done} })
	old := &env{d: d, nd: d.nodes[a], inc: d.nodes[a].inc.Load()}
	fromB := &env{d: d, nd: d.nodes[b], inc: d.nodes[b].inc.Load()}

	old.Send(b, tag("sent before the crash"))
	old.After(0, tag("timer set before the crash"))
	old.Store(sim.StoreOp{Kind: sim.StorePut, Key: "stale/k", Token: 9})
	d.Crash(a)
	old.Send(b, tag("sent by a dead incarnation"))
	fromB.Send(a, tag("sent while a was down"))
	d.Restart(a)
	d.Start()

	// b's mailbox is FIFO, so once b has the new message the stale ones ahead
	// of it have been dropped.
	if err := d.RunUntil(func() bool { return done.Load() == 2 }, time.Second); err != nil {
		t.Fatalf("new incarnation's message and timer: %d of 2 arrived: %v", done.Load(), err)
	}
	d.Stop()
	pa, rb := d.Process(a).(*probe), d.Process(b).(*recorder)
	checkMessages(t, "b received", rb.got, tag("new message"))
	checkMessages(t, "a received", pa.got)
	checkMessages(t, "a fired", pa.fired, tag("new timer"))
	if len(pa.stored) != 0 {
		t.Errorf("a got storage results %v; want none", pa.stored)
	}
	if got := d.Store().Keys("stale/"); !slices.Equal(got, []string{"stale/k"}) {
		t.Errorf("Store().Keys = %v; want the stale incarnation's write", got)
	}
}

// spinner keeps a message to itself in flight and dawdles in each callback,
// so crashes wait for callbacks and restarts overtake them. Its pinger
// sends to it without pause, so a message for a new incarnation that
// overtook its Start would show.
type spinner struct {
	inert
	env sim.Env
}

func (s *spinner) Start(env sim.Env) {
	if s.env != nil {
		panic("spinner: started twice")
	}
	s.env = env
	env.Send(env.Self(), tag("spin"))
}

func (s *spinner) Receive(from sim.NodeID, _ sim.Message) {
	if s.env == nil {
		panic("spinner: received before Start")
	}
	if from == s.env.Self() {
		time.Sleep(20 * time.Microsecond)
		s.env.Send(s.env.Self(), tag("spin"))
	}
}

type pinger struct {
	inert
	env    sim.Env
	target sim.NodeID
}

func (p *pinger) Start(env sim.Env) {
	p.env = env
	env.Send(env.Self(), tag("again"))
}

func (p *pinger) Receive(sim.NodeID, sim.Message) {
	p.env.Send(p.target, tag("ping"))
	p.env.Send(p.env.Self(), tag("again"))
}

func TestConcurrentCrashesAndRestartsKeepProcessAndLivenessInStep(t *testing.T) {
	const roundsN = 2000
	d := New(Config{})
	defer d.Stop()
	n := d.AddNode(func() sim.Process { return &spinner{} })
	d.AddNode(func() sim.Process { return &pinger{target: n} })
	d.Start()
	var wg sync.WaitGroup
	for _, op := range []func(sim.NodeID){d.Crash, d.Crash, d.Crash, d.Restart, d.Restart, d.Restart} {
		wg.Go(func() {
			for range roundsN {
				op(n)
			}
		})
	}
	wg.Wait()
	// Whatever the interleaving, the node is up exactly when it has a
	// process, and a restarted node runs.
	if up, proc := d.Up(n), d.Process(n); up != (proc != nil) {
		t.Fatalf("Up = %v with Process = %v", up, proc)
	}
	d.Crash(n)
	d.Restart(n)
	if !d.Up(n) || d.Process(n) == nil {
		t.Fatalf("after Crash and Restart: Up = %v, Process = %v", d.Up(n), d.Process(n))
	}
}
