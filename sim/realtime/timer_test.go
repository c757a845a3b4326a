package realtime

import (
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/flowtx/flowtx/sim"
)

// timerDelays include a negative delay (fires at once) and equal ones.
var timerDelays = []sim.Time{-5, 0, 0, sim.Millisecond, 3 * sim.Millisecond, 10 * sim.Millisecond}

// timerProc sets one timer per entry of timerDelays at Start and records
// every timer that fires earlier than it asked.
type timerProc struct {
	inert
	env   sim.Env
	setAt sim.Time
	early []string
	fired *atomic.Int32
}

func (p *timerProc) Start(env sim.Env) {
	p.env = env
	p.setAt = env.Now()
	for i, delay := range timerDelays {
		env.After(delay, seq(i))
	}
	// A delay past what time.Duration holds must not overflow into one
	// that fires at once.
	env.After(sim.Never, tag("never"))
}

func (p *timerProc) Fire(timer sim.Message) {
	i, ok := timer.(seq)
	if !ok {
		p.early = append(p.early, fmt.Sprintf("timer %v fired", timer))
		return
	}
	if waited := p.env.Now() - p.setAt; waited < max(timerDelays[i], 0) {
		p.early = append(p.early, fmt.Sprintf("timer %d: waited %v of %v", i, waited, timerDelays[i]))
	}
	p.fired.Add(1)
}

func TestTimersFireNoEarlierThanAsked(t *testing.T) {
	d := New(Config{})
	defer d.Stop()
	var fired atomic.Int32
	var nodes []sim.NodeID
	for range 3 {
		nodes = append(nodes, d.AddNode(func() sim.Process { return &timerProc{fired: &fired} }))
	}
	d.Start()
	want := int32(len(nodes) * len(timerDelays))
	if err := d.RunUntil(func() bool { return fired.Load() == want }, time.Second); err != nil {
		t.Fatalf("fired %d of %d timers: %v", fired.Load(), want, err)
	}
	d.Stop()
	for _, n := range nodes {
		if early := d.Process(n).(*timerProc).early; len(early) > 0 {
			t.Errorf("%v: timers fired early: %v", n, early)
		}
	}
}

// The timer heap runs callbacks in due order (set order among equal
// delays), none early, and none once stopped.
func TestTimerHeapOrderAndStop(t *testing.T) {
	ts := newTimers()
	delays := []time.Duration{70, 30, 30, 0, -10, 120, 50, 10, 90, 30} // ms apart, so a slow loop cannot reorder them
	start := time.Now()
	got := make(chan int, len(delays))
	for i, d := range delays {
		ts.after(d*time.Millisecond, func() {
			if waited := time.Since(start); waited < d*time.Millisecond {
				t.Errorf("timer %d ran after %v, asked %v", i, waited, d*time.Millisecond)
			}
			got <- i
		})
	}
	var order []int
	for range delays {
		select {
		case i := <-got:
			order = append(order, i)
		case <-time.After(time.Second):
			t.Fatalf("only %v ran", order)
		}
	}
	if want := []int{4, 3, 7, 1, 2, 9, 6, 0, 8, 5}; fmt.Sprint(order) != fmt.Sprint(want) {
		t.Errorf("ran %v; want %v", order, want)
	}
	ts.after(5*time.Millisecond, func() { got <- -1 })
	ts.stop()
	ts.after(0, func() { got <- -2 })
	select {
	case i := <-got:
		t.Fatalf("timer %d ran after stop", i)
	case <-time.After(30 * time.Millisecond):
	}
}
