package faults

import (
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"
	"pgregory.net/rapid"

	"github.com/flowtx/flowtx/sim"
)

func drawParams(t *rapid.T) CrashParams {
	return CrashParams{
		Workers:      rapid.IntRange(1, 8).Draw(t, "workers"),
		Span:         sim.Time(rapid.Int64Range(1, 1_000_000).Draw(t, "span")),
		GapMean:      sim.Time(rapid.Int64Range(1, 100_000).Draw(t, "gap")),
		DownMax:      sim.Time(rapid.Int64Range(1, 100_000).Draw(t, "down")),
		CoordinatorP: rapid.Float64Range(0, 1).Draw(t, "coordinator-p"),
		StoreP:       rapid.Float64Range(0, 1).Draw(t, "store-p"),
	}
}

func TestDrawnSchedulesAreValid(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		p := drawParams(t)
		s := DrawCrashes(p, rand.New(rand.NewPCG(rapid.Uint64().Draw(t, "seed"), 1)))
		if err := s.Validate(p.Workers); err != nil {
			t.Fatalf("%v\n%v", err, s)
		}
		for _, e := range s {
			if (e.Kind == CrashWorker || e.Kind == CrashCoordinator || e.Kind == StoreFailure) && e.At >= p.Span {
				t.Fatalf("%v starts after the span %v", e, p.Span)
			}
		}
		if len(s) > eventsMax+2 {
			t.Fatalf("%d events, limit %d", len(s), eventsMax)
		}
	})
}

func TestDrawIsDeterministic(t *testing.T) {
	p := CrashParams{Workers: 4, Span: sim.Second, GapMean: 50 * sim.Millisecond, DownMax: 30 * sim.Millisecond, CoordinatorP: 0.2, StoreP: 0.2}
	a := DrawCrashes(p, rand.New(rand.NewPCG(7, 7)))
	b := DrawCrashes(p, rand.New(rand.NewPCG(7, 7)))
	require.Equal(t, a, b)
	require.NotEmpty(t, a)
	require.Greater(t, a.Count(CrashWorker), 0)
	require.Equal(t, a.Count(CrashWorker), a.Count(RestartWorker))
}

// Validate is the check drawn schedules pass; each of these bad ones must
// fail it.
func TestValidateRejectsBadSchedules(t *testing.T) {
	for name, s := range map[string]Schedule{
		"out of order":       {{At: 10, Kind: CrashWorker}, {At: 5, Kind: RestartWorker}},
		"crash while down":   {{At: 1, Kind: CrashWorker, Worker: 1}, {At: 2, Kind: CrashWorker, Worker: 1}},
		"restart while up":   {{At: 1, Kind: RestartCoordinator}},
		"no such worker":     {{At: 1, Kind: CrashWorker, Worker: 4}},
		"empty window":       {{At: 5, Kind: StoreFailure, Until: 5}},
		"unknown kind":       {{At: 1, Kind: "meteor"}},
		"negative time":      {{At: -1, Kind: CrashCoordinator}},
		"negative worker id": {{At: 1, Kind: RestartWorker, Worker: -1}},
	} {
		require.Error(t, s.Validate(4), name)
	}
	ok := Schedule{{At: 1, Kind: CrashWorker, Worker: 3}, {At: 2, Kind: StoreFailure, Until: 9}, {At: 3, Kind: RestartWorker, Worker: 3}}
	require.NoError(t, ok.Validate(4))
	require.Equal(t, []sim.Window{{From: 2, Until: 9}}, ok.StoreWindows())
	require.Equal(t, sim.Time(9), ok.End())
}
