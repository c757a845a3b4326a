package runtime

import (
	"encoding/binary"
	"errors"
	"fmt"
	"slices"
	"strings"
)

// WorkerSnapshot is one worker's part of a checkpoint: Chandy-Lamport's
// local state (instances, the unprocessed run queue, pending delayed
// messages, the ingress offset, unreleased responses) and the recorded
// state of each incoming channel.
type WorkerSnapshot struct {
	Worker     WorkerID
	Checkpoint CheckpointID
	Gen        Generation
	// Base is the snapshot this one is a delta of; zero for a full
	// snapshot. A delta holds only the instances that changed since its
	// base (Instances: of each, its changes or its whole state) and those
	// that were removed (Deleted); everything else (run queue, delayed
	// messages, channels, egress, offset) is whole in every snapshot.
	Base  SnapshotRef
	Root  CheckpointID // the full snapshot this one's chain starts from
	Depth int          // deltas between Root and this one
	// Ancestors are the snapshots a delta builds on, Root first, Base
	// last, for a restore to read at once.
	Ancestors []SnapshotRef
	Ingress   Offset
	Instances []InstanceSnapshot // sorted by address
	Deleted   []Address          // sorted
	RunQueue  []Envelope         // oldest first
	Delayed   []DelayedSnapshot  // in the order they were set
	Channels  []ChannelSnapshot  // sorted by sender
	Egress    []EgressBatch      // unreleased, oldest epoch first
}

// InstanceSnapshot is one instance's state, entries sorted by name: the
// whole state, or, with Changes (in a delta only), the values written since
// the base and, marked Deleted, those deleted since.
type InstanceSnapshot struct {
	Address Address
	Entries []Mutation
	Changes bool
}

// DelayedSnapshot is a delayed message still waiting, with the time it had
// left when the snapshot was taken.
type DelayedSnapshot struct {
	Remaining Micros
	Envelope  Envelope
}

// ChannelSnapshot is what was in flight on the channel from a worker when
// the snapshot was taken: the messages that arrived after this worker's
// snapshot and before that worker's marker.
type ChannelSnapshot struct {
	From     WorkerID
	Messages []Envelope
}

// SnapshotRef names a stored snapshot: its checkpoint, and the generation
// that wrote it (part of its key).
type SnapshotRef struct {
	Checkpoint CheckpointID
	Gen        Generation
}

// IsZero reports whether r names no snapshot.
func (r SnapshotRef) IsZero() bool { return r == SnapshotRef{} }

// ErrCorruptSnapshot is returned when stored snapshot bytes do not decode.
var ErrCorruptSnapshot = errors.New("runtime: corrupt snapshot")

// snapshotVersion 4: a delta names its ancestors (3: an instance's entries
// may be its changes).
const snapshotVersion = 4

// Encode renders the snapshot in a compact, deterministic binary form: the
// same snapshot always gives the same bytes, which the trace hash relies on.
func (s *WorkerSnapshot) Encode() []byte {
	e := encoder{buf: make([]byte, 0, s.sizeHint())}
	e.uint(snapshotVersion)
	e.uint(uint64(s.Worker))
	e.int(int64(s.Checkpoint))
	e.uint(uint64(s.Gen))
	e.int(int64(s.Base.Checkpoint))
	e.uint(uint64(s.Base.Gen))
	e.int(int64(s.Root))
	e.uint(uint64(s.Depth))
	e.uint(uint64(len(s.Ancestors)))
	for _, a := range s.Ancestors {
		e.int(int64(a.Checkpoint))
		e.uint(uint64(a.Gen))
	}
	e.int(int64(s.Ingress))
	e.uint(uint64(len(s.Deleted)))
	for _, a := range s.Deleted {
		e.address(a)
	}
	e.uint(uint64(len(s.Instances)))
	for _, in := range s.Instances {
		e.address(in.Address)
		// The count's low bit says whether the entries are changes, each
		// then led by whether it was deleted.
		if !in.Changes {
			e.uint(uint64(len(in.Entries)) << 1)
			for _, m := range in.Entries {
				e.string(m.Name)
				e.bytes(m.Value)
			}
			continue
		}
		e.uint(uint64(len(in.Entries))<<1 | 1)
		for _, m := range in.Entries {
			e.string(m.Name)
			if m.Deleted {
				e.uint(1)
				continue
			}
			e.uint(0)
			e.bytes(m.Value)
		}
	}
	e.envelopes(s.RunQueue)
	e.uint(uint64(len(s.Delayed)))
	for _, d := range s.Delayed {
		e.int(int64(d.Remaining))
		e.envelope(d.Envelope)
	}
	e.uint(uint64(len(s.Channels)))
	for _, c := range s.Channels {
		e.uint(uint64(c.From))
		e.envelopes(c.Messages)
	}
	e.uint(uint64(len(s.Egress)))
	for _, b := range s.Egress {
		e.int(int64(b.Epoch))
		e.uint(uint64(len(b.Responses)))
		for _, r := range b.Responses {
			e.response(r)
		}
	}
	return e.buf
}

