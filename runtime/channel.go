package runtime

import "fmt"

// channelGap is where a channel into a worker was found broken: packets
// numbered from want up to got-1 never came.
type channelGap struct {
	from      WorkerID
	want, got uint64
}

func (g channelGap) String() string {
	return fmt.Sprintf("channel from %v lost #%d..#%d", g.from, g.want, g.got-1)
}

// inSequence checks p's place on the channel from worker from and reports
// whether to process it. The channels are FIFO, so p must be the next
// packet; one numbered past that means the channel lost the packets in
// between (a partition), and with them effects this worker will never
// see: the worker fails (channelBroken) instead of running on without
// them. A number already seen means a duplicate or a reordering, which the
// Host contract rules out.
func (w *Worker) inSequence(from WorkerID, p Packet) bool {
	_, seq := packetHeader(p)
	want := w.recvd[from] + 1
	if seq < want {
		broken("%v: packet #%d from %v after #%d: the channel duplicated or reordered it", w.cfg.ID, seq, from, want-1)
	}
	w.recvd[from] = seq
	if seq == want {
		return true
	}
	w.stats.Gaps++
	if w.cfg.Bug == BugIgnoreChannelGap {
		return true
	}
	w.channelBroken(channelGap{from: from, want: want, got: seq})
	return false
}

// channelBroken stops the worker: it processes nothing more of this
// generation, drops the snapshot it is collecting (a checkpoint whose cut
// crosses the gap must not complete; snapshots already written were cut
// before it, since every channel's marker came in sequence) and reports to
// the coordinator, which recovers the job from the last complete
// checkpoint as it does after a crash. The report repeats with every
// heartbeat until a Restore comes.
func (w *Worker) channelBroken(g channelGap) {
	if w.phase != running {
		broken("%v: %v while %d, not running", w.cfg.ID, g, w.phase)
	}
	w.phase = failed
	w.gap = g
	w.snap = nil
	w.host.Tell(Control{Kind: Broken, Gen: w.gen})
}
