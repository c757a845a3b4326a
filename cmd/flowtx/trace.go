package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"

	"github.com/flowtx/flowtx/sim"
)

// traceEvent is one kernel event as --trace writes it and
// --check-determinism compares it.
type traceEvent struct {
	At   int64  `json:"at_us"`
	Seq  uint64 `json:"seq"`
	Kind string `json:"kind"`
	Node int32  `json:"node"`
	From int32  `json:"from"`
	Msg  string `json:"msg,omitempty"`
	// Fingerprint is the message's digest, as the trace hash folds it.
	Fingerprint uint64 `json:"fingerprint,omitempty"`
}

// traceLog collects a run's events. Descriptions are rendered as the run
// goes, so a message mutated later cannot change what was recorded.
type traceLog struct {
	events []traceEvent
}

func (t *traceLog) record(e sim.TraceEvent) {
	te := traceEvent{At: int64(e.At), Seq: e.Seq, Kind: e.Kind, Node: int32(e.Node), From: int32(e.From)}
	if e.Msg != nil {
		te.Msg = fmt.Sprint(e.Msg)
		te.Fingerprint = e.Msg.Fingerprint()
	}
	t.events = append(t.events, te)
}

// firstDifference returns the index of the first event where two traces
// differ, and false; or true if they are identical.
func (t *traceLog) firstDifference(o traceLog) (int, bool) {
	for i := range min(len(t.events), len(o.events)) {
		if t.events[i] != o.events[i] {
			return i, false
		}
	}
	if len(t.events) != len(o.events) {
		return min(len(t.events), len(o.events)), false
	}
	return 0, true
}

func (t *traceLog) at(i int) string {
	if i >= len(t.events) {
		return "(the run had ended)"
	}
	e := t.events[i]
	return fmt.Sprintf("%dus #%d %s n%d<-n%d %s", e.At, e.Seq, e.Kind, e.Node, e.From, e.Msg)
}

func (t *traceLog) write(path string) error {
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("trace: %w", err)
	}
	w := bufio.NewWriter(f)
	enc := json.NewEncoder(w)
	for _, e := range t.events {
		if err := enc.Encode(e); err != nil {
			f.Close()
			return fmt.Errorf("trace: %w", err)
		}
	}
	if err := w.Flush(); err != nil {
		f.Close()
		return fmt.Errorf("trace: %w", err)
	}
	return f.Close()
}

// both hands each event to two tracers, in order.
func both(a, b func(sim.TraceEvent)) func(sim.TraceEvent) {
	return func(e sim.TraceEvent) {
		a(e)
		b(e)
	}
}
