package faults

import (
	"encoding/json"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/flowtx/flowtx/sim"
)

func TestClientTimeoutRoundTripsThroughJSON(t *testing.T) {
	s := Schedule{{At: 1500, Kind: ClientTimeout, Client: 3}}
	require.NoError(t, s.Validate(2))
	b, err := json.Marshal(s)
	require.NoError(t, err)
	require.JSONEq(t, `[{"at_us":1500,"kind":"client-timeout","client":3}]`, string(b))
	var back Schedule
	require.NoError(t, json.Unmarshal(b, &back))
	require.Equal(t, s, back)
	require.Equal(t, "1.5ms client-timeout c3", s.String())
	require.Error(t, Schedule{{At: 1, Kind: ClientTimeout, Client: -1}}.Validate(2))
}

func TestDrawClientTimeoutsIsValidAndDeterministic(t *testing.T) {
	a := DrawClientTimeouts(4, 3, 300*sim.Millisecond, rand.New(rand.NewPCG(1, 0)))
	require.Len(t, a, 3)
	require.NoError(t, a.Validate(1))
	for _, e := range a {
		require.Less(t, e.Client, 4)
		require.Less(t, e.At, 300*sim.Millisecond)
	}
	require.Equal(t, a, DrawClientTimeouts(4, 3, 300*sim.Millisecond, rand.New(rand.NewPCG(1, 0))))
}