// DecodeSnapshot parses bytes written by Encode.
func DecodeSnapshot(b []byte) (*WorkerSnapshot, error) {
	d := decoder{buf: b}
	if v := d.uint(); v != snapshotVersion {
		return nil, fmt.Errorf("%w: version %d", ErrCorruptSnapshot, v)
	}
	s := &WorkerSnapshot{
		Worker:     WorkerID(d.uint()),
		Checkpoint: CheckpointID(d.int()),
		Gen:        Generation(d.uint()),
		Base:       SnapshotRef{Checkpoint: CheckpointID(d.int()), Gen: Generation(d.uint())},
		Root:       CheckpointID(d.int()),
		Depth:      int(d.uint()),
	}
	for n := d.count(); n > 0; n-- {
		s.Ancestors = append(s.Ancestors, SnapshotRef{Checkpoint: CheckpointID(d.int()), Gen: Generation(d.uint())})
	}
	s.Ingress = Offset(d.int())
	for n := d.count(); n > 0; n-- {
		s.Deleted = append(s.Deleted, d.address())
	}
	for n := d.count(); n > 0; n-- {
		in := InstanceSnapshot{Address: d.address()}
		flagged := d.uint()
		in.Changes = flagged&1 == 1
		m := flagged >> 1
		if m > uint64(len(d.buf)) {
			d.fail("entry count")
		}
		for ; m > 0 && d.err == nil; m-- {
			name := d.string()
			switch {
			case !in.Changes:
				in.Entries = append(in.Entries, Mutation{Name: name, Value: d.bytes()})
			case d.uint() == 0:
				in.Entries = append(in.Entries, Mutation{Name: name, Value: d.bytes()})
			default:
				in.Entries = append(in.Entries, Mutation{Name: name, Deleted: true})
			}
		}
		s.Instances = append(s.Instances, in)
	}
	s.RunQueue = d.envelopes()
	for n := d.count(); n > 0; n-- {
		s.Delayed = append(s.Delayed, DelayedSnapshot{Remaining: Micros(d.int()), Envelope: d.envelope()})
	}
	for n := d.count(); n > 0; n-- {
		s.Channels = append(s.Channels, ChannelSnapshot{From: WorkerID(d.uint()), Messages: d.envelopes()})
	}
	for n := d.count(); n > 0; n-- {
		b := EgressBatch{Worker: s.Worker, Epoch: Epoch(d.int())}
		for m := d.count(); m > 0; m-- {
			b.Responses = append(b.Responses, d.response())
		}
		s.Egress = append(s.Egress, b)
	}
	if d.err != nil {
		return nil, d.err
	}
	if len(d.buf) != 0 {
		return nil, fmt.Errorf("%w: %d trailing bytes", ErrCorruptSnapshot, len(d.buf))
	}
	return s, nil
}

func sortInstances(in []InstanceSnapshot) {
	slices.SortFunc(in, func(a, b InstanceSnapshot) int { return compareAddresses(a.Address, b.Address) })
}

// compareAddresses orders addresses as Less does, for slices.SortFunc,
// which sorts without sort.Slice's reflection and allocation: snapshots
// sort on every checkpoint.
func compareAddresses(a, b Address) int {
	if c := strings.Compare(string(a.Type), string(b.Type)); c != 0 {
		return c
	}
	return strings.Compare(a.ID, b.ID)
}

// appendValues appends an instance's values (not its tombstones), sorted
// by name already, to arena, and returns the arena and the instance's part
// of it: one copy, which later writes to the instance do not reach.
func appendValues(arena []Mutation, state stateEntries) ([]Mutation, []Mutation) {
	start := len(arena)
	for _, e := range state {
		if !e.Deleted {
			arena = append(arena, e.Mutation)
		}
	}
	return arena, arena[start:len(arena):len(arena)]
}

