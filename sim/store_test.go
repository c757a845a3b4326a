package sim

import (
	"slices"
	"testing"

	"github.com/stretchr/testify/require"
)

// timedOp is a storage operation a storeScript starts at a given time; its
// index in the script is its token.
type timedOp struct {
	at Time
	op StoreOp
}

// storeScript starts each op at its time and records the results.
func storeScript(ops []timedOp) script {
	return script{
		start: func(p *probe) {
			for i, o := range ops {
				p.env.After(o.at, note{Tag: "op", N: int64(i)})
			}
		},
		fire: func(p *probe, m Message) {
			i := m.(note).N
			op := ops[i].op
			op.Token = uint64(i)
			p.env.Store(op)
		},
	}
}

// runStore runs ops against a fresh kernel with the given store model and
// returns the results by token and the time each arrived.
func runStore(t *testing.T, disk StoreModel, ops []timedOp) ([]StoreResult, []Time, *Sim) {
	t.Helper()
	s := New(Config{Seed: 9, Storage: disk})
	_, in := addProbe(s, storeScript(ops))
	require.NoError(t, s.Run(Never))
	results, times := make([]StoreResult, len(ops)), make([]Time, len(ops))
	stored := in.last().only("stored")
	require.Len(t, stored, len(ops), "store results")
	for _, g := range stored {
		results[g.Res.Op.Token], times[g.Res.Op.Token] = g.Res, g.At
	}
	return results, times, s
}

func put(key, value string) StoreOp { return StoreOp{Kind: StorePut, Key: key, Value: []byte(value)} }
func get(key string) StoreOp        { return StoreOp{Kind: StoreGet, Key: key} }
func del(key string) StoreOp        { return StoreOp{Kind: StoreDelete, Key: key} }
func list(prefix string) StoreOp    { return StoreOp{Kind: StoreList, Key: prefix} }

// TestStoreLatencyWithinBounds checks every op takes between LatencyMin and
// LatencyMax, and that the draws cover the range.
func TestStoreLatencyWithinBounds(t *testing.T) {
	var ops []timedOp
	for i := range 400 {
		ops = append(ops, timedOp{at: Time(i) * 10, op: get("k")})
	}
	disk := &Disk{LatencyMin: Millisecond, LatencyMax: 5 * Millisecond}
	_, times, _ := runStore(t, disk, ops)
	var latencies []Time
	for i, at := range times {
		latencies = append(latencies, at-ops[i].at)
	}
	lo, hi := slices.Min(latencies), slices.Max(latencies)
	require.GreaterOrEqual(t, lo, Millisecond, "smallest latency")
	require.LessOrEqual(t, hi, 5*Millisecond, "largest latency")
	require.Less(t, lo, 1100*Microsecond, "smallest latency: draws should reach near the minimum")
	require.Greater(t, hi, 4900*Microsecond, "largest latency: draws should reach near the maximum")
}

// TestStoreOps checks put, get, list and delete through the kernel.
func TestStoreOps(t *testing.T) {
	ops := []timedOp{
		{0, put("a", "1")}, {0, put("c/y", "3")}, {0, put("c/x", "2")},
		{10, get("a")}, {10, get("zz")}, {10, list("")}, {10, list("c/")},
		{20, del("a")}, {30, get("a")}, {30, list("")},
	}
	res, _, s := runStore(t, fixedDisk(5), ops)
	for i, r := range res {
		require.NoError(t, r.Err, "op %d (%v) failed", i, ops[i].op.Kind)
		require.Equal(t, ops[i].op.Kind, r.Op.Kind, "Op.Kind of result %d", i)
		require.Nil(t, r.Op.Value, "Op.Value of result %d: the kernel drops it", i)
	}
	require.Equal(t, []byte("1"), res[3].Value, "get a")
	require.True(t, res[3].Found, "get a found")
	require.False(t, res[4].Found, "get zz found")
	require.Equal(t, []string{"a", "c/x", "c/y"}, res[5].Keys, "list \"\"")
	require.Equal(t, []string{"c/x", "c/y"}, res[6].Keys, "list c/")
	require.False(t, res[8].Found, "get a after delete found")
	require.Equal(t, []string{"c/x", "c/y"}, res[9].Keys, "list \"\" after delete")
	keys, bytes := s.Store().Size()
	require.Equal(t, [2]int{2, 2}, [2]int{keys, bytes}, "Size() keys and bytes")
}

