package faults

import (
	"encoding/json"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/flowtx/flowtx/sim"
)

func TestTriggeredCrashRoundTripsThroughJSON(t *testing.T) {
	s := Schedule{
		{At: 1000, Kind: CrashWorkerOn, Worker: 2, Trigger: VoteSent, Until: 9000, Down: 700},
		{At: 2000, Kind: CrashWorkerOn, Worker: 0, Trigger: SnapshotWrite, Until: 3000, Down: 50},
	}
	require.NoError(t, s.Validate(4))
	b, err := json.Marshal(s)
	require.NoError(t, err)
	require.Contains(t, string(b), `"trigger":"vote-sent"`)
	var back Schedule
	require.NoError(t, json.Unmarshal(b, &back))
	require.Equal(t, s, back)
	require.Equal(t, "1ms crash-worker-on w2 vote-sent until 9ms, down 700us\n2ms crash-worker-on w0 snapshot-write until 3ms, down 50us", s.String())
	require.Equal(t, sim.Time(9700), s.End(), "tripped at the end of its window, w2 restarts 700us later")
}

// Each of these bad triggered crashes must fail Validate, for a job of 4.
func TestValidateRejectsBadTriggeredCrashes(t *testing.T) {
	ok := Event{At: 5, Kind: CrashWorkerOn, Worker: 1, Trigger: VoteSent, Until: 9, Down: 3}
	require.NoError(t, Schedule{ok}.Validate(4))
	for name, change := range map[string]func(*Event){
		"worker out of range": func(e *Event) { e.Worker = 4 },
		"negative worker":     func(e *Event) { e.Worker = -1 },
		"unknown trigger":     func(e *Event) { e.Trigger = "lunch" },
		"no trigger":          func(e *Event) { e.Trigger = "" },
		"empty window":        func(e *Event) { e.Until = e.At },
		"no downtime":         func(e *Event) { e.Down = 0 },
		"endless downtime":    func(e *Event) { e.Down = downMax + 1 },
	} {
		e := ok
		change(&e)
		require.Error(t, Schedule{e}.Validate(4), name)
	}
}

func TestDrawTriggeredIsValidAndDeterministic(t *testing.T) {
	p := TriggeredParams{Workers: 3, Span: 300 * sim.Millisecond, Count: 5, Window: 75 * sim.Millisecond, DownMax: 30 * sim.Millisecond}
	a := DrawTriggered(p, rand.New(rand.NewPCG(7, 0)))
	require.Len(t, a, 5)
	require.NoError(t, a.Validate(3))
	require.Equal(t, a, DrawTriggered(p, rand.New(rand.NewPCG(7, 0))))
	require.NotEqual(t, a, DrawTriggered(p, rand.New(rand.NewPCG(8, 0))))
}
