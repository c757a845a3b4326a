package runtime

import (
	"fmt"
	"slices"
	"strings"
)

// Running reports whether the worker is processing, as generation Generation.
func (w *Worker) Running() bool { return w.phase == running }

// Generation returns the generation the worker runs (0 before its first
// restore).
func (w *Worker) Generation() Generation { return w.gen }

// Instances returns the addresses of the instances that hold state, sorted.
func (w *Worker) Instances() []Address {
	addrs := make([]Address, 0, len(w.instances))
	for a := range w.instances {
		addrs = append(addrs, a)
	}
	slices.SortFunc(addrs, compareAddresses)
	return addrs
}

// State returns a copy of the state of the instance at a.
func (w *Worker) State(a Address) map[string][]byte {
	out := map[string][]byte{}
	if inst := w.instances[a]; inst != nil {
		for _, e := range inst.state {
			if !e.Deleted {
				out[e.Name] = append([]byte(nil), e.Value...)
			}
		}
	}
	return out
}

// Describe renders the worker's instances and pending work deterministically,
// for golden files and debugging.
func (w *Worker) Describe() string {
	var b strings.Builder
	phases := [...]string{waiting: "waiting", loading: "loading", running: "running", failed: "failed"}
	fmt.Fprintf(&b, "%v g%d %s offset=%d runq=%d delayed=%d held=%d", w.cfg.ID, w.gen, phases[w.phase],
		w.ingressOffset, w.runq.len(), len(w.delayed), len(w.egress.open))
	if w.phase == failed {
		fmt.Fprintf(&b, " (%v)", w.gap)
	}
	if s := w.snap; s != nil {
		fmt.Fprintf(&b, " snapshot=%v waiting-for=%d", s.id, s.pending)
	}
	b.WriteByte('\n')
	for _, a := range w.Instances() {
		fmt.Fprintf(&b, "  %v:", a)
		for _, e := range w.instances[a].state {
			if !e.Deleted {
				fmt.Fprintf(&b, " %s=%s", e.Name, describeValue(e.Value))
			}
		}
		b.WriteByte('\n')
	}
	return b.String()
}

// describeValue renders a state value as an integer when it is a varint, as
// most of our scenarios' state is, and as a quoted string otherwise.
func describeValue(b []byte) string {
	if v, err := Int64Codec.Decode(b); err == nil {
		return fmt.Sprint(v)
	}
	return fmt.Sprintf("%q", b)
}
