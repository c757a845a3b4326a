package runtime

import (
	"fmt"
	"strconv"
	"strings"
)

// Generation counts the job's recoveries. Every recovery starts a new
// generation; messages, timers and acknowledgements of an older generation
// are stale and dropped, so nothing from before a rollback leaks past it.
type Generation uint64

// CheckpointID numbers checkpoints; 0 is the empty state a job starts from.
// The generation that takes a checkpoint is its high 32 bits, so a newer
// generation's checkpoints always sort after an older one's, even when a
// crashed coordinator's last write lands late.
type CheckpointID int64

func checkpointID(g Generation, seq int64) CheckpointID {
	return CheckpointID(int64(g)<<32 | seq)
}

func (n CheckpointID) String() string {
	if n == 0 {
		return "0"
	}
	return fmt.Sprintf("%d.%d", int64(n)>>32, int64(n)&(1<<32-1))
}

// Epoch is the span of a worker's processing between two of its snapshots:
// work done after snapshot n-1 and before snapshot n is in epoch n, and its
// responses are released when checkpoint n completes.
type Epoch = CheckpointID

// Packet is anything one worker sends another over their FIFO channel:
// a Transfer of a function message, a Marker of a snapshot, or a Ping
// that says how far the channel has come.
//
// Every packet carries its generation and its sequence number on its
// channel: the sender numbers the packets of each generation on each
// channel from 1, and a receiver that sees a number past the next one
// knows the channel lost packets (a partition) and fails (Broken).
// Fingerprints leave the sequence number out: it is a function of the
// channel's history, which the trace hash already holds, and leaving it
// out keeps the trace hashes of runs recorded before it existed.
type Packet interface {
	Fingerprint() uint64
	packet()
}

// Transfer carries a function message between workers.
type Transfer struct {
	Gen      Generation
	Seq      uint64
	Envelope Envelope
}

// Marker is the Chandy-Lamport marker of checkpoint N: on a channel, it
// separates the messages sent before the sender's snapshot from those after.
type Marker struct {
	Gen        Generation
	Seq        uint64
	Checkpoint CheckpointID
}

// Ping carries nothing but its sequence number: a worker with
// Config.ChannelHeartbeats sends one on every outgoing channel with each
// heartbeat, so that packets lost at the end of a channel's traffic are
// noticed without waiting for the next packet.
type Ping struct {
	Gen Generation
	Seq uint64
}

func (Transfer) packet() {}
func (Marker) packet()   {}
func (Ping) packet()     {}

// Fingerprint digests the transfer for the simulator's trace hash.
func (t Transfer) Fingerprint() uint64 { return t.Envelope.Fingerprint() ^ uint64(t.Gen)<<48 }

// Fingerprint digests the marker for the simulator's trace hash.
func (m Marker) Fingerprint() uint64 {
	return uint64(digest(0).addUint(0x4d).addUint(uint64(m.Gen)).addUint(uint64(m.Checkpoint)))
}

// Fingerprint digests the ping for the simulator's trace hash.
func (p Ping) Fingerprint() uint64 {
	return uint64(digest(0).addUint(0x50).addUint(uint64(p.Gen)))
}

func (t Transfer) String() string { return fmt.Sprintf("g%d #%d %v", t.Gen, t.Seq, t.Envelope) }
func (m Marker) String() string   { return fmt.Sprintf("g%d #%d marker %v", m.Gen, m.Seq, m.Checkpoint) }
func (p Ping) String() string     { return fmt.Sprintf("g%d #%d ping", p.Gen, p.Seq) }

// packetHeader returns a packet's generation and sequence number.
func packetHeader(p Packet) (Generation, uint64) {
	switch p := p.(type) {
	case Transfer:
		return p.Gen, p.Seq
	case Marker:
		return p.Gen, p.Seq
	case Ping:
		return p.Gen, p.Seq
	}
	panic(fmt.Sprintf("runtime: unknown packet %T", p))
}

// Control is a message between the checkpoint coordinator and a worker.
type Control struct {
	Kind       ControlKind
	Gen        Generation
	Checkpoint CheckpointID
	// Source is, in a Restore, the generation whose snapshots make up
	// Checkpoint.
	Source Generation
	// Root is, in an Acked, the full snapshot the acknowledged one's chain
	// starts from: the store must keep every snapshot from there on.
	Root CheckpointID
}

// ControlKind says what a Control message means.
type ControlKind uint8

