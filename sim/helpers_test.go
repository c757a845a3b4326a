package sim

import "fmt"

// note is the message the kernel tests send and set as timers: a tag saying
// what it is for and a number, usually a sequence number or a send time.
type note struct {
	Tag string
	N   int64
}

func (m note) Fingerprint() uint64 { return mix64(Fingerprint(m.Tag) ^ uint64(m.N)) }

func (m note) String() string { return fmt.Sprintf("%s#%d", m.Tag, m.N) }

// got is one thing a probe was handed by the kernel.
type got struct {
	At   Time
	Kind string // start, receive, fire or stored
	From NodeID
	Msg  Message
	Res  StoreResult
}

// probe is a scriptable process that records everything the kernel hands it,
// so tests can assert on what each incarnation saw and when.
type probe struct {
	env    Env
	script script
	log    []got
}

// script says what a probe does; nil hooks do nothing.
type script struct {
	start   func(p *probe)
	receive func(p *probe, from NodeID, m Message)
	fire    func(p *probe, m Message)
	stored  func(p *probe, r StoreResult)
}

func (p *probe) Start(env Env) {
	p.env = env
	p.log = append(p.log, got{At: env.Now(), Kind: "start", From: env.Self()})
	if p.script.start != nil {
		p.script.start(p)
	}
}

func (p *probe) Receive(from NodeID, m Message) {
	p.log = append(p.log, got{At: p.env.Now(), Kind: "receive", From: from, Msg: m})
	if p.script.receive != nil {
		p.script.receive(p, from, m)
	}
}

func (p *probe) Fire(m Message) {
	p.log = append(p.log, got{At: p.env.Now(), Kind: "fire", From: p.env.Self(), Msg: m})
	if p.script.fire != nil {
		p.script.fire(p, m)
	}
}

func (p *probe) Stored(r StoreResult) {
	p.log = append(p.log, got{At: p.env.Now(), Kind: "stored", From: p.env.Self(), Res: r})
	if p.script.stored != nil {
		p.script.stored(p, r)
	}
}

// only returns the entries of the probe's log of the given kind.
func (p *probe) only(kind string) []got {
	var out []got
	for _, g := range p.log {
		if g.Kind == kind {
			out = append(out, g)
		}
	}
	return out
}

// incarnations holds every probe a node's factory built, oldest first.
type incarnations struct {
	all []*probe
}

func (in *incarnations) last() *probe { return in.all[len(in.all)-1] }

// addProbe registers a node running sc and returns its id and the record of
// its incarnations.
func addProbe(s *Sim, sc script) (NodeID, *incarnations) {
	in := &incarnations{}
	id := s.AddNode(func() Process {
		p := &probe{script: sc}
		in.all = append(in.all, p)
		return p
	})
	return id, in
}

// traceOf runs s to until and returns every event the tracer saw.
func traceOf(s *Sim, until Time) ([]TraceEvent, error) {
	var trace []TraceEvent
	s.SetTracer(func(e TraceEvent) { trace = append(trace, e) })
	err := s.Run(until)
	return trace, err
}

// countKind returns how many trace events have the given kind.
func countKind(trace []TraceEvent, kind string) int {
	n := 0
	for _, e := range trace {
		if e.Kind == kind {
			n++
		}
	}
	return n
}

// fixedDisk is a store model with exact latency and no faults.
func fixedDisk(latency Time) *Disk {
	return &Disk{LatencyMin: latency, LatencyMax: latency}
}
