package realtime

import (
	"fmt"
	"sync"
	"time"
)

// timersMax bounds the wall-clock timers pending at once across a driver: a
// process that sets timers in a loop is a bug worth a loud stop.
const timersMax = 1 << 20

// timers runs the wall-clock timers processes set: a heap of callbacks by
// due time behind one time.Timer armed for the earliest. One time.AfterFunc
// per timer cost a runtime timer, a map entry and a goroutine each, under
// one mutex; open-loop clients set one per request (tens of thousands a
// second), and the map and the goroutines were a visible share of a run's
// CPU. Stop cancels them all, so no timer of a stopped driver runs later.
type timers struct {
	mu      sync.Mutex
	heap    []pendingTimer // a binary min-heap by (due, seq)
	seq     uint64
	wake    *time.Timer // armed for heap[0]; nil until the first timer
	stopped bool
	due     []func() // popped, in (due, seq) order, waiting for the runner
	running bool     // a fire is running callbacks: the others leave theirs to it
}

// pendingTimer is one callback waiting for its time. seq breaks ties, so
// timers due at once run in the order they were set.
type pendingTimer struct {
	due time.Time
	seq uint64
	f   func()
}

func (a *pendingTimer) before(b *pendingTimer) bool {
	return a.due.Before(b.due) || a.due.Equal(b.due) && a.seq < b.seq
}

func newTimers() *timers { return &timers{} }

// after runs f once delay has passed, on a goroutine of the timers' own,
// unless stop comes first. f must not block for long: the timers due with
// it wait for it.
func (t *timers) after(delay time.Duration, f func()) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.stopped {
		return
	}
	if len(t.heap) >= timersMax {
		panic(fmt.Sprintf("realtime: %d timers pending: a process sets timers faster than they fire", timersMax))
	}
	t.seq++
	t.push(pendingTimer{due: time.Now().Add(delay), seq: t.seq, f: f})
	if t.heap[0].seq != t.seq {
		return // an earlier timer is armed already
	}
	if t.wake == nil {
		t.wake = time.AfterFunc(delay, t.fire)
		return
	}
	t.wake.Reset(delay)
}

// fire takes every timer that is due and arms the wake-up for the next. A
// wake-up that comes early, or twice (a Reset while one runs), finds
// nothing due and only re-arms. One fire at a time runs callbacks, the
// others queue theirs behind: two fires running at once (the next
// wake-up comes while slow callbacks of this one still run) would run
// timers out of order.
func (t *timers) fire() {
	t.mu.Lock()
	now := time.Now()
	for len(t.heap) > 0 && !t.heap[0].due.After(now) && !t.stopped {
		t.due = append(t.due, t.pop().f)
	}
	if len(t.heap) > 0 && !t.stopped {
		t.wake.Reset(t.heap[0].due.Sub(now))
	}
	if t.running {
		t.mu.Unlock()
		return
	}
	t.running = true
	for len(t.due) > 0 {
		due := t.due
		t.due = nil
		t.mu.Unlock()
		for _, f := range due {
			f()
		}
		t.mu.Lock()
	}
	t.running = false
	t.mu.Unlock()
}

// stop cancels every pending timer. Callbacks already taken by a running
// fire may still run; the closed mailboxes drop what they push.
func (t *timers) stop() {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.stopped = true
	if t.wake != nil {
		t.wake.Stop()
	}
	clear(t.heap)
	t.heap, t.due = nil, nil
}

func (t *timers) push(p pendingTimer) {
	t.heap = append(t.heap, p)
	i := len(t.heap) - 1
	for i > 0 {
		parent := (i - 1) / 2
		if !t.heap[i].before(&t.heap[parent]) {
			break
		}
		t.heap[i], t.heap[parent] = t.heap[parent], t.heap[i]
		i = parent
	}
}

func (t *timers) pop() pendingTimer {
	top := t.heap[0]
	last := len(t.heap) - 1
	t.heap[0] = t.heap[last]
	t.heap[last] = pendingTimer{}
	t.heap = t.heap[:last]
	for i := 0; ; {
		smallest, l, r := i, 2*i+1, 2*i+2
		if l < last && t.heap[l].before(&t.heap[smallest]) {
			smallest = l
		}
		if r < last && t.heap[r].before(&t.heap[smallest]) {
			smallest = r
		}
		if smallest == i {
			return top
		}
		t.heap[i], t.heap[smallest] = t.heap[smallest], t.heap[i]
		i = smallest
	}
}
