package runtime

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"pgregory.net/rapid"
)

// editor applies the edits its message names: "set:name=value" and
// "del:name", separated by commas.
func editor(ctx Context, msg Message) error {
	for edit := range strings.SplitSeq(msg.Kind, ",") {
		op, arg, _ := strings.Cut(edit, ":")
		name, value, _ := strings.Cut(arg, "=")
		if op == "set" {
			ctx.Set(name, []byte(value))
		} else {
			ctx.Delete(name)
		}
	}
	return nil
}

// drawEdits draws an invocation of an editor instance, one of three, that
// writes or deletes some of three values.
func drawEdits(t *rapid.T) Envelope {
	var edits []string
	for range rapid.IntRange(1, 3).Draw(t, "edits") {
		name := rapid.SampledFrom([]string{"n1", "n2", "n3"}).Draw(t, "name")
		if rapid.Bool().Draw(t, "set") {
			edits = append(edits, "set:"+name+"="+rapid.StringMatching(`[a-z]{0,3}`).Draw(t, "value"))
		} else {
			edits = append(edits, "del:"+name)
		}
	}
	to := rapid.SampledFrom([]string{"a", "b", "c"}).Draw(t, "to")
	return Envelope{To: Address{Type: "x", ID: to}, Msg: Message{Kind: strings.Join(edits, ",")}}
}

// liveState is every instance's state, as a restore would rebuild it.
func liveState(w *Worker) map[Address]map[string]string {
	out := map[Address]map[string]string{}
	for _, a := range w.Instances() {
		values := map[string]string{}
		for name, v := range w.State(a) {
			values[name] = string(v)
		}
		out[a] = values
	}
	return out
}

func mergedState(s *WorkerSnapshot) map[Address]map[string]string {
	out := map[Address]map[string]string{}
	for _, in := range s.Instances {
		values := map[string]string{}
		for _, e := range in.Entries {
			values[e.Name] = string(e.Value)
		}
		out[in.Address] = values
	}
	return out
}

// A chain of snapshots, deltas holding only the values changed since their
// base, folds back into exactly the state each stored snapshot captured,
// whatever was written, deleted, emptied and re-created in between, and
// whichever writes failed.
func TestSnapshotChainRestoresTheCapturedState(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		reg := NewRegistry()
		require.NoError(t, reg.Register("x", editor))
		w, err := NewWorker(Config{ID: 0, Workers: 1, Registry: reg}, nullHost{})
		require.NoError(t, err)
		w.reset()
		stored := map[CheckpointID][]byte{}
		captured := map[CheckpointID]map[Address]map[string]string{}
		newest := CheckpointID(0)
		for n := CheckpointID(1); n <= CheckpointID(rapid.IntRange(1, 20).Draw(t, "snapshots")); n++ {
			for range rapid.IntRange(0, 6).Draw(t, "invocations") {
				w.invoke(drawEdits(t))
			}
			s := w.capture(n)
			captured[n] = liveState(w)
			if rapid.Bool().Draw(t, "write fails") {
				continue
			}
			stored[n] = s.Encode()
			w.chain.stored(n, len(stored[n]))
			newest = n
		}
		if newest == 0 {
			return
		}
		var loaded []*WorkerSnapshot
		for ref := (SnapshotRef{Checkpoint: newest}); ; {
			b, ok := stored[ref.Checkpoint]
			require.True(t, ok, "snapshot %v of the chain was never stored", ref.Checkpoint)
			s, err := DecodeSnapshot(b)
			require.NoError(t, err)
			loaded = append(loaded, s)
			if s.Base.IsZero() {
				break
			}
			ref = s.Base
		}
		require.LessOrEqual(t, len(loaded), SnapshotChainMax)
		var walked []SnapshotRef // root first, as a delta lists its ancestors
		for i := len(loaded) - 1; i > 0; i-- {
			walked = append(walked, SnapshotRef{Checkpoint: loaded[i].Checkpoint})
		}
		require.Equal(t, walked, loaded[0].Ancestors, "a delta names the chain it builds on")
		require.Equal(t, captured[newest], mergedState(merge(loaded)))
	})
}

