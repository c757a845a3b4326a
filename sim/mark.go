package sim

// Mark records something a process decided, not a queued event, in the
// trace: a BUGGIFY point that fired, say. It is folded into the trace hash
// like any event, with kind, node and message, and handed to the tracer;
// it is not counted in Events. Drivers call it from inside the callback
// that made the decision, so its place in the trace is deterministic.
func (s *Sim) Mark(n NodeID, kind string, msg Message) {
	if kind == "" {
		panic("sim: a mark needs a kind")
	}
	s.note(TraceEvent{At: s.now, Kind: kind, Node: n, From: n, Msg: msg})
}