// Control messages. Coordinator to worker: Restore, Snapshot, Committed.
// Worker to coordinator: Restored, Acked, Failed, Heartbeat, Broken.
const (
	// Restore tells a worker to drop everything and load checkpoint
	// Checkpoint (0: the empty state) as generation Gen.
	Restore ControlKind = iota + 1
	// Snapshot starts checkpoint Checkpoint at a worker that has not yet
	// seen one of its markers.
	Snapshot
	// Committed tells a worker that checkpoint Checkpoint is complete and
	// durable: responses of epochs up to it may be released.
	Committed
	// Restored reports that a worker runs generation Gen from checkpoint
	// Checkpoint.
	Restored
	// Acked reports that a worker's snapshot for Checkpoint is durable.
	Acked
	// Failed reports that a worker could not store its snapshot.
	Failed
	// Heartbeat says a worker is alive, and which generation it runs
	// (0: a fresh process waiting to be restored).
	Heartbeat
	// Broken reports that a channel into the worker lost packets of
	// generation Gen: the worker has stopped and waits for a recovery. A
	// failed worker sends it in place of every heartbeat until restored,
	// so that a lost report is repeated.
	Broken
)

var controlNames = [...]string{
	Restore: "restore", Snapshot: "snapshot", Committed: "committed",
	Restored: "restored", Acked: "acked", Failed: "failed", Heartbeat: "heartbeat",
	Broken: "broken",
}

func (k ControlKind) String() string {
	if int(k) < len(controlNames) && controlNames[k] != "" {
		return controlNames[k]
	}
	return fmt.Sprintf("control(%d)", uint8(k))
}

// Fingerprint digests the control message for the simulator's trace hash.
func (c Control) Fingerprint() uint64 {
	return uint64(digest(0).addUint(uint64(c.Kind)).addUint(uint64(c.Gen)).addUint(uint64(c.Checkpoint)).
		addUint(uint64(c.Source)).addUint(uint64(c.Root)))
}

func (c Control) String() string {
	switch c.Kind {
	case Heartbeat, Broken:
		return fmt.Sprintf("g%d %v", c.Gen, c.Kind)
	case Restore:
		return fmt.Sprintf("g%d restore %v (from g%d)", c.Gen, c.Checkpoint, c.Source)
	}
	return fmt.Sprintf("g%d %v %v", c.Gen, c.Kind, c.Checkpoint)
}

// EgressBatch is the unit of transactional egress: every response one
// worker produced in one epoch. A batch is released once checkpoint Epoch
// is complete, and may be released again after a recovery; readers keep
// the first copy of each (Worker, Epoch), as Kafka's transactional
// consumers see each transaction once.
type EgressBatch struct {
	Worker    WorkerID
	Epoch     Epoch
	Responses []Response
}

// Fingerprint digests the batch for the simulator's trace hash.
func (b EgressBatch) Fingerprint() uint64 {
	d := digest(0).addUint(uint64(b.Worker)).addUint(uint64(b.Epoch))
	for _, r := range b.Responses {
		d = d.addUint(r.Fingerprint())
	}
	return uint64(d)
}

func (b EgressBatch) String() string {
	return fmt.Sprintf("egress %v epoch %v (%d responses)", b.Worker, b.Epoch, len(b.Responses))
}

// Snapshot store keys. A snapshot's key names its generation, so that a
// late write from a worker of an older generation can never overwrite the
// snapshot of the current one.
func snapshotKey(n CheckpointID, g Generation, w WorkerID) string {
	b := appendPadded(append(make([]byte, 0, 48), snapshotPrefix...), uint64(n))
	b = strconv.AppendUint(append(b, "/g"...), uint64(g), 10)
	b = strconv.AppendInt(append(b, "/w"...), int64(w), 10)
	return string(b)
}

// completionKey marks checkpoint n complete; its value names the
// generation whose snapshots make it up.
func completionKey(n CheckpointID) string {
	return string(appendPadded(append(make([]byte, 0, 32), completionPrefix...), uint64(n)))
}

// appendPadded appends n in 20 decimal digits, so that keys sort as ids
// do (what fmt's %020d writes, without fmt's cost on every checkpoint).
func appendPadded(b []byte, n uint64) []byte {
	var digits [20]byte
	for i := len(digits) - 1; i >= 0; i-- {
		digits[i] = byte('0' + n%10)
		n /= 10
	}
	return append(b, digits[:]...)
}

const (
	snapshotPrefix   = "chk/"
	completionPrefix = "done/"
	generationKey    = "coordinator/generation"
)

// IsSnapshotKey reports whether a store key is a worker's snapshot: fault
// schedules crash a worker as it stores one.
func IsSnapshotKey(key string) bool { return strings.HasPrefix(key, snapshotPrefix) }

// checkpointOfKey parses the checkpoint id out of a snapshot or completion key.
func checkpointOfKey(key, prefix string) (CheckpointID, bool) {
	if len(key) < len(prefix)+20 || key[:len(prefix)] != prefix {
		return 0, false
	}
	var n int64
	for _, c := range key[len(prefix) : len(prefix)+20] {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int64(c-'0')
	}
	return CheckpointID(n), true
}
