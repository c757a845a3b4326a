package sim

import (
	"math"
	"testing"

	"github.com/stretchr/testify/require"
)

func notes(tag string, ns ...int64) []Message {
	out := make([]Message, 0, len(ns))
	for _, n := range ns {
		out = append(out, note{Tag: tag, N: n})
	}
	return out
}

// TestLogsSurviveCrashes checks that records one incarnation appends are
// read back by the next, and that offsets continue across the crash.
func TestLogsSurviveCrashes(t *testing.T) {
	s := New(Config{Seed: 1})
	var offsets []Offset
	var reads [][]Message
	n, in := addProbe(s, script{start: func(p *probe) {
		reads = append(reads, p.env.Read("ingress", 0, 100))
		for range 3 {
			offsets = append(offsets, p.env.Append("ingress", note{Tag: "r", N: int64(len(offsets))}))
		}
		p.env.Append("other", note{Tag: "o"})
	}})
	s.At(Millisecond, func() { s.Crash(n) })
	s.At(2*Millisecond, func() { s.Restart(n) })
	trace, err := traceOf(s, Never)
	require.NoError(t, err)
	require.Len(t, in.all, 2, "incarnations")
	require.Equal(t, []Offset{0, 1, 2, 3, 4, 5}, offsets, "offsets returned by Append")
	require.Equal(t, [][]Message{nil, notes("r", 0, 1, 2)}, reads, "what each incarnation read at its start")
	require.Equal(t, 8, countKind(trace, "append"), "append events in the trace")
}

// TestLogRead checks Read's windowing at and beyond the ends of a log.
func TestLogRead(t *testing.T) {
	s := New(Config{Seed: 1})
	var env Env
	addProbe(s, script{start: func(p *probe) { env = p.env }})
	require.NoError(t, s.Run(Never))
	for i := range 5 {
		require.Equal(t, Offset(i), env.Append("l", note{Tag: "r", N: int64(i)}), "Append offset")
	}
	for _, tc := range []struct {
		from Offset
		max  int
		want []Message
	}{
		{0, 10, notes("r", 0, 1, 2, 3, 4)},
		{2, 2, notes("r", 2, 3)},
		{4, 1, notes("r", 4)},
		{1, math.MaxInt, notes("r", 1, 2, 3, 4)},
		{5, 1, nil},
		{-1, 3, nil},
		{0, 0, nil},
		{0, -1, nil},
	} {
		got := env.Read("l", tc.from, tc.max)
		if len(tc.want) == 0 {
			require.Empty(t, got, "Read(l, %d, %d)", tc.from, tc.max)
			continue
		}
		require.Equal(t, tc.want, got, "Read(l, %d, %d)", tc.from, tc.max)
	}
	require.Nil(t, env.Read("missing", 0, 10), "Read of a log never appended to")

	// A reader appending to what Read returned must not write into the log.
	head := env.Read("l", 0, 2)
	_ = append(head, note{Tag: "scribble"})
	require.Equal(t, notes("r", 2), env.Read("l", 2, 1), "record 2 after a reader appended to records 0..1")
}
