package scenarios

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// firstFailure runs a variant's campaign from seed 1 and returns its first
// failing run and the config of that seed.
func firstFailure(t testing.TB, v Variant) (Config, Result) {
	cfg := v.Config
	for seed := uint64(1); seed <= 20; seed++ {
		cfg.Seed = seed
		res, err := Run(cfg)
		require.NoError(t, err)
		if !res.OK {
			return cfg, res
		}
	}
	t.Fatalf("%s: no failing seed in 1..20 to shrink", v.Bug)
	return cfg, Result{}
}

// Shrinking every known-bad variant's failing run (the issue: on each
// variant of flowtx selftest) ends with at most five fault events, and the
// shrunk config replays to the same kind of failure. The drawn schedules
// are longer, so a shrinker that did nothing fails. With -v it logs each
// shrink's figures: the seed, faults drawn and kept, clients and
// operations before and after, runs and wall time.
func TestShrinkEveryVariantToAFewFaults(t *testing.T) {
	longest := 0
	for _, v := range Variants() {
		t.Run(v.Bug, func(t *testing.T) {
			cfg, first := firstFailure(t, v)
			longest = max(longest, len(first.Schedule))
			start := time.Now()
			s, err := Shrink(cfg)
			require.NoError(t, err)
			t.Logf("seed %d: %d -> %d faults, %d -> %d clients, %d -> %d ops, %d runs, %v, kept %s",
				cfg.Seed, len(first.Schedule), len(s.Config.Schedule), first.Config.Clients, s.Config.Clients,
				first.Config.Ops, s.Config.Ops, s.Runs, time.Since(start).Round(time.Millisecond), s.Kind)
			require.LessOrEqual(t, len(s.Config.Schedule), 5, "shrunk schedule:\n%v", s.Config.Schedule)
			require.LessOrEqual(t, s.Config.Clients, first.Config.Clients)
			again, err := Run(s.Config)
			require.NoError(t, err)
			require.False(t, again.OK, "the shrunk run passes")
			require.Equal(t, s.Kind, violationKind(again))
			require.Equal(t, violationKind(first), s.Kind, "shrinking kept the kind of failure")
		})
	}
	require.Greater(t, longest, 5, "every drawn schedule was already short: the test proves nothing")
}

func TestDDMinFindsTheFailingPair(t *testing.T) {
	var units []faultUnit
	for i := range 16 {
		units = append(units, faultUnit{{At: 0, Worker: i}})
	}
	has := func(us []faultUnit, w int) bool {
		for _, u := range us {
			if u[0].Worker == w {
				return true
			}
		}
		return false
	}
	got := ddmin(units, func(us []faultUnit) bool { return has(us, 3) && has(us, 11) })
	require.Len(t, got, 2)
	require.True(t, has(got, 3) && has(got, 11))
	require.Empty(t, ddmin(units, func([]faultUnit) bool { return true }), "a failure that needs no fault shrinks to none")
}

// BenchmarkShrinkVariants shrinks each known-bad variant's first failing
// run: ns/op is one whole shrink, runs/op the simulated runs it took and
// faults/op the events left in its schedule.
func BenchmarkShrinkVariants(b *testing.B) {
	for _, v := range Variants() {
		b.Run(v.Bug, func(b *testing.B) {
			cfg, _ := firstFailure(b, v)
			var s Shrunk
			for b.Loop() {
				var err error
				if s, err = Shrink(cfg); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(s.Runs), "runs/op")
			b.ReportMetric(float64(len(s.Config.Schedule)), "faults/op")
		})
	}
}
