package runtime

import "slices"

// checkpointing is a worker's part of the Chandy-Lamport snapshot and of
// recovery. A snapshot starts when the coordinator asks for it or when the
// first marker of it arrives, whichever is first: the worker records its
// local state, sends a marker on every outgoing channel, and records each
// incoming channel's messages until that channel's marker arrives. Then it
// writes the whole to the checkpoint store and acknowledges.
type checkpointing struct {
	lastSnapshot CheckpointID // the newest checkpoint this worker took part in
	snap         *snapshotInProgress
	writes       map[uint64]pendingWrite // snapshot writes in flight, by token
	restore      Control                 // the Restore being loaded
	load         chainLoad
	prevOffset   Offset // the ingress offset before the restore, for BugNoIngressRewind
	wasRunning   bool
	align        alignment // Aligned only
	chain        chain     // incremental snapshots
	scratch      captureScratch
}

// captureScratch is the memory a snapshot's capture used, for the next
// capture to reuse: a captured snapshot's instance list, entry arena and
// deleted list are needed only until it is encoded or abandoned (a worker
// starts a new snapshot only then), and a busy worker captures thousands
// of instances every checkpoint. What a capture leaves past its own
// length is cleared, so the scratch refers to one snapshot's values at
// most (a full snapshot's, until the next capture).
type captureScratch struct {
	instances []InstanceSnapshot
	entries   []Mutation
	deleted   []Address
}

// take returns the scratch slices emptied, each with room for at least
// the given number of elements.
func (c *captureScratch) take(instances, entries int) ([]InstanceSnapshot, []Mutation, []Address) {
	if cap(c.instances) < instances {
		c.instances = make([]InstanceSnapshot, 0, instances)
	}
	if cap(c.entries) < entries {
		c.entries = make([]Mutation, 0, entries)
	}
	return c.instances[:0], c.entries[:0], c.deleted[:0]
}

// keep hands the slices a capture filled back, grown or not, and clears
// what the last capture left past their new lengths.
func (c *captureScratch) keep(instances []InstanceSnapshot, entries []Mutation, deleted []Address) {
	clearTail(c.instances, len(instances))
	clearTail(c.entries, len(entries))
	clearTail(c.deleted, len(deleted))
	c.instances, c.entries, c.deleted = instances, entries, deleted
}

// clearTail zeroes old's elements from n to its length: those a shorter
// reuse of its array did not overwrite (none if the reuse grew into a new
// array, and old is garbage).
func clearTail[T any](old []T, n int) {
	if n < len(old) {
		clear(old[n:])
	}
}

// pendingWrite is a snapshot write in flight: which checkpoint, the full
// snapshot its chain starts from, and its size.
type pendingWrite struct {
	checkpoint CheckpointID
	root       CheckpointID
	bytes      int
}

// chainLoad is a restore reading its checkpoint's snapshot chain: the
// newest snapshot, then every ancestor it names at once, so that a restore
// waits for two reads however long the chain.
type chainLoad struct {
	reads  map[uint64]int    // reads in flight, by token -> their place in loaded
	loaded []*WorkerSnapshot // newest first
	bytes  []int             // each loaded snapshot's encoded size
}

type snapshotInProgress struct {
	id       CheckpointID
	local    *WorkerSnapshot
	waiting  []bool       // per sender: its marker has not come yet
	channels [][]Envelope // per sender: recorded in-flight messages
	pending  int          // senders still waiting for
}

// onSnapshot takes this worker's snapshot for checkpoint n, prompted by
// the coordinator (from < 0) or by the first marker, from worker from,
// whose channel is then empty in the snapshot.
func (w *Worker) onSnapshot(n CheckpointID, from WorkerID) {
	if n <= w.lastSnapshot {
		return // already taken, prompted by a marker
	}
	// A snapshot still collecting markers belongs to a checkpoint the
	// coordinator has given up on: it starts a new one only then.
	w.lastSnapshot = n
	snap := &snapshotInProgress{
		id:       n,
		local:    w.capture(n),
		waiting:  make([]bool, w.cfg.Workers),
		channels: make([][]Envelope, w.cfg.Workers),
	}
	for j := range w.cfg.Workers {
		id := WorkerID(j)
		if id == w.cfg.ID {
			continue
		}
		w.host.Send(id, Marker{Gen: w.gen, Seq: w.nextSeq(id), Checkpoint: n})
		if id != from && !(w.align.blocked(id) && w.align.blockedAt[id] == n) {
			snap.waiting[j] = true
			snap.pending++
		}
	}
	w.snap = snap
	if snap.pending == 0 {
		w.writeSnapshot()
	}
	if w.unblock() {
		w.run()
	}
}

