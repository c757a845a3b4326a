package runtime

import (
	"errors"
	"testing"

	"github.com/stretchr/testify/require"
	"pgregory.net/rapid"
)

func drawBytes(t *rapid.T, label string) []byte {
	b := rapid.SliceOfN(rapid.Byte(), 1, 8).Draw(t, label)
	return b
}

func drawAddress(t *rapid.T, label string) Address {
	return Address{
		Type: FuncType(rapid.StringMatching(`[a-z]{1,4}/[a-z]{1,4}`).Draw(t, label+"-type")),
		ID:   rapid.StringMatching(`[a-z0-9-]{1,6}`).Draw(t, label+"-id"),
	}
}

func drawEnvelope(t *rapid.T, label string) Envelope {
	return Envelope{
		From:    drawAddress(t, label+"-from"),
		To:      drawAddress(t, label+"-to"),
		Request: RequestID{Client: ClientID(rapid.IntRange(0, 9).Draw(t, label+"-client")), Seq: rapid.Uint64().Draw(t, label+"-seq")},
		Msg:     Message{Kind: rapid.StringMatching(`[a-z]{1,5}`).Draw(t, label+"-kind"), Body: drawBytes(t, label+"-body")},
	}
}

func drawSnapshot(t *rapid.T) *WorkerSnapshot {
	s := &WorkerSnapshot{
		Worker:     WorkerID(rapid.IntRange(0, 7).Draw(t, "worker")),
		Checkpoint: CheckpointID(rapid.Int64Range(0, 1<<40).Draw(t, "checkpoint")),
		Gen:        Generation(rapid.Uint64Range(0, 1<<20).Draw(t, "gen")),
		Ingress:    Offset(rapid.Int64Range(0, 1<<30).Draw(t, "ingress")),
		Root:       CheckpointID(rapid.Int64Range(0, 1<<40).Draw(t, "root")),
		Depth:      rapid.IntRange(0, SnapshotChainMax).Draw(t, "depth"),
	}
	if rapid.Bool().Draw(t, "delta") {
		s.Base = SnapshotRef{Checkpoint: CheckpointID(rapid.Int64Range(1, 1<<40).Draw(t, "base")), Gen: Generation(rapid.Uint64Range(1, 9).Draw(t, "base-gen"))}
		for range rapid.IntRange(1, 3).Draw(t, "ancestors") {
			s.Ancestors = append(s.Ancestors, SnapshotRef{Checkpoint: CheckpointID(rapid.Int64Range(1, 1<<40).Draw(t, "ancestor")), Gen: Generation(rapid.Uint64Range(1, 9).Draw(t, "ancestor-gen"))})
		}
		for range rapid.IntRange(0, 2).Draw(t, "deleted") {
			s.Deleted = append(s.Deleted, drawAddress(t, "deleted"))
		}
	}
	for range rapid.IntRange(0, 3).Draw(t, "instances") {
		in := InstanceSnapshot{Address: drawAddress(t, "instance")}
		in.Changes = !s.Base.IsZero() && rapid.Bool().Draw(t, "changes")
		for range rapid.IntRange(1, 3).Draw(t, "entries") {
			m := Mutation{Name: rapid.StringMatching(`[a-z]{1,4}`).Draw(t, "name")}
			if in.Changes && rapid.Bool().Draw(t, "deleted") {
				m.Deleted = true
			} else {
				m.Value = drawBytes(t, "value")
			}
			in.Entries = append(in.Entries, m)
		}
		s.Instances = append(s.Instances, in)
	}
	for range rapid.IntRange(0, 3).Draw(t, "runq") {
		s.RunQueue = append(s.RunQueue, drawEnvelope(t, "runq"))
	}
	for range rapid.IntRange(0, 2).Draw(t, "delayed") {
		s.Delayed = append(s.Delayed, DelayedSnapshot{Remaining: Micros(rapid.Int64Range(0, 1e6).Draw(t, "remaining")), Envelope: drawEnvelope(t, "delayed")})
	}
	for j := range rapid.IntRange(0, 2).Draw(t, "channels") {
		s.Channels = append(s.Channels, ChannelSnapshot{From: WorkerID(j), Messages: []Envelope{drawEnvelope(t, "channel")}})
	}
	for e := range rapid.IntRange(0, 2).Draw(t, "egress") {
		r := Response{Request: RequestID{Client: 1, Seq: uint64(e)}, From: drawAddress(t, "from"),
			Msg: Message{Kind: "ok", Body: drawBytes(t, "resp")}, Failure: rapid.SampledFrom([]string{"", "nope"}).Draw(t, "failure")}
		s.Egress = append(s.Egress, EgressBatch{Worker: s.Worker, Epoch: Epoch(e + 1), Responses: []Response{r}})
	}
	return s
}

func TestSnapshotRoundTrip(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		s := drawSnapshot(t)
		b := s.Encode()
		got, err := DecodeSnapshot(b)
		if err != nil {
			t.Fatalf("decode: %v", err)
		}
		require.Equal(t, s, got)
		require.Equal(t, b, got.Encode(), "encoding is deterministic")
	})
}

// Every strict prefix of a snapshot is rejected as corrupt: a torn write
// can never pass for a snapshot.
func TestSnapshotDecodeRejectsTruncation(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		b := drawSnapshot(t).Encode()
		cut := rapid.IntRange(0, len(b)-1).Draw(t, "cut")
		_, err := DecodeSnapshot(b[:cut])
		if !errors.Is(err, ErrCorruptSnapshot) {
			t.Fatalf("prefix of %d/%d bytes decoded: %v", cut, len(b), err)
		}
	})
}

