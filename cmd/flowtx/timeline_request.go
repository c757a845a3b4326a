package main

import (
	"strings"

	"github.com/flowtx/flowtx/runtime"
	"github.com/flowtx/flowtx/sim"
)

// request is one client request on its client's track: from its append to
// the ingress until the egress releases its response. Each message it
// causes that crosses workers is seen on the way, which is what its 2PC
// phases and saga steps are drawn from.
type request struct {
	span     *slice
	answered bool
	seen     map[string]seenKind // by message kind
}

// seenKind is when messages of one kind were first and last delivered.
type seenKind struct {
	first, last sim.Time
	count       int
}

func (t *timeline) startRequest(client sim.NodeID, m runtime.Request) {
	span := t.open(pid(client), "requests", m.ID.String()+" "+m.Msg.Kind, "request",
		map[string]any{"to": m.To.String(), "message": m.Msg.String()})
	r := &request{span: span, seen: map[string]seenKind{}}
	t.requests[m.ID] = r
	t.reqOrder = append(t.reqOrder, r)
}

func (r *request) see(kind string, at sim.Time) {
	s, ok := r.seen[kind]
	if !ok {
		s.first = at
	}
	s.last = at
	s.count++
	r.seen[kind] = s
}

// answer records the first release of the request's response; a recovery
// may release it again, and clients keep the first.
func (r *request) answer(resp runtime.Response, at sim.Time) {
	if r.answered {
		return
	}
	r.answered = true
	r.span.end = at
	r.span.args["response"] = resp.Msg.String()
	if resp.Failure != "" {
		r.span.args["failure"] = resp.Failure
	}
}

// finishRequests closes every request span at its answer or, past it, at
// the last message it caused, and adds its phases as children.
func (t *timeline) finishRequests() {
	for _, r := range t.reqOrder {
		s := r.span
		s.open = false
		for _, k := range r.seen {
			s.end = max(s.end, k.last)
		}
		if !r.answered {
			s.end = max(s.end, t.now)
			s.args["result"] = "not answered by the end of the run"
		}
		for _, p := range r.phases() {
			p.pid, p.track, p.parent = s.pid, s.track, s
			p.start, p.end = max(p.start, s.start), min(p.end, s.end)
			t.slices = append(t.slices, p)
		}
	}
}

// 2PC message kinds (protocols/twopc) and the saga's (protocols/saga).
const (
	kind2PCPrepare = "2pc/prepare"
	kind2PCVote    = "2pc/vote"
	kind2PCCommit  = "2pc/commit"
	kind2PCAbort   = "2pc/abort"
	kindSagaPrefix = "saga/"
)

// phases are a request's 2PC phases, prepare (first prepare to last vote)
// then decision (first to last commit or abort), or its saga messages, as
// far as they crossed workers; a phase never outlasts the next one's start.
func (r *request) phases() []*slice {
	var out []*slice
	prepare, okP := r.span2(kind2PCPrepare, kind2PCVote)
	decision, okD := r.span2(kind2PCCommit, kind2PCAbort)
	if okP {
		if okD {
			prepare.end = max(prepare.start, min(prepare.end, decision.start))
		}
		prepare.name = "prepare → vote"
		prepare.args = map[string]any{"prepares": r.seen[kind2PCPrepare].count, "votes": r.seen[kind2PCVote].count}
		out = append(out, prepare)
	}
	if okD {
		decision.name = "decision: commit"
		if r.seen[kind2PCAbort].count > 0 {
			decision.name = "decision: abort"
		}
		decision.args = map[string]any{"commits": r.seen[kind2PCCommit].count, "aborts": r.seen[kind2PCAbort].count}
		out = append(out, decision)
	}
	if saga, ok := r.sagaSpan(); ok {
		out = append(out, saga)
	}
	return out
}

// span2 is the span from the first to the last message of kinds a and b.
func (r *request) span2(a, b string) (*slice, bool) {
	sa, okA := r.seen[a]
	sb, okB := r.seen[b]
	switch {
	case okA && okB:
		return &slice{cat: "2pc", start: min(sa.first, sb.first), end: max(sa.last, sb.last)}, true
	case okA:
		return &slice{cat: "2pc", start: sa.first, end: sa.last}, true
	case okB:
		return &slice{cat: "2pc", start: sb.first, end: sb.last}, true
	}
	return nil, false
}

func (r *request) sagaSpan() (*slice, bool) {
	s := &slice{name: "saga steps", cat: "saga", args: map[string]any{}}
	found := false
	for kind, k := range r.seen {
		if !strings.HasPrefix(kind, kindSagaPrefix) {
			continue
		}
		if !found {
			s.start, s.end = k.first, k.last
		}
		found = true
		s.start, s.end = min(s.start, k.first), max(s.end, k.last)
		s.args[kind] = k.count
	}
	return s, found
}