// unblock releases the channels an aligned worker held while it waited for
// its own snapshot. Messages that came after the marker of this checkpoint
// are after the snapshot on both sides; messages held behind the marker of
// an older checkpoint (one the coordinator gave up on) were sent before
// their sender's snapshot of this one, so they are in flight and recorded.
func (w *Worker) unblock() (released bool) {
	a := &w.align
	for j := range a.blockedAt {
		if a.blockedAt[j] == 0 {
			continue
		}
		held := a.held[j]
		a.blockedAt[j], a.held[j] = 0, nil
		for _, e := range held {
			w.recordChannel(WorkerID(j), e)
			w.runq.push(e)
			released = true
		}
	}
	return released
}

func (w *Worker) onMarker(from WorkerID, n CheckpointID) {
	s := w.snap
	switch {
	case s != nil && s.id == n && s.waiting[from]:
		s.waiting[from] = false
		s.pending--
		if s.pending == 0 {
			w.writeSnapshot()
		}
	case n > w.lastSnapshot && w.cfg.Strategy == Aligned:
		w.align.block(w.cfg.Workers, from, n)
	case n > w.lastSnapshot:
		w.onSnapshot(n, from)
	}
}

// recordChannel keeps a copy of a message that was in flight on the channel
// from sender when this worker took its snapshot.
func (w *Worker) recordChannel(from WorkerID, e Envelope) {
	if s := w.snap; s != nil && s.waiting[from] && w.cfg.Bug != BugNoChannelRecording {
		s.channels[from] = append(s.channels[from], e)
		w.stats.Recorded++
	}
}

// capture records the local state for checkpoint n and closes epoch n of
// the egress.
func (w *Worker) capture(n CheckpointID) *WorkerSnapshot {
	s := &WorkerSnapshot{Worker: w.cfg.ID, Checkpoint: n, Gen: w.gen, Ingress: w.ingressOffset}
	p := w.chain.plan(n, w.gen)
	s.Base, s.Root, s.Depth, s.Ancestors = p.base, p.root, p.depth, p.ancestors
	var arena []Mutation
	if p.full {
		s.Instances, arena, s.Deleted = w.scratch.take(len(w.instances), 2*len(w.instances))
		// Tombstones are left for the instance's next delta to prune:
		// pruning here would scan every value of every instance.
		for a, inst := range w.instances { // order-independent: sorted below, without a second lookup per instance
			var entries []Mutation
			arena, entries = appendValues(arena, inst.state)
			s.Instances = append(s.Instances, InstanceSnapshot{Address: a, Entries: entries})
		}
		sortInstances(s.Instances)
	} else {
		s.Instances, arena, s.Deleted = w.scratch.take(len(p.changed), 2*len(p.changed))
		for a := range p.changed { // order-independent: sorted below
			inst := w.instances[a]
			var entries []Mutation
			switch {
			case inst == nil:
				s.Deleted = append(s.Deleted, a)
			case inst.createdIn > p.baseEpoch: // absent from the base, or an older instance deleted since
				arena, entries = appendValues(arena, inst.state)
				s.Instances = append(s.Instances, InstanceSnapshot{Address: a, Entries: entries})
			default:
				inst.state.prune(p.baseEpoch)
				arena, entries = appendChanges(arena, inst.state, p.baseEpoch, w.cfg.Bug != BugDeltaWithoutDeletions)
				if len(entries) > 0 {
					s.Instances = append(s.Instances, InstanceSnapshot{Address: a, Entries: entries, Changes: true})
				}
			}
		}
		sortInstances(s.Instances)
		slices.SortFunc(s.Deleted, compareAddresses)
	}
	w.scratch.keep(s.Instances, arena, s.Deleted)
	w.runq.each(func(e Envelope) { s.RunQueue = append(s.RunQueue, e) })
	if w.cfg.Bug != BugSnapshotWithoutDelayed {
		ids := make([]uint64, 0, len(w.delayed))
		for id := range w.delayed {
			ids = append(ids, id)
		}
		slices.Sort(ids)
		now := w.host.Now()
		for _, id := range ids {
			d := w.delayed[id]
			s.Delayed = append(s.Delayed, DelayedSnapshot{Remaining: max(d.due-now, 0), Envelope: d.envelope})
		}
	}
	w.egress.close(w.cfg.ID, n)
	s.Egress = w.egress.pending()
	return s
}

