package runtime

import (
	"errors"
	"fmt"
	"sort"
	"strings"
	"testing"
)

// ixRingType is the function type of the interaction tests. Its instances
// ring/m0, ring/m1, ring/m2 live on w0, w1, w2 and form a cycle
// m0 -> m1 -> m2 -> m0, so every hop crosses a channel between workers.
const ixRingType FuncType = "ring"

var (
	ixHops       = Value[int64]{Name: "hops", Codec: Int64Codec}
	errIxNotRing = errors.New("not a ring member")
)

// ixRingMember returns the i-th ring instance.
func ixRingMember(i int) Address { return Address{Type: ixRingType, ID: fmt.Sprintf("m%d", i)} }

// ixRing counts the hops its instance saw and passes hop(n-1) on to the
// next instance of the ring; at hop(0) it answers the client. delay(n)
// passes hop(n-1) on after ixRingDelay instead of at once.
func ixRing(ctx Context, msg Message) error {
	n, err := msg.Int64()
	if err != nil {
		return err
	}
	var i int
	if _, err := fmt.Sscanf(ctx.Self().ID, "m%d", &i); err != nil || i < 0 || i >= ixWorkers {
		return errIxNotRing
	}
	hops, _ := ixHops.Get(ctx)
	ixHops.Set(ctx, hops+1)
	next := ixRingMember((i + 1) % ixWorkers)
	switch {
	case n <= 0:
		ctx.Egress(Message{Kind: "done"})
	case msg.Kind == "delay":
		ctx.SendAfter(ixRingDelay, next, Int64Message("hop", n-1))
	default:
		ctx.Send(next, Int64Message("hop", n-1))
	}
	return nil
}

const ixRingDelay Micros = 500

// stabilize delivers every queued message and, unless noStore, completes
// every store operation, until nothing is left; timers stay pending.
func (e *ixEnv) stabilize(noStore bool) error {
	for steps := 0; ; steps++ {
		if steps >= ixStepsMax {
			return fmt.Errorf("no quiescence after %d steps", steps)
		}
		switch {
		case e.deliverRound():
		case !noStore && len(e.storeOps) > 0:
			e.completeStore(0, false)
		default:
			return nil
		}
	}
}

// deliverRound delivers, on every link in order, the messages queued when
// the round reached it. It reports whether it delivered any.
func (e *ixEnv) deliverRound() bool {
	delivered := false
	for _, l := range ixLinks() {
		for n := len(e.queues[l]); n > 0 && len(e.queues[l]) > 0; n-- {
			e.deliverOne(l)
			delivered = true
		}
	}
	return delivered
}

// instanceStates renders the state of every instance on a live worker.
func (e *ixEnv) instanceStates() map[Address]string {
	out := map[Address]string{}
	for _, w := range e.workers {
		if w == nil {
			continue
		}
		for _, a := range w.Instances() {
			var kv []string
			for _, m := range w.instances[a].state {
				kv = append(kv, fmt.Sprintf("%s=%s", m.Name, describeValue(m.Value)))
			}
			out[a] = strings.Join(kv, " ")
		}
	}
	return out
}

// clientResponses is what the clients saw: the responses of every released
// batch, keeping, under exactly-once egress, only the first copy of each
// (worker, epoch), as Host.Release says clients do.
func (e *ixEnv) clientResponses() map[RequestID][]string {
	type batchID struct {
		w WorkerID
		n Epoch
	}
	seen := map[batchID]bool{}
	out := map[RequestID][]string{}
	for _, b := range e.released {
		id := batchID{b.Worker, b.Epoch}
		if e.opts.exactlyOnce && seen[id] {
			continue
		}
		seen[id] = true
		for _, r := range b.Responses {
			out[r.Request] = append(out[r.Request], r.String())
		}
	}
	return out
}

// reference runs the requests submitted so far on a fresh job without
// faults or checkpoints (responses leave at once) and returns it.
func (e *ixEnv) reference(t testing.TB) (*ixEnv, error) {
	ref := newIxEnv(t, ixOptions{})
	ref.startCoordinator(t)
	for id := range ixWorkers {
		ref.startWorker(t, WorkerID(id))
	}
	if err := ref.stabilize(false); err != nil {
		return nil, err
	}
	for _, r := range e.submitted {
		ref.submit(r.ID.Client, r.To, r.Msg)
	}
	if err := ref.settle(); err != nil {
		return nil, err
	}
	ref.output()
	return ref, nil
}

