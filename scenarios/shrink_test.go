package scenarios

import (
	"testing"

	"github.com/stretchr/testify/require"
)

// Shrinking every known-bad variant's failing run ends with at most five
// fault events, and the shrunk config replays to the same kind of failure.
// The drawn schedules are longer, so a shrinker that did nothing fails.
func TestShrinkEveryVariantToAFewFaults(t *testing.T) {
	longest := 0
	for _, v := range Variants() {
		t.Run(v.Bug, func(t *testing.T) {
			cfg := v.Config
			var first Result
			for seed := uint64(1); seed <= 20; seed++ {
				cfg.Seed = seed
				res, err := Run(cfg)
				require.NoError(t, err)
				if !res.OK {
					first = res
					break
				}
			}
			require.False(t, first.OK, "no failing seed to shrink")
			longest = max(longest, len(first.Schedule))
			s, err := Shrink(cfg)
			require.NoError(t, err)
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