// TestStoreFaultWindows checks that every op started inside a fault window
// fails, that a failed put or delete changes nothing, and that ops started
// just outside the window succeed even when they complete inside it.
func TestStoreFaultWindows(t *testing.T) {
	disk := &Disk{LatencyMin: 100, LatencyMax: 100, FaultWindows: []Window{{From: 1000, Until: 2000}}}
	ops := []timedOp{
		{0, put("k", "v0")},
		{950, put("early", "x")}, // completes inside the window, started before it
		{1000, put("k", "v1")},
		{1500, del("k")},
		{1500, get("k")},
		{1999, list("")},
		{2000, get("k")},
	}
	res, _, s := runStore(t, disk, ops)
	wantFail := []bool{false, false, true, true, true, true, false}
	for i, r := range res {
		if wantFail[i] {
			require.ErrorIs(t, r.Err, ErrStoreFault, "op %d (%v at %v)", i, ops[i].op.Kind, ops[i].at)
		} else {
			require.NoError(t, r.Err, "op %d (%v at %v)", i, ops[i].op.Kind, ops[i].at)
		}
	}
	require.Equal(t, []byte("v0"), res[6].Value, "get k after a failed put and a failed delete")
	require.Equal(t, []string{"early", "k"}, s.Store().Keys(""), "keys at the end")
}

// TestDiskFailProbabilities checks that write and read failure
// probabilities apply to their own kinds of op.
func TestDiskFailProbabilities(t *testing.T) {
	rng := NewStreams(1).Stream("test")
	for _, tc := range []struct {
		disk            Disk
		writes, reads   bool // whether they fail
		writeFailPerMil int
	}{
		{Disk{WriteFailProb: 1}, true, false, 1000},
		{Disk{ReadFailProb: 1}, false, true, 0},
		{Disk{}, false, false, 0},
	} {
		for _, k := range []StoreOpKind{StorePut, StoreDelete} {
			_, fail := tc.disk.Plan(0, k, rng)
			require.Equal(t, tc.writes, fail, "Plan(%v) fail with %+v", k, tc.disk)
		}
		for _, k := range []StoreOpKind{StoreGet, StoreList} {
			_, fail := tc.disk.Plan(0, k, rng)
			require.Equal(t, tc.reads, fail, "Plan(%v) fail with %+v", k, tc.disk)
		}
	}
	half := Disk{WriteFailProb: 0.5}
	fails := 0
	for range 10000 {
		if _, fail := half.Plan(0, StorePut, rng); fail {
			fails++
		}
	}
	require.InDelta(t, 5000, fails, 300, "failed puts out of 10000 at WriteFailProb 0.5")
}

// TestStoreFailedPutThroughKernel checks that a put failed by WriteFailProb
// reports ErrStoreFault and leaves the store empty.
func TestStoreFailedPutThroughKernel(t *testing.T) {
	res, _, s := runStore(t, &Disk{WriteFailProb: 1}, []timedOp{{0, put("k", "v")}})
	require.ErrorIs(t, res[0].Err, ErrStoreFault, "result of a failed put")
	require.Empty(t, s.Store().Keys(""), "keys after a failed put")
}

// TestStoreGetCopiesValues checks that a reader's result does not alias
// the stored value. (A writer hands its value over: StoreOp.Value.)
func TestStoreGetCopiesValues(t *testing.T) {
	var reads []string
	s := New(Config{Seed: 1, Storage: fixedDisk(10)})
	addProbe(s, script{
		start: func(p *probe) {
			p.env.Store(StoreOp{Kind: StorePut, Key: "k", Value: []byte("orig")})
			p.env.After(20, note{Tag: "get"})
		},
		fire: func(p *probe, _ Message) { p.env.Store(StoreOp{Kind: StoreGet, Key: "k", Token: 1}) },
		stored: func(p *probe, r StoreResult) {
			if r.Op.Kind != StoreGet {
				return
			}
			reads = append(reads, string(r.Value))
			copy(r.Value, "YYYY")
			if r.Op.Token == 1 {
				p.env.Store(StoreOp{Kind: StoreGet, Key: "k", Token: 2})
			}
		},
	})
	require.NoError(t, s.Run(Never))
	require.Equal(t, []string{"orig", "orig"}, reads, "values read after a reader scribbled on its slice")
}

func TestStoreOpKindString(t *testing.T) {
	for k, want := range map[StoreOpKind]string{StorePut: "put", StoreGet: "get", StoreDelete: "delete",
		StoreList: "list", 0: "storeop(0)", 9: "storeop(9)"} {
		require.Equal(t, want, k.String(), "StoreOpKind(%d).String()", uint8(k))
	}
}

func TestStoreApplyUnknownOpPanics(t *testing.T) {
	require.PanicsWithValue(t, "sim: unknown store op storeop(9)", func() {
		NewStore().Apply(StoreOp{Kind: 9})
	}, "Apply of an unknown op kind")
}