func FuzzDecodeSnapshot(f *testing.F) {
	f.Add((&WorkerSnapshot{Worker: 1, Checkpoint: 5}).Encode())
	f.Fuzz(func(t *testing.T, b []byte) {
		s, err := DecodeSnapshot(b)
		if err != nil {
			return
		}
		// Varints may be overlong, so bytes need not round-trip; the
		// snapshot they mean must.
		again, err := DecodeSnapshot(s.Encode())
		require.NoError(t, err)
		require.Equal(t, s, again)
	})
}

func TestCheckpointKeysParseBack(t *testing.T) {
	id := checkpointID(3, 17)
	n, ok := checkpointOfKey(snapshotKey(id, 3, 2), snapshotPrefix)
	require.True(t, ok)
	require.Equal(t, id, n)
	n, ok = checkpointOfKey(completionKey(id), completionPrefix)
	require.True(t, ok)
	require.Equal(t, id, n)
	_, ok = checkpointOfKey("chk/abc", snapshotPrefix)
	require.False(t, ok)
	require.Less(t, completionKey(checkpointID(2, 1<<31)), completionKey(checkpointID(3, 1)), "a newer generation's checkpoints sort after")
	require.Equal(t, "3.17", id.String())
}

// A chain folds in order: the root's instances, then each delta's changes
// and removals, oldest first; the rest comes from the newest snapshot.
func TestMergeFoldsAChainOldestFirst(t *testing.T) {
	a, b, c := Address{Type: "x", ID: "a"}, Address{Type: "x", ID: "b"}, Address{Type: "x", ID: "c"}
	val := func(v byte) []Mutation { return []Mutation{{Name: "n", Value: []byte{v}}} }
	root := &WorkerSnapshot{Checkpoint: 1, Root: 1, Instances: []InstanceSnapshot{{Address: a, Entries: val(1)}, {Address: b, Entries: val(2)}}}
	d1 := &WorkerSnapshot{Checkpoint: 2, Root: 1, Depth: 1, Base: SnapshotRef{Checkpoint: 1, Gen: 1},
		Instances: []InstanceSnapshot{{Address: a, Entries: val(3)}}, Deleted: []Address{b}}
	d2 := &WorkerSnapshot{Checkpoint: 3, Root: 1, Depth: 2, Base: SnapshotRef{Checkpoint: 2, Gen: 1}, Ingress: 7,
		Instances: []InstanceSnapshot{{Address: b, Entries: val(4)}, {Address: c, Entries: val(5)}}}
	got := merge([]*WorkerSnapshot{d2, d1, root})
	require.Equal(t, []InstanceSnapshot{{Address: a, Entries: val(3)}, {Address: b, Entries: val(4)}, {Address: c, Entries: val(5)}}, got.Instances)
	require.Equal(t, Offset(7), got.Ingress)
	require.Equal(t, CheckpointID(3), got.Checkpoint)
	require.Empty(t, got.Deleted)
}

// A chain's base is only ever a snapshot whose write succeeded: a failed
// one's changes stay in the next delta.
func TestChainBaseIsAStoredSnapshot(t *testing.T) {
	c := newChain()
	a, b := Address{Type: "x", ID: "a"}, Address{Type: "x", ID: "b"}
	ia, ib := &instance{}, &instance{}
	require.True(t, c.plan(1, 1).full, "the first snapshot is full")
	c.stored(1, 1000)
	c.touch(a, ia)
	p := c.plan(2, 1)
	require.False(t, p.full)
	require.Equal(t, SnapshotRef{Checkpoint: 1, Gen: 1}, p.base)
	require.Equal(t, CheckpointID(1), p.root)
	require.Equal(t, 1, p.depth)
	require.Equal(t, map[Address]bool{a: true}, p.changed)
	// Snapshot 2's write fails (never stored): snapshot 3 is still a delta
	// of 1 and carries a's change as well as b's.
	c.touch(b, ib)
	p = c.plan(3, 1)
	require.Equal(t, SnapshotRef{Checkpoint: 1, Gen: 1}, p.base)
	require.Equal(t, map[Address]bool{a: true, b: true}, p.changed)
	require.Equal(t, uint64(1), p.baseEpoch, "values changed after snapshot 1's epoch")
	c.stored(3, 10)
	p = c.plan(4, 1)
	require.Equal(t, SnapshotRef{Checkpoint: 3, Gen: 1}, p.base)
	require.Equal(t, 2, p.depth)
	require.Equal(t, uint64(3), p.baseEpoch)
	require.Empty(t, p.changed)
}

// An instance notes the epoch it last changed in, so that further changes
// in that epoch skip the chain's set; a change in a later epoch, or after
// a restore, is recorded again.
func TestChainRecordsAChangeOncePerEpoch(t *testing.T) {
	c := newChain()
	a := Address{Type: "x", ID: "a"}
	ia := &instance{}
	c.plan(1, 1)
	c.stored(1, 1000)
	c.touch(a, ia)
	c.touch(a, ia)
	require.Equal(t, map[Address]bool{a: true}, c.plan(2, 1).changed)
	c.stored(2, 10)
	c.touch(a, ia)
	require.Equal(t, map[Address]bool{a: true}, c.plan(3, 1).changed, "changed again in the next epoch")
	c.stored(3, 10)
	c.restored(&WorkerSnapshot{Checkpoint: 3, Root: 1, Depth: 2}, 1, 1000, 20)
	c.touch(a, ia)
	require.Equal(t, map[Address]bool{a: true}, c.plan(4, 2).changed, "changed after a restore")
}
