package realtime

import (
	"fmt"
	"sync"
	"time"
)

// timersMax bounds the wall-clock timers pending at once across a driver: a
// process that sets timers in a loop is a bug worth a loud stop.
const timersMax = 1 << 20

// timers tracks the wall-clock timers processes have set, so that Stop can
// cancel them and no timer of a stopped driver starts a goroutine later.
type timers struct {
	mu      sync.Mutex
	pending map[*time.Timer]struct{}
	stopped bool
}

func newTimers() *timers {
	return &timers{pending: map[*time.Timer]struct{}{}}
}

// after runs f on a goroutine of its own once delay has passed, unless stop
// comes first.
func (t *timers) after(delay time.Duration, f func()) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.stopped {
		return
	}
	if len(t.pending) >= timersMax {
		panic(fmt.Sprintf("realtime: %d timers pending: a process sets timers faster than they fire", timersMax))
	}
	var tm *time.Timer
	// The callback takes mu, so it cannot look tm up before the assignment
	// and insertion below, which happen under mu.
	tm = time.AfterFunc(delay, func() {
		t.mu.Lock()
		_, live := t.pending[tm]
		delete(t.pending, tm)
		t.mu.Unlock()
		if live {
			f()
		}
	})
	t.pending[tm] = struct{}{}
}

// stop cancels every pending timer. A callback already past its check may
// still run f; the closed mailboxes drop what it pushes.
func (t *timers) stop() {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.stopped = true
	for tm := range t.pending {
		tm.Stop()
	}
	clear(t.pending)
}