func (w *Worker) writeSnapshot() {
	s := w.snap.local
	for j, msgs := range w.snap.channels {
		if len(msgs) > 0 {
			s.Channels = append(s.Channels, ChannelSnapshot{From: WorkerID(j), Messages: msgs})
		}
	}
	value := s.Encode()
	token := w.token()
	w.writes[token] = pendingWrite{checkpoint: s.Checkpoint, root: s.Root, bytes: len(value)}
	w.stats.Snapshots++
	w.stats.SnapshotB += int64(len(value))
	w.stats.ChainMax = max(w.stats.ChainMax, int64(s.Depth)+1)
	w.host.Store(StoreRequest{Kind: StorePut, Key: snapshotKey(s.Checkpoint, w.gen, w.cfg.ID), Value: value, Token: token})
	w.snap = nil
}

// onRestore drops everything and loads the checkpoint the coordinator
// names, as generation c.Gen.
func (w *Worker) onRestore(c Control) {
	if c.Gen <= w.gen {
		return // a repeat, or overtaken by a newer recovery
	}
	prev, wasRunning := w.ingressOffset, w.phase == running || w.phase == failed
	w.gen = c.Gen
	w.reset()
	w.phase = loading
	w.restore, w.prevOffset, w.wasRunning = c, prev, wasRunning
	// Packets of this generation wait for the restore to finish; those of
	// a newer one (a recovery that overtook this one) wait for its Restore.
	kept := w.early[:0]
	for _, p := range w.early {
		if p.gen >= c.Gen {
			kept = append(kept, p)
		}
	}
	w.early = kept
	if c.Checkpoint == 0 {
		w.finishRestore(&WorkerSnapshot{Worker: w.cfg.ID, Gen: c.Source})
		return
	}
	w.loadSnapshot()
}

// loadSnapshot starts (or, after a failed read, restarts) loading the
// restored checkpoint's chain, newest first.
func (w *Worker) loadSnapshot() {
	w.load = chainLoad{reads: map[uint64]int{}, loaded: make([]*WorkerSnapshot, 1), bytes: make([]int, 1)}
	w.loadRef(0, SnapshotRef{Checkpoint: w.restore.Checkpoint, Gen: w.restore.Source})
}

// loadRef reads snapshot r into place i of the chain being loaded.
func (w *Worker) loadRef(i int, r SnapshotRef) {
	token := w.token()
	w.load.reads[token] = i
	w.host.Store(StoreRequest{Kind: StoreGet, Key: snapshotKey(r.Checkpoint, r.Gen, w.cfg.ID), Token: token})
}

// loaded takes in a snapshot of the chain being loaded: after the newest,
// it reads every ancestor; after the last, it restores.
func (w *Worker) loaded(i int, s *WorkerSnapshot, bytes int) {
	l := &w.load
	l.loaded[i], l.bytes[i] = s, bytes
	if i == 0 && !s.Base.IsZero() {
		n := len(s.Ancestors)
		if n == 0 || n >= SnapshotChainMax || s.Ancestors[n-1] != s.Base {
			broken("%v: snapshot of checkpoint %v has base %v and %d ancestors (at most %d, the base last)",
				w.cfg.ID, w.restore.Checkpoint, s.Base, n, SnapshotChainMax-1)
		}
		l.loaded = append(l.loaded, make([]*WorkerSnapshot, n)...)
		l.bytes = append(l.bytes, make([]int, n)...)
		for j, a := range s.Ancestors { // root first: its place is last
			w.loadRef(n-j, a)
		}
		return
	}
	if len(l.reads) > 0 {
		return
	}
	for k := 0; k+1 < len(l.loaded); k++ {
		if next := l.loaded[k+1]; l.loaded[k].Base != (SnapshotRef{Checkpoint: next.Checkpoint, Gen: next.Gen}) {
			broken("%v: the chain of checkpoint %v is broken at %v: its base is %v", w.cfg.ID, w.restore.Checkpoint,
				l.loaded[k].Checkpoint, l.loaded[k].Base)
		}
	}
	if root := l.loaded[len(l.loaded)-1]; !root.Base.IsZero() {
		broken("%v: the chain of checkpoint %v starts at %v, a delta", w.cfg.ID, w.restore.Checkpoint, root.Checkpoint)
	}
	w.finishRestore(merge(l.loaded))
}