// appendChanges is appendValues for the values written, and the
// tombstones of those deleted (unless told to leave them out, a known-bad
// variant), after epoch since.
func appendChanges(arena []Mutation, state stateEntries, since uint64, deletions bool) ([]Mutation, []Mutation) {
	start := len(arena)
	for _, e := range state {
		if e.changedIn > since && (deletions || !e.Deleted) {
			arena = append(arena, e.Mutation)
		}
	}
	return arena, arena[start:len(arena):len(arena)]
}

// sizeHint is about the size of the snapshot's encoding, so that Encode
// allocates its buffer once instead of growing it through a dozen copies.
func (s *WorkerSnapshot) sizeHint() int {
	n := 64 + 16*len(s.Ancestors) + 96*(len(s.RunQueue)+len(s.Delayed)+len(s.Deleted))
	for _, in := range s.Instances {
		n += len(in.Address.Type) + len(in.Address.ID) + 4
		for _, m := range in.Entries {
			n += len(m.Name) + len(m.Value) + 5
		}
	}
	for _, c := range s.Channels {
		n += 96 * len(c.Messages)
	}
	for _, b := range s.Egress {
		n += 96 * len(b.Responses)
	}
	return n
}

type encoder struct{ buf []byte }

func (e *encoder) uint(x uint64)     { e.buf = binary.AppendUvarint(e.buf, x) }
func (e *encoder) int(x int64)       { e.buf = binary.AppendVarint(e.buf, x) }
func (e *encoder) string(s string)   { e.uint(uint64(len(s))); e.buf = append(e.buf, s...) }
func (e *encoder) bytes(b []byte)    { e.uint(uint64(len(b))); e.buf = append(e.buf, b...) }
func (e *encoder) address(a Address) { e.string(string(a.Type)); e.string(a.ID) }
func (e *encoder) message(m Message) { e.string(m.Kind); e.bytes(m.Body) }
func (e *encoder) request(r RequestID) {
	e.uint(uint64(r.Client))
	e.uint(r.Seq)
}

func (e *encoder) envelope(x Envelope) {
	e.address(x.From)
	e.address(x.To)
	e.request(x.Request)
	e.message(x.Msg)
}

func (e *encoder) envelopes(xs []Envelope) {
	e.uint(uint64(len(xs)))
	for _, x := range xs {
		e.envelope(x)
	}
}

func (e *encoder) response(r Response) {
	e.request(r.Request)
	e.address(r.From)
	e.message(r.Msg)
	e.string(r.Failure)
}

// decoder reads what encoder wrote; the first error sticks and every later
// read returns zero values.
type decoder struct {
	buf []byte
	err error
}

func (d *decoder) fail(what string) {
	if d.err == nil {
		d.err = fmt.Errorf("%w: bad %s", ErrCorruptSnapshot, what)
	}
	d.buf = nil
}

func (d *decoder) uint() uint64 {
	x, n := binary.Uvarint(d.buf)
	if n <= 0 {
		d.fail("uvarint")
		return 0
	}
	d.buf = d.buf[n:]
	return x
}

func (d *decoder) int() int64 {
	x, n := binary.Varint(d.buf)
	if n <= 0 {
		d.fail("varint")
		return 0
	}
	d.buf = d.buf[n:]
	return x
}

// count reads a length and bounds it by the bytes left, so corrupt input
// cannot ask for a huge allocation or loop.
func (d *decoder) count() int {
	n := d.uint()
	if n > uint64(len(d.buf)) {
		d.fail("count")
		return 0
	}
	return int(n)
}

func (d *decoder) bytes() []byte {
	n := d.count()
	if d.err != nil {
		return nil
	}
	b := append([]byte(nil), d.buf[:n]...)
	d.buf = d.buf[n:]
	return b
}

func (d *decoder) string() string     { return string(d.bytes()) }
func (d *decoder) address() Address   { return Address{Type: FuncType(d.string()), ID: d.string()} }
func (d *decoder) message() Message   { return Message{Kind: d.string(), Body: d.bytes()} }
func (d *decoder) request() RequestID { return RequestID{Client: ClientID(d.uint()), Seq: d.uint()} }

func (d *decoder) envelope() Envelope {
	return Envelope{From: d.address(), To: d.address(), Request: d.request(), Msg: d.message()}
}

func (d *decoder) envelopes() []Envelope {
	var out []Envelope
	for n := d.count(); n > 0; n-- {
		out = append(out, d.envelope())
	}
	return out
}

func (d *decoder) response() Response {
	return Response{Request: d.request(), From: d.address(), Msg: d.message(), Failure: d.string()}
}
