package sim

import (
	"testing"

	"github.com/stretchr/testify/require"
)

// TestEventsInTimeOrder checks that the tracer sees virtual time never go
// back, that queued events come out in (time, seq) order, and that a process
// sees Now equal to the time of the event it handles.
func TestEventsInTimeOrder(t *testing.T) {
	s := newChatter(chatterConfig{Seed: 7, Nodes: 5, Latency: Latency{Mean: 300, Jitter: 290},
		DupProb: 0.1, Sends: 200, StoreEvery: 7, Crash: true})
	trace, err := traceOf(s, Never)
	require.NoError(t, err)
	require.Greater(t, len(trace), 2000, "the workload is too small to show anything")
	for _, k := range []string{"deliver", "timer", "store", "call", "crash", "drop-deliver"} {
		require.NotZero(t, countKind(trace, k), "no %q event in the trace", k)
	}
	var last TraceEvent
	for i, e := range trace {
		require.GreaterOrEqual(t, e.At, last.At, "event %d (%v) is earlier than event %d (%v)", i, e, i-1, last)
		if e.Seq != 0 && last.Seq != 0 && e.At == last.At {
			require.Greater(t, e.Seq, last.Seq, "event %d (%v) at the same time as %v but scheduled earlier", i, e, last)
		}
		last = e
	}
	require.Equal(t, last.At, s.Now(), "Now() after the run")
	require.Zero(t, s.Pending(), "Pending() after running dry")
}

// TestNowIsEventTime checks that a handler sees the time of its event.
func TestNowIsEventTime(t *testing.T) {
	s := New(Config{Seed: 1, Network: NewLinks(Latency{Mean: 250})})
	var seen []Time
	a, _ := addProbe(s, script{start: func(p *probe) {
		p.env.After(40, note{Tag: "t"})
	}, fire: func(p *probe, _ Message) {
		seen = append(seen, p.env.Now())
		p.env.Send(1, note{Tag: "m"})
	}})
	_, in := addProbe(s, script{receive: func(p *probe, _ NodeID, _ Message) {
		seen = append(seen, p.env.Now())
	}})
	require.NoError(t, s.Run(Never))
	require.Equal(t, []Time{40, 290}, seen, "Now() in the timer handler and the receiver")
	require.Equal(t, a, in.last().only("receive")[0].From, "receive From")
}

// TestAtRunsAtItsTime checks At for future, equal and past times.
func TestAtRunsAtItsTime(t *testing.T) {
	s := New(Config{Seed: 1})
	type ran struct {
		name string
		at   Time
	}
	var order []ran
	at := func(name string, when Time) {
		s.At(when, func() { order = append(order, ran{name, s.Now()}) })
	}
	at("c", 3*Millisecond)
	at("a", Millisecond)
	at("b1", 2*Millisecond)
	at("b2", 2*Millisecond)
	s.At(5*Millisecond, func() { at("past", Millisecond) })
	require.NoError(t, s.Run(Never))
	want := []ran{{"a", Millisecond}, {"b1", 2 * Millisecond}, {"b2", 2 * Millisecond},
		{"c", 3 * Millisecond}, {"past", 5 * Millisecond}}
	require.Equal(t, want, order, "At callbacks: order and times")
}

// TestRunStopsAtUntil checks that Run leaves later events queued and moves
// time to until, and that time never moves back when until has passed.
func TestRunStopsAtUntil(t *testing.T) {
	s := New(Config{Seed: 1})
	var fired []Time
	s.At(10, func() { fired = append(fired, s.Now()) })
	s.At(30, func() { fired = append(fired, s.Now()) })
	require.NoError(t, s.Run(20))
	require.Equal(t, []Time{10}, fired, "callbacks run by Run(20)")
	require.Equal(t, Time(20), s.Now(), "Now() after Run(20)")
	require.Equal(t, 1, s.Pending(), "Pending() after Run(20)")

	require.NoError(t, s.Run(5))
	require.Equal(t, Time(20), s.Now(), "Now() after Run(5) following Run(20)")
	require.NoError(t, s.Run(Never))
	require.Equal(t, []Time{10, 30}, fired, "callbacks after Run(Never)")

	// As documented, a run that drains the queue leaves time at the last event.
	require.NoError(t, s.Run(Second))
	require.Equal(t, Time(30), s.Now(), "Now() after Run(1s) on an empty queue")
}

// TestRunWhileStopsWhenCondTurns checks RunWhile stops right after the event
// that made cond false.
func TestRunWhileStopsWhenCondTurns(t *testing.T) {
	s := New(Config{Seed: 1})
	n := 0
	for i := 1; i <= 10; i++ {
		s.At(Time(i), func() { n++ })
	}
	require.NoError(t, s.RunWhile(func() bool { return n < 4 }, Never))
	require.Equal(t, 4, n, "callbacks run")
	require.Equal(t, Time(4), s.Now(), "Now()")
	require.NoError(t, s.RunWhile(func() bool { return true }, 7))
	require.Equal(t, 7, n, "callbacks run up to the limit")
}

// spinner sets a zero-delay timer from every timer: a livelock in virtual
// time that only the event limit stops.
type spinner struct{ env Env }

func (p *spinner) Start(env Env)           { p.env = env; env.After(0, note{Tag: "spin"}) }
func (p *spinner) Receive(NodeID, Message) {}
func (p *spinner) Fire(m Message)          { p.env.After(0, m) }
func (p *spinner) Stored(StoreResult)      {}

func TestEventsMaxStopsLivelock(t *testing.T) {
	s := New(Config{Seed: 1, EventsMax: 1000})
	s.AddNode(func() Process { return &spinner{} })
	err := s.Run(Never)
	require.ErrorIs(t, err, ErrEventsMax, "Run(Never) on a livelock")
	require.Equal(t, int64(1000), s.Events(), "Events() at the limit")
	require.Equal(t, Time(0), s.Now(), "Now(): the livelock never advances time")
	require.ErrorIs(t, s.Step(), ErrEventsMax, "Step() past the limit")
	require.Equal(t, int64(1000), s.Events(), "Events() after a refused Step")
}

func TestEventsMaxDefault(t *testing.T) {
	s := New(Config{Seed: 1})
	require.Equal(t, int64(eventsMaxDefault), s.eventsMax, "eventsMax of a zero Config")
}