// A delta holds, of an instance that existed at its base, only the values
// written or deleted since, deletions marked; an instance created since is
// whole.
func TestDeltaHoldsOnlyChangedValues(t *testing.T) {
	reg := NewRegistry()
	require.NoError(t, reg.Register("x", editor))
	w, err := NewWorker(Config{ID: 0, Workers: 1, Registry: reg}, nullHost{})
	require.NoError(t, err)
	w.reset()
	a, b := Address{Type: "x", ID: "a"}, Address{Type: "x", ID: "b"}
	w.invoke(Envelope{To: a, Msg: Message{Kind: "set:big=ledger,set:small=1,set:gone=x"}})
	require.Empty(t, w.capture(1).Base, "the first snapshot is full")
	w.chain.stored(1, 1000)
	w.invoke(Envelope{To: a, Msg: Message{Kind: "set:small=2,del:gone"}})
	w.invoke(Envelope{To: b, Msg: Message{Kind: "set:big=new"}})
	s := w.capture(2)
	require.Equal(t, []InstanceSnapshot{
		{Address: a, Entries: []Mutation{{Name: "gone", Deleted: true}, {Name: "small", Value: []byte("2")}}, Changes: true},
		{Address: b, Entries: []Mutation{{Name: "big", Value: []byte("new")}}},
	}, s.Instances)
	w.chain.stored(2, 10)
	w.invoke(Envelope{To: a, Msg: Message{Kind: "set:small=3"}})
	s = w.capture(3)
	require.Equal(t, []InstanceSnapshot{{Address: a, Entries: []Mutation{{Name: "small", Value: []byte("3")}}, Changes: true}}, s.Instances,
		"the tombstone of a deletion the store holds is gone")
}

// restoreAfterDeletion stores a full snapshot of an instance with two
// values, deletes one, stores a delta and restores the chain.
func restoreAfterDeletion(t *testing.T, bug Bug) map[Address]map[string]string {
	reg := NewRegistry()
	require.NoError(t, reg.Register("x", editor))
	w, err := NewWorker(Config{ID: 0, Workers: 1, Registry: reg, Bug: bug}, nullHost{})
	require.NoError(t, err)
	w.reset()
	a := Address{Type: "x", ID: "a"}
	w.invoke(Envelope{To: a, Msg: Message{Kind: "set:kept=1,set:gone=x"}})
	full, err := DecodeSnapshot(w.capture(1).Encode()) // as stored: the next capture reuses the capture's memory
	require.NoError(t, err)
	w.chain.stored(1, 1000)
	w.invoke(Envelope{To: a, Msg: Message{Kind: "del:gone"}})
	return mergedState(merge([]*WorkerSnapshot{w.capture(2), full}))
}

// The known-bad variant that leaves deletions out of deltas is caught: the
// restored state brings the deleted value back.
func TestDeltaWithoutDeletionsBringsValuesBack(t *testing.T) {
	a := Address{Type: "x", ID: "a"}
	require.Equal(t, map[Address]map[string]string{a: {"kept": "1"}}, restoreAfterDeletion(t, NoBug))
	require.Equal(t, map[Address]map[string]string{a: {"kept": "1", "gone": "x"}}, restoreAfterDeletion(t, BugDeltaWithoutDeletions))
}

// storeHost is a nullHost that keeps the store requests and the timers it
// is asked for.
type storeHost struct {
	nullHost
	requests []StoreRequest
	timers   []Timer
}

func (h *storeHost) Store(r StoreRequest)    { h.requests = append(h.requests, r) }
func (h *storeHost) After(_ Micros, t Timer) { h.timers = append(h.timers, t) }

