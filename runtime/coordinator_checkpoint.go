package runtime

import "encoding/binary"

// startCheckpoint begins checkpoint n: every worker is asked to snapshot;
// markers do the rest.
func (c *Coordinator) startCheckpoint() {
	c.seq++
	id := checkpointID(c.gen, c.seq)
	c.inflight = &checkpointInFlight{id: id, acked: make([]bool, c.cfg.Workers), root: id}
	for w := range c.cfg.Workers {
		c.host.Tell(WorkerID(w), Control{Kind: Snapshot, Gen: c.gen, Checkpoint: id})
	}
	c.host.After(c.cfg.CheckpointTimeout, Timer{Kind: TimerCheckpointTimeout, Gen: c.gen, ID: uint64(id)})
	if c.cfg.Bug == BugCompleteEarly {
		c.complete(c.inflight)
	}
}

func (c *Coordinator) onAck(w WorkerID, m Control) {
	in := c.inflight
	if m.Gen != c.gen || in == nil || in.id != m.Checkpoint || in.completing {
		return // for a checkpoint already given up on
	}
	if m.Kind == Failed {
		c.abort()
		return
	}
	if !in.acked[w] {
		in.acked[w] = true
		in.acks++
		in.root = min(in.root, m.Root)
	}
	if in.acks == c.cfg.Workers {
		c.complete(in)
	}
}

// complete makes checkpoint n durable by writing its completion record,
// then tells the workers, who release the responses it covers.
func (c *Coordinator) complete(in *checkpointInFlight) {
	in.completing = true
	gen := c.gen
	value := binary.AppendVarint(binary.AppendUvarint(nil, uint64(gen)), int64(in.root))
	c.store(StoreRequest{Kind: StorePut, Key: completionKey(in.id), Value: value}, func(r StoreResult) {
		if gen != c.gen || c.inflight != in {
			return // a recovery overtook it; the record, if written, is still a complete checkpoint
		}
		if r.Err != nil {
			c.abort()
			return
		}
		c.latest, c.latestGen = in.id, gen
		c.retained = append(c.retained, completed{id: in.id, gen: gen, root: in.root})
		c.inflight = nil
		c.stats.Completed++
		for w := range c.cfg.Workers {
			c.host.Tell(WorkerID(w), Control{Kind: Committed, Gen: gen, Checkpoint: in.id})
		}
		c.collectGarbage()
		c.scheduleCheckpoint()
	})
}

func (c *Coordinator) abort() {
	c.inflight = nil
	c.stats.Aborted++
	c.scheduleCheckpoint()
}

// collectGarbage keeps the newest Retain completed checkpoints and deletes
// the rest: older completion records, and every snapshot older than the
// oldest full snapshot a retained checkpoint's chains start from (older
// complete ones and aborted ones alike). Snapshots newer than that stay,
// whether a retained chain needs them or a checkpoint in flight will.
func (c *Coordinator) collectGarbage() {
	for len(c.retained) > c.cfg.Retain {
		old := c.retained[0]
		c.retained = c.retained[1:]
		c.store(StoreRequest{Kind: StoreDelete, Key: completionKey(old.id)}, func(StoreResult) {})
	}
	keepFrom := c.latest
	for _, r := range c.retained {
		keepFrom = min(keepFrom, r.root)
	}
	c.store(StoreRequest{Kind: StoreList, Key: snapshotPrefix}, func(r StoreResult) {
		for _, k := range r.Keys {
			if id, ok := checkpointOfKey(k, snapshotPrefix); ok && id < keepFrom {
				c.store(StoreRequest{Kind: StoreDelete, Key: k}, func(StoreResult) {})
			}
		}
	})
}

// store starts op and calls done with its result.
func (c *Coordinator) store(op StoreRequest, done func(StoreResult)) {
	c.tokenSeq++
	op.Token = c.tokenSeq
	c.storeWait[op.Token] = done
	c.host.Store(op)
}

// Stored handles the result of a store operation the coordinator started.
func (c *Coordinator) Stored(r StoreResult) {
	done, ok := c.storeWait[r.Token]
	if !ok {
		broken("coordinator: store result for unknown token %d", r.Token)
	}
	delete(c.storeWait, r.Token)
	done(r)
}

// retry runs f again after a pause, for store operations that failed.
func (c *Coordinator) retry(f func()) {
	c.tokenSeq++
	c.storeWait[c.tokenSeq] = func(StoreResult) { f() }
	c.host.After(retryDelay, Timer{Kind: TimerRetry, ID: c.tokenSeq})
}