// settle stabilizes, then fires the workers' delayed-message and kick
// timers, earliest first, until none is left: it runs the job to the end
// of its work without a checkpoint, a heartbeat or a liveness check.
func (e *ixEnv) settle() error {
	for range ixStepsMax {
		if err := e.stabilize(false); err != nil {
			return err
		}
		a, i := e.nextWorkTimer()
		if i < 0 {
			return nil
		}
		e.fire(a, i)
	}
	return fmt.Errorf("work left after %d timers", ixStepsMax)
}

// nextWorkTimer returns the earliest pending delayed-message or kick timer
// of any worker, or i < 0 if there is none.
func (e *ixEnv) nextWorkTimer() (a ixActor, i int) {
	i = -1
	isWork := func(t Timer) bool { return t.Kind == TimerDelayed || t.Kind == TimerKick }
	for w := ixActor(0); w < ixWorkers; w++ {
		j := e.nextTimer(w, isWork)
		if j >= 0 && (i < 0 || ixTimerBefore(e.timers[w][j], e.timers[a][i])) {
			a, i = w, j
		}
	}
	return a, i
}

// nextTimer returns the index of actor a's earliest pending timer that
// match accepts, or -1.
func (e *ixEnv) nextTimer(a ixActor, match func(Timer) bool) int {
	best := -1
	for j, t := range e.timers[a] {
		if match(t.timer) && (best < 0 || ixTimerBefore(t, e.timers[a][best])) {
			best = j
		}
	}
	return best
}

func ixTimerBefore(x, y ixTimer) bool {
	return x.due < y.due || (x.due == y.due && x.seq < y.seq)
}

// check compares the env with a fault-free run of the same requests: the
// state of every instance, and the responses clients kept.
func (e *ixEnv) check(t testing.TB) (string, error) {
	ref, err := e.reference(t)
	if err != nil {
		return "", err
	}
	var b strings.Builder
	got, want := e.instanceStates(), ref.instanceStates()
	b.WriteString(ixCompare("instance", ixSortedAddrs(got, want), func(a Address) (string, string) {
		return got[a], want[a]
	}))
	gotR, wantR := e.clientResponses(), ref.clientResponses()
	b.WriteString(ixCompare("request", ixSortedRequests(gotR, wantR), func(r RequestID) (string, string) {
		return strings.Join(gotR[r], "; "), strings.Join(wantR[r], "; ")
	}))
	return strings.TrimSuffix(b.String(), "\n"), nil
}

// ixCompare lists keys with what the env has, flagging each that differs
// from the fault-free run.
func ixCompare[K fmt.Stringer](what string, keys []K, get func(K) (got, want string)) string {
	var b strings.Builder
	diffs := 0
	for _, k := range keys {
		got, want := get(k)
		if got == want {
			fmt.Fprintf(&b, "  %v: %s\n", k, got)
			continue
		}
		diffs++
		fmt.Fprintf(&b, "  %v: %s  MISMATCH, fault-free run: %s\n", k, ixOrNone(got), ixOrNone(want))
	}
	verdict := "as in a fault-free run"
	if diffs > 0 {
		verdict = fmt.Sprintf("%d differ from a fault-free run", diffs)
	}
	return fmt.Sprintf("%ss: %d, %s\n", what, len(keys), verdict) + b.String()
}

func ixOrNone(s string) string {
	if s == "" {
		return "(none)"
	}
	return s
}

func ixSortedAddrs(ms ...map[Address]string) []Address {
	set := map[Address]bool{}
	for _, m := range ms {
		for a := range m {
			set[a] = true
		}
	}
	out := make([]Address, 0, len(set))
	for a := range set {
		out = append(out, a)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Less(out[j]) })
	return out
}

func ixSortedRequests(ms ...map[RequestID][]string) []RequestID {
	set := map[RequestID]bool{}
	for _, m := range ms {
		for r := range m {
			set[r] = true
		}
	}
	out := make([]RequestID, 0, len(set))
	for r := range set {
		out = append(out, r)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Client != out[j].Client {
			return out[i].Client < out[j].Client
		}
		return out[i].Seq < out[j].Seq
	})
	return out
}

func ixSortedKeys(m map[string][]byte) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
