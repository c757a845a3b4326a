package faults

import (
	"encoding/json"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"
	"pgregory.net/rapid"

	"github.com/flowtx/flowtx/sim"
)

// every is a valid schedule with one event of each network kind.
var every = Schedule{
	{At: 1000, Kind: Partition, Nodes: []Node{0, Coordinator}, Until: 5000},
	{At: 2000, Kind: PartitionOneWay, Nodes: []Node{2, 1}, Until: 4000},
	{At: 3000, Kind: SwizzleClog, Until: 9000, Links: []LinkWindow{
		{From: 0, To: 1, At: 3000, Until: 8000}, {From: Coordinator, To: 3, At: 3500, Until: 7000},
	}},
	{At: 4000, Kind: DelaySpike, Extra: 700, Until: 6000},
	{At: 4000, Kind: DelaySpike, Nodes: []Node{3}, Extra: 900, Until: 6000},
	{At: 5000, Kind: StoreLatency, Extra: 20_000, Until: 9000},
}

func TestNetworkEventsRoundTripThroughJSON(t *testing.T) {
	require.NoError(t, every.Validate(4))
	b, err := json.Marshal(every)
	require.NoError(t, err)
	require.Contains(t, string(b), `"nodes":["w0","coordinator"]`)
	var back Schedule
	require.NoError(t, json.Unmarshal(b, &back))
	require.Equal(t, every, back)
	require.Equal(t, `1ms partition w0<->coordinator until 5ms
2ms partition-one-way w2->w1 until 4ms
3ms swizzle-clog until 9ms: w0->w1 [3ms, 8ms), coordinator->w3 [3.5ms, 7ms)
4ms delay-spike +700us on every link until 6ms
4ms delay-spike +900us on links of w3 until 6ms
5ms store-latency +20ms until 9ms`, every.String())
	require.Equal(t, sim.Time(9000), every.End())
	require.True(t, every.Lossy())
	require.False(t, every[2:].Lossy(), "clogs and spikes lose nothing")
	require.Equal(t, []StoreSpike{{Window: sim.Window{From: 5000, Until: 9000}, Extra: 20_000}}, every.StoreSpikes())
}

func TestNodeTextRejectsStrangers(t *testing.T) {
	for _, s := range []string{"w-1", "w", "x3", "w01", "coord", "3", ""} {
		var n Node
		require.Error(t, n.UnmarshalText([]byte(s)), s)
	}
}

// Each of these bad network events must fail Validate, for a job of 4.
func TestValidateRejectsBadNetworkEvents(t *testing.T) {
	link := func(from, to Node, at, until sim.Time) []LinkWindow {
		return []LinkWindow{{From: from, To: to, At: at, Until: until}}
	}
	for name, e := range map[string]Event{
		"empty window":           {At: 5, Kind: Partition, Nodes: []Node{0, 1}, Until: 5},
		"one node":               {At: 5, Kind: Partition, Nodes: []Node{0}, Until: 9},
		"three nodes":            {At: 5, Kind: PartitionOneWay, Nodes: []Node{0, 1, 2}, Until: 9},
		"same node twice":        {At: 5, Kind: PartitionOneWay, Nodes: []Node{2, 2}, Until: 9},
		"no such worker":         {At: 5, Kind: Partition, Nodes: []Node{0, 4}, Until: 9},
		"below the coordinator":  {At: 5, Kind: Partition, Nodes: []Node{-2, 1}, Until: 9},
		"swizzle without links":  {At: 5, Kind: SwizzleClog, Until: 9},
		"link to itself":         {At: 5, Kind: SwizzleClog, Until: 9, Links: link(1, 1, 5, 9)},
		"link before the window": {At: 5, Kind: SwizzleClog, Until: 9, Links: link(0, 1, 4, 9)},
		"link after the window":  {At: 5, Kind: SwizzleClog, Until: 9, Links: link(0, 1, 5, 10)},
		"empty link window":      {At: 5, Kind: SwizzleClog, Until: 9, Links: link(0, 1, 6, 6)},
		"link to a stranger":     {At: 5, Kind: SwizzleClog, Until: 9, Links: link(0, 7, 5, 9)},
		"spike of nothing":       {At: 5, Kind: DelaySpike, Until: 9},
		"negative spike":         {At: 5, Kind: DelaySpike, Extra: -1, Until: 9},
		"spike past the limit":   {At: 5, Kind: DelaySpike, Extra: extraMax + 1, Until: 9},
		"spike on a stranger":    {At: 5, Kind: DelaySpike, Extra: 1, Nodes: []Node{9}, Until: 9},
		"store spike of nothing": {At: 5, Kind: StoreLatency, Until: 9},
		"store spike, no window": {At: 5, Kind: StoreLatency, Extra: 3, Until: 2},
	} {
		require.Error(t, Schedule{e}.Validate(4), name)
	}
}

func drawNetworkParams(t *rapid.T) NetworkParams {
	return NetworkParams{
		Workers:   rapid.IntRange(1, 8).Draw(t, "workers"),
		Span:      sim.Time(rapid.Int64Range(1, 1_000_000).Draw(t, "span")),
		GapMean:   sim.Time(rapid.Int64Range(1, 100_000).Draw(t, "gap")),
		WindowMax: sim.Time(rapid.Int64Range(1, 100_000).Draw(t, "window")),
		ExtraMax:  sim.Time(rapid.Int64Range(1, 100_000).Draw(t, "extra")),
		StoreP:    rapid.Float64Range(0, 1).Draw(t, "store-p"),
	}
}

func TestDrawnNetworkSchedulesAreValid(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		p := drawNetworkParams(t)
		s := DrawNetwork(p, rand.New(rand.NewPCG(rapid.Uint64().Draw(t, "seed"), 1)))
		if err := s.Validate(p.Workers); err != nil {
			t.Fatalf("%v\n%v", err, s)
		}
		for _, e := range s {
			if e.At >= p.Span || e.Until-e.At > p.WindowMax || e.Extra > p.ExtraMax {
				t.Fatalf("%v is outside the params %+v", e, p)
			}
		}
		if len(s) > eventsMax {
			t.Fatalf("%d events, limit %d", len(s), eventsMax)
		}
	})
}

func TestDrawNetworkIsDeterministicPerSeed(t *testing.T) {
	p := NetworkParams{Workers: 4, Span: sim.Second, GapMean: 20 * sim.Millisecond, WindowMax: 50 * sim.Millisecond, ExtraMax: 50 * sim.Millisecond, StoreP: 0.2}
	a := DrawNetwork(p, rand.New(rand.NewPCG(7, 7)))
	require.Equal(t, a, DrawNetwork(p, rand.New(rand.NewPCG(7, 7))))
	require.NotEqual(t, a, DrawNetwork(p, rand.New(rand.NewPCG(8, 8))), "another seed, another schedule")
	for _, k := range append(networkKinds, StoreLatency) {
		require.Greater(t, a.Count(k), 0, "no %s in 50 draws", k)
	}
	q := p
	q.StoreP = 0
	require.Zero(t, DrawNetwork(q, rand.New(rand.NewPCG(7, 7))).Count(StoreLatency), "store spikes with StoreP 0")
}
