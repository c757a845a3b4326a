package sim

import (
	"testing"

	"github.com/stretchr/testify/require"
)

// Times of the crash scenario: notes take 1ms, so notes in flight at the
// crash would arrive after the restart if the kernel let them.
const (
	crashAt   = 2050
	restartAt = 2500
)

// crashScenario runs node 0 (a) and node 1 (b) sending each other a note
// stamped with its send time every 100us for 10ms; b also sets a 5ms timer
// and starts a 3ms store write at each start. b crashes at crashAt and
// restarts at restartAt.
func crashScenario(t *testing.T) (a, b *incarnations, trace []TraceEvent, s *Sim) {
	t.Helper()
	s = New(Config{Seed: 1, Network: NewLinks(Latency{Mean: Millisecond}), Storage: fixedDisk(3 * Millisecond)})
	ping := func(p *probe, m Message) {
		if n := m.(note); n.Tag == "tick" && p.env.Now() < 10*Millisecond {
			p.env.Send(1-p.env.Self(), note{Tag: "sent-at", N: int64(p.env.Now())})
			p.env.After(100, n)
		}
	}
	_, a = addProbe(s, script{start: func(p *probe) { p.env.After(0, note{Tag: "tick"}) }, fire: ping})
	_, b = addProbe(s, script{
		start: func(p *probe) {
			p.env.After(0, note{Tag: "tick"})
			p.env.After(5*Millisecond, note{Tag: "alarm"})
			p.env.Store(StoreOp{Kind: StorePut, Key: "b/" + note{N: int64(p.env.Now())}.String(), Value: []byte("v")})
		},
		fire: ping,
	})
	s.At(crashAt, func() { s.Crash(1) })
	s.At(restartAt, func() { s.Restart(1) })
	trace, err := traceOf(s, Never)
	require.NoError(t, err)
	require.Len(t, b.all, 2, "incarnations of b")
	return a, b, trace, s
}

// TestCrashedProcessReceivesNothing checks that nothing reaches a crashed
// incarnation, and that its restart sees nothing meant for the old one:
// no notes sent before the restart, no old timers, no old store results.
func TestCrashedProcessReceivesNothing(t *testing.T) {
	_, b, trace, _ := crashScenario(t)
	old, fresh := b.all[0], b.all[1]
	for _, g := range old.log {
		require.Less(t, g.At, Time(crashAt), "old incarnation got %s %v after the crash", g.Kind, g.Msg)
	}
	for _, g := range old.only("fire") {
		require.NotEqual(t, "alarm", g.Msg.(note).Tag, "old incarnation's alarm fired at %v", g.At)
	}
	require.Empty(t, old.only("stored"), "old incarnation's store results")

	lateDrops := 0
	for _, e := range trace {
		if e.Kind == "drop-deliver" && e.Node == 1 && e.At >= restartAt {
			lateDrops++
		}
	}
	require.Greater(t, lateDrops, 5, "notes for b arriving after the restart that the kernel dropped")

	for _, g := range fresh.only("receive") {
		require.GreaterOrEqual(t, Time(g.Msg.(note).N), Time(restartAt), "new incarnation got a note sent before its start")
	}
	require.NotEmpty(t, fresh.only("receive"), "new incarnation receives")
	var alarms []Time
	for _, g := range fresh.only("fire") {
		if g.Msg.(note).Tag == "alarm" {
			alarms = append(alarms, g.At)
		}
	}
	require.Equal(t, []Time{restartAt + 5*Millisecond}, alarms, "alarms the new incarnation saw")
	stored := fresh.only("stored")
	require.Len(t, stored, 1, "store results the new incarnation saw")
	require.Equal(t, Time(restartAt+3*Millisecond), stored[0].At, "time of the new incarnation's store result")
}

// TestCrashDropsNotesFromTheDead checks the other direction: notes the old
// incarnation of b sent that were still in flight at the crash never arrive.
func TestCrashDropsNotesFromTheDead(t *testing.T) {
	a, _, trace, _ := crashScenario(t)
	fromOld, fromNew := 0, 0
	for _, g := range a.last().only("receive") {
		sent := Time(g.Msg.(note).N)
		switch {
		case sent >= restartAt:
			fromNew++
		case sent+Millisecond < crashAt:
			fromOld++
		default:
			t.Fatalf("a received note sent at %v that was in flight at the crash (%v)", sent, Time(crashAt))
		}
	}
	require.Equal(t, 11, fromOld, "notes from the old b that arrived before the crash (sent 0..1000us)")
	require.NotZero(t, fromNew, "notes from the new b")
	dropped := 0
	for _, e := range trace {
		if e.Kind == "drop-deliver" && e.Node == 0 && e.From == 1 {
			dropped++
		}
	}
	require.Equal(t, 10, dropped, "notes from the old b dropped in flight (sent 1100..2000us)")
}

// TestCrashStillLandsWrites checks that the old incarnation's write, which
// completes after the crash, is in the store although no one hears of it.
func TestCrashStillLandsWrites(t *testing.T) {
	_, _, trace, s := crashScenario(t)
	require.Equal(t, []string{"b/#0", "b/#2500"}, s.Store().Keys("b/"), "keys written by both incarnations")
	require.Equal(t, 1, countKind(trace, "drop-store"), "store results dropped")
}

// TestRestartBuildsFreshProcess checks crash and restart bookkeeping: a
// restart calls the factory for a new value that is started once, crashing
// a crashed node or restarting a live one does nothing.
func TestRestartBuildsFreshProcess(t *testing.T) {
	s := New(Config{Seed: 1})
	n, in := addProbe(s, script{})
	first := s.Process(n)
	require.Same(t, in.all[0], first, "Process() is the factory's value")
	s.At(Millisecond, func() {
		s.Restart(n)
		require.Len(t, in.all, 1, "factory calls after restarting a live node")
		s.Crash(n)
		require.False(t, s.Up(n), "Up() after Crash")
		require.Nil(t, s.Process(n), "Process() after Crash")
		s.Crash(n)
	})
	s.At(2*Millisecond, func() {
		s.Restart(n)
		require.True(t, s.Up(n), "Up() after Restart")
		require.Len(t, in.all, 2, "factory calls after one crash and restart")
		require.NotSame(t, first, s.Process(n), "Process() after restart is a new value")
		require.Same(t, in.all[1], s.Process(n), "Process() after restart is the factory's value")
	})
	trace, err := traceOf(s, Never)
	require.NoError(t, err)
	require.Equal(t, []got{{At: 0, Kind: "start", From: n}}, in.all[0].log, "old incarnation's log")
	require.Equal(t, []got{{At: 2 * Millisecond, Kind: "start", From: n}}, in.all[1].log, "new incarnation's log")
	require.Equal(t, 2, countKind(trace, "start"), "starts")
	require.Equal(t, 1, countKind(trace, "crash"), "crashes: crashing a crashed node is not one")
}

// TestCrashBeforeStart checks that an incarnation crashed before its start
// event ran is never started, and its successor is started exactly once.
func TestCrashBeforeStart(t *testing.T) {
	s := New(Config{Seed: 1})
	n, in := addProbe(s, script{})
	s.Crash(n)
	s.Restart(n)
	trace, err := traceOf(s, Never)
	require.NoError(t, err)
	require.Empty(t, in.all[0].log, "log of the incarnation crashed before its start")
	require.Len(t, in.all[1].only("start"), 1, "starts of its successor")
	require.Equal(t, 1, countKind(trace, "drop-start"), "dropped starts")
}
