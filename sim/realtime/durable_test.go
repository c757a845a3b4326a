package realtime

import (
	"fmt"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	"github.com/flowtx/flowtx/sim"
)

// storer runs a script of storage operations under its own key prefix, one
// at a time: each starts when the previous result has come back.
type storer struct {
	inert
	env     sim.Env
	prefix  string
	step    int
	issuing bool // Stored must come after the callback that called Store
	results map[uint64]sim.StoreResult
	done    *atomic.Int32
}

// storeScriptN is the number of operations a storer runs.
const storeScriptN = 6

func (s *storer) op(step int) sim.StoreOp {
	k := func(name string) string { return s.prefix + name }
	token := uint64(100*len(s.prefix) + step) // distinct per step; checked on return
	switch step {
	case 0:
		return sim.StoreOp{Kind: sim.StorePut, Key: k("1"), Value: []byte("one"), Token: token}
	case 1:
		return sim.StoreOp{Kind: sim.StorePut, Key: k("2"), Value: []byte("two"), Token: token}
	case 2:
		return sim.StoreOp{Kind: sim.StoreGet, Key: k("1"), Token: token}
	case 3:
		return sim.StoreOp{Kind: sim.StoreGet, Key: k("missing"), Token: token}
	case 4:
		return sim.StoreOp{Kind: sim.StoreDelete, Key: k("2"), Token: token}
	case 5:
		return sim.StoreOp{Kind: sim.StoreList, Key: s.prefix, Token: token}
	}
	panic(fmt.Sprintf("storer: no step %d", step))
}

func (s *storer) Start(env sim.Env) {
	s.env = env
	s.issue()
}

func (s *storer) issue() {
	op := s.op(s.step)
	s.issuing = true
	s.env.Store(op)
	s.issuing = false
}

func (s *storer) Stored(r sim.StoreResult) {
	if s.issuing {
		panic("storer: Stored ran inside Store")
	}
	if _, dup := s.results[r.Op.Token]; dup {
		panic(fmt.Sprintf("storer: token %d came back twice", r.Op.Token))
	}
	s.results[r.Op.Token] = r
	s.step++
	if s.step < storeScriptN {
		s.issue()
		return
	}
	s.done.Add(1)
}

func TestStorageResultsComeBackWithTheirTokens(t *testing.T) {
	forEachStore(t, testStorageResultsComeBackWithTheirTokens)
}

func testStorageResultsComeBackWithTheirTokens(t *testing.T, cfg Config) {
	d := New(cfg)
	defer d.Stop()
	var done atomic.Int32
	prefixes := []string{"a/", "bb/"}
	var nodes []sim.NodeID
	for _, prefix := range prefixes {
		nodes = append(nodes, d.AddNode(func() sim.Process {
			return &storer{prefix: prefix, results: map[uint64]sim.StoreResult{}, done: &done}
		}))
	}
	d.Start()
	if err := d.RunUntil(func() bool { return done.Load() == int32(len(nodes)) }, time.Second); err != nil {
		t.Fatalf("%d of %d storers finished: %v", done.Load(), len(nodes), err)
	}
	d.Stop()

	for i, n := range nodes {
		s := d.Process(n).(*storer)
		if len(s.results) != storeScriptN {
			t.Errorf("%v got %d results; want %d", n, len(s.results), storeScriptN)
		}
		for step := range storeScriptN {
			op := s.op(step)
			r, ok := s.results[op.Token]
			if !ok || r.Op.Kind != op.Kind || r.Op.Key != op.Key || r.Err != nil {
				t.Errorf("%v: result for token %d = %+v; want %v %q without error", n, op.Token, r, op.Kind, op.Key)
			}
		}
		p := prefixes[i]
		if r := s.results[s.op(2).Token]; !r.Found || string(r.Value) != "one" {
			t.Errorf("%v: get %s1 = %q found=%v; want \"one\"", n, p, r.Value, r.Found)
		}
		if r := s.results[s.op(3).Token]; r.Found {
			t.Errorf("%v: get %smissing found %q", n, p, r.Value)
		}
		if r := s.results[s.op(5).Token]; !slices.Equal(r.Keys, []string{p + "1"}) {
			t.Errorf("%v: list %s = %v; want [%s1]", n, p, r.Keys, p)
		}
	}
	if got, want := d.Store().Keys(""), []string{"a/1", "bb/1"}; !slices.Equal(got, want) {
		t.Errorf("Store().Keys = %v; want %v", got, want)
	}
}

const (
	appendersN = 3
	appendsN   = 50 // per appender
	ingress    = "ingress"
)

// appender appends its records to the shared log and tells the reader.
type appender struct {
	inert
	reader sim.NodeID
	offs   map[sim.Offset]sim.Message
}

func (a *appender) Start(env sim.Env) {
	for i := range appendsN {
		rec := seq(1000*int(env.Self()) + i)
		a.offs[env.Append(ingress, rec)] = rec
	}
	env.Send(a.reader, tag("appended"))
}

// logReader reads the whole log once every appender is done.
type logReader struct {
	inert
	env      sim.Env
	waiting  int
	all      []sim.Message
	window   []sim.Message
	pastEnd  []sim.Message
	clobbers int // records that changed when a returned slice was written to
	done     *atomic.Bool
}

func (r *logReader) Start(env sim.Env) { r.env = env }

func (r *logReader) Receive(sim.NodeID, sim.Message) {
	if r.waiting--; r.waiting > 0 {
		return
	}
	const total = appendersN * appendsN
	r.all = r.env.Read(ingress, 0, 2*total)
	r.window = r.env.Read(ingress, 5, 3)
	r.pastEnd = r.env.Read(ingress, total, 10)
	r.window[0] = tag("clobbered")
	if again := r.env.Read(ingress, 5, 1); again[0] != r.all[5] {
		r.clobbers++
	}
	r.done.Store(true)
}

func TestLogsAreSharedAndReadsAreCopies(t *testing.T) {
	d := New(Config{})
	defer d.Stop()
	var done atomic.Bool
	reader := d.AddNode(func() sim.Process { return &logReader{waiting: appendersN, done: &done} })
	var appenders []sim.NodeID
	for range appendersN {
		appenders = append(appenders, d.AddNode(func() sim.Process {
			return &appender{reader: reader, offs: map[sim.Offset]sim.Message{}}
		}))
	}
	d.Start()
	if err := d.RunUntil(done.Load, time.Second); err != nil {
		t.Fatalf("reader never read: %v", err)
	}
	d.Stop()

	r := d.Process(reader).(*logReader)
	if len(r.all) != appendersN*appendsN {
		t.Fatalf("Read(all) returned %d records; want %d", len(r.all), appendersN*appendsN)
	}
	for _, n := range appenders {
		for off, rec := range d.Process(n).(*appender).offs {
			if r.all[off] != rec {
				t.Errorf("record at %d = %v; %v appended %v there", off, r.all[off], n, rec)
			}
		}
	}
	if len(r.window) != 3 || r.pastEnd != nil || r.clobbers != 0 {
		t.Errorf("window %d records, past end %v, clobbered %d; want 3, nil, 0",
			len(r.window), r.pastEnd, r.clobbers)
	}
}