// takePuts moves the snapshot writes among h's requests to puts.
func (h *storeHost) takePuts(puts []StoreRequest) []StoreRequest {
	rest := h.requests[:0:0]
	for _, r := range h.requests {
		if r.Kind == StorePut {
			puts = append(puts, r)
		} else {
			rest = append(rest, r)
		}
	}
	h.requests = rest
	return puts
}

// A worker driven through any interleaving of invocations, snapshots
// (started by the coordinator, abandoned by a newer one, written when the
// other worker's marker comes), writes completing in any order or failing,
// and restores (of any stored checkpoint not older than the last one
// restored, reads answered in any order or failing, the retry timer, a
// newer restore overtaking one in progress) restores exactly the state
// each checkpoint captured. (A reviewer's model of what the simpler
// property above leaves out: interleavings. Under BugDeltaWithoutDeletions
// it fails within a few thousand cases, -rapid.checks=2000; the property
// above within a hundred.)
func TestRestoreMatchesTheCapturedStateUnderInterleavings(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		reg := NewRegistry()
		require.NoError(t, reg.Register("x", editor))
		h := &storeHost{}
		w, err := NewWorker(Config{ID: 0, Workers: 2, Registry: reg}, h)
		require.NoError(t, err)
		w.Start()
		gen := Generation(1)
		w.Control(Control{Kind: Restore, Gen: gen, Checkpoint: 0})
		require.Equal(t, running, w.phase)
		store := map[string][]byte{}
		captured := map[CheckpointID]map[Address]map[string]string{}
		genOf := map[CheckpointID]Generation{}
		var stored []CheckpointID
		var puts []StoreRequest // snapshot writes in flight
		restored, next := CheckpointID(0), CheckpointID(0)
		for range rapid.IntRange(1, 80).Draw(t, "steps") {
			switch rapid.IntRange(0, 6).Draw(t, "action") {
			case 0, 1:
				w.invoke(drawEdits(t))
			case 2: // the coordinator starts a snapshot, abandoning one in progress
				next++
				w.Control(Control{Kind: Snapshot, Gen: gen, Checkpoint: next})
				captured[next], genOf[next] = liveState(w), gen
			case 3: // the other worker's marker comes: the snapshot is written
				if w.snap != nil {
					w.onMarker(1, w.snap.id)
				}
				puts = h.takePuts(puts)
			case 4: // a write completes, or fails
				puts = h.takePuts(puts)
				if len(puts) == 0 {
					continue
				}
				i := rapid.IntRange(0, len(puts)-1).Draw(t, "put")
				r := puts[i]
				puts = append(puts[:i:i], puts[i+1:]...)
				if rapid.Bool().Draw(t, "put fails") {
					w.Stored(StoreResult{Token: r.Token, Err: errNope})
					continue
				}
				store[r.Key] = r.Value
				s, err := DecodeSnapshot(r.Value)
				require.NoError(t, err)
				w.Stored(StoreResult{Token: r.Token})
				stored = append(stored, s.Checkpoint)
			case 5, 6: // a recovery restores a stored checkpoint
				var candidates []CheckpointID
				for _, n := range stored {
					if n >= restored {
						candidates = append(candidates, n)
					}
				}
				target := restored
				if len(candidates) > 0 && rapid.IntRange(0, 5).Draw(t, "latest") > 0 {
					target = rapid.SampledFrom(candidates).Draw(t, "target")
				}
				restored = target
				gen++
				h.requests, h.timers, puts = nil, nil, nil // a crash loses them
				w.Control(Control{Kind: Restore, Gen: gen, Checkpoint: target, Source: genOf[target]})
				for steps := 0; w.phase == loading; steps++ {
					require.Less(t, steps, 1000)
					if len(h.requests) == 0 {
						require.NotEmpty(t, h.timers, "a load with nothing to wait for")
						j := rapid.IntRange(0, len(h.timers)-1).Draw(t, "timer")
						timer := h.timers[j]
						h.timers = append(h.timers[:j:j], h.timers[j+1:]...)
						w.Fire(timer)
						continue
					}
					if rapid.IntRange(0, 9).Draw(t, "overtaken") == 0 {
						gen++
						w.Control(Control{Kind: Restore, Gen: gen, Checkpoint: target, Source: genOf[target]})
						continue
					}
					i := rapid.IntRange(0, len(h.requests)-1).Draw(t, "read")
					r := h.requests[i]
					h.requests = append(h.requests[:i:i], h.requests[i+1:]...)
					require.Equal(t, StoreGet, r.Kind)
					if rapid.IntRange(0, 4).Draw(t, "read fails") == 0 {
						w.Stored(StoreResult{Token: r.Token, Err: errNope})
						continue
					}
					v, ok := store[r.Key]
					require.True(t, ok, "%s was never stored", r.Key)
					w.Stored(StoreResult{Token: r.Token, Value: append([]byte(nil), v...), Found: true})
				}
				h.requests, h.timers = nil, nil
				want := map[Address]map[string]string{}
				if target != 0 {
					want = captured[target]
				}
				require.Equal(t, want, liveState(w), "restore of %v", target)
			}
		}
	})
}