// Stored handles the result of a store operation the worker started.
func (w *Worker) Stored(r StoreResult) {
	if pw, ok := w.writes[r.Token]; ok {
		delete(w.writes, r.Token)
		if r.Err != nil {
			w.host.Tell(Control{Kind: Failed, Gen: w.gen, Checkpoint: pw.checkpoint})
			return
		}
		w.chain.stored(pw.checkpoint, pw.bytes)
		w.host.Tell(Control{Kind: Acked, Gen: w.gen, Checkpoint: pw.checkpoint, Root: pw.root})
		return
	}
	i, ok := w.load.reads[r.Token]
	if w.phase != loading || !ok {
		return // for a generation this worker has left, or a load given up
	}
	delete(w.load.reads, r.Token)
	switch {
	case r.Err != nil:
		clear(w.load.reads) // one retry reloads the whole chain
		w.host.After(retryDelay, Timer{Kind: TimerRetry, Gen: w.gen})
	case !r.Found:
		broken("%v: checkpoint %v has no snapshot for this worker: it was restored incomplete", w.cfg.ID, w.restore.Checkpoint)
	default:
		s, err := DecodeSnapshot(r.Value)
		if err != nil {
			broken("%v: snapshot of checkpoint %v: %v", w.cfg.ID, w.restore.Checkpoint, err)
		}
		w.loaded(i, s, len(r.Value))
	}
}

// finishRestore installs a snapshot: instances, the run queue, the channel
// messages recorded in flight (after the run queue: they arrived later),
// delayed messages re-armed with the time they had left, the ingress
// rewound to the snapshot's offset, and the snapshot's unreleased responses
// released, since the checkpoint is complete.
func (w *Worker) finishRestore(s *WorkerSnapshot) {
	for _, in := range s.Instances {
		inst := &instance{state: make(stateEntries, 0, len(in.Entries))}
		for _, e := range in.Entries {
			inst.state.set(e.Name, e.Value, 0) // epoch 0: in the store, as the chain's base
		}
		w.instances[in.Address] = inst
	}
	for _, e := range s.RunQueue {
		w.runq.push(e)
	}
	for _, c := range s.Channels {
		for _, e := range c.Messages {
			w.runq.push(e)
		}
	}
	for _, d := range s.Delayed {
		w.setDelayed(d.Remaining, d.Envelope)
	}
	w.ingressOffset = s.Ingress
	if w.cfg.Bug == BugNoIngressRewind && w.wasRunning {
		w.ingressOffset = w.prevOffset
	}
	w.egress.closed = s.Egress
	w.egress.commit(s.Checkpoint, w.host)
	w.lastSnapshot = s.Checkpoint
	rootBytes, deltaBytes := 0, 0
	for i, b := range w.load.bytes { // none when restoring checkpoint 0
		if i == len(w.load.bytes)-1 {
			rootBytes = b
		} else {
			deltaBytes += b
		}
	}
	w.chain.restored(s, w.restore.Source, rootBytes, deltaBytes)
	w.load = chainLoad{}
	w.phase = running
	w.stats.Restores++
	w.host.Tell(Control{Kind: Restored, Gen: w.gen, Checkpoint: s.Checkpoint})
	early := w.early
	w.early = nil
	for _, p := range early {
		if p.gen > w.gen {
			w.early = append(w.early, p)
			continue
		}
		w.deliver(p.from, p.packet)
	}
	w.PollIngress()
}

func (w *Worker) token() uint64 {
	w.tokenSeq++
	return w.tokenSeq
}