// A restore reads the newest snapshot of its chain, then every ancestor it
// names at once, and restores when the last arrives, in whatever order.
func TestRestoreReadsTheAncestorsAtOnce(t *testing.T) {
	reg := NewRegistry()
	require.NoError(t, reg.Register("x", editor))
	writer, err := NewWorker(Config{ID: 0, Workers: 1, Registry: reg}, nullHost{})
	require.NoError(t, err)
	writer.reset()
	a := Address{Type: "x", ID: "a"}
	stored := map[string][]byte{}
	for n := CheckpointID(1); n <= 4; n++ {
		writer.invoke(Envelope{To: a, Msg: Message{Kind: "set:n" + string(rune('0'+n)) + "=v"}})
		b := writer.capture(n).Encode()
		stored[snapshotKey(n, 0, 0)] = b
		size := len(b)
		if n == 1 {
			size = 1 << 20 // as if the full snapshot were large: the deltas stay below it
		}
		writer.chain.stored(n, size)
	}
	newest, err := DecodeSnapshot(stored[snapshotKey(4, 0, 0)])
	require.NoError(t, err)
	require.Len(t, newest.Ancestors, 3, "snapshot 4 builds on 1, 2 and 3")

	h := &storeHost{}
	w, err := NewWorker(Config{ID: 0, Workers: 1, Registry: reg}, h)
	require.NoError(t, err)
	w.Start()
	w.Control(Control{Kind: Restore, Gen: 1, Checkpoint: 4})
	require.Len(t, h.requests, 1, "the newest first")
	answer := func(r StoreRequest) {
		v, ok := stored[r.Key]
		w.Stored(StoreResult{Token: r.Token, Value: v, Found: ok})
	}
	answer(h.requests[0])
	require.Len(t, h.requests, 4, "then its three ancestors, all at once")
	for _, r := range []StoreRequest{h.requests[2], h.requests[3], h.requests[1]} {
		require.Equal(t, loading, w.phase)
		answer(r)
	}
	require.Equal(t, running, w.phase)
	require.Equal(t, map[string][]byte{"n1": []byte("v"), "n2": []byte("v"), "n3": []byte("v"), "n4": []byte("v")}, w.State(a))
}

// A chain ends once its deltas add up to its full snapshot's bytes: a
// restore then reads at most about twice the state.
func TestChainIsFullAgainOnceDeltasOutweighTheRoot(t *testing.T) {
	c := newChain()
	require.True(t, c.plan(1, 1).full)
	c.stored(1, 100)
	require.False(t, c.plan(2, 1).full)
	c.stored(2, 60)
	p := c.plan(3, 1)
	require.False(t, p.full, "60 bytes of deltas against 100")
	require.Equal(t, []SnapshotRef{{Checkpoint: 1, Gen: 1}, {Checkpoint: 2, Gen: 1}}, p.ancestors)
	c.stored(3, 50)
	require.True(t, c.plan(4, 1).full, "110 bytes of deltas against 100")
}
