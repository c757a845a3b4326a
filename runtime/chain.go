package runtime

import "slices"

// Incremental snapshots. A worker's snapshots form chains: a full snapshot,
// then deltas that each hold only what changed since the previous snapshot
// of the chain that the worker knows is stored: of an instance that
// existed then, the values written or deleted since; of one created
// since, its whole state; of one gone since, its address. A delta names
// every snapshot it builds on (its ancestors), so a restore reads the
// newest and then all the others at once. The next snapshot is full again
// once the chain's deltas add up to as many bytes as its full snapshot
// (a restore then reads at most about twice the state) or the chain holds
// SnapshotChainMax snapshots. A delta's base must be a snapshot whose
// write this worker saw succeed (or the one it restored): a failed or lost
// write never becomes a base, so a chain never has a hole.

// SnapshotChainMax bounds a chain: a restore reads at most this many
// snapshots, and the store keeps at most this many per worker for each
// retained checkpoint. A full snapshot writes every value of every
// instance, so the longer the chains, the rarer that cost: with deltas of
// the values changed, small beside the state, the bytes rule seldom
// applies first.
const SnapshotChainMax = 32

// chain is what a worker knows of its snapshot chain.
type chain struct {
	base      SnapshotRef   // the newest snapshot known stored; zero: none
	baseEpoch uint64        // the epoch base closed: later changes are not in the store
	root      CheckpointID  // the full snapshot base's chain starts from
	depth     int           // deltas between root and base
	ancestors []SnapshotRef // base's chain, root first, base last
	// rootBytes and deltaBytes are the encoded sizes of base's chain:
	// its full snapshot, and its deltas together.
	rootBytes, deltaBytes int
	epochs                []epoch // snapshots taken after base, oldest first
	// changed are the instances changed since the newest snapshot taken.
	changed map[Address]bool
	// epoch numbers the changes since the newest snapshot taken (each
	// snapshot closes one), for instances and their values to remember
	// when they last changed.
	epoch uint64
	// spare is an emptied set of a stored epoch, for the next epoch to
	// fill: a busy worker changes thousands of instances an interval, and
	// a new set grows through a dozen rehashes or allocates its size anew.
	spare map[Address]bool
}

// epoch is a snapshot taken after the chain's base: what changed before it,
// and where it would sit in the chain once stored.
type epoch struct {
	ref       SnapshotRef
	number    uint64 // the epoch this snapshot closed
	root      CheckpointID
	depth     int
	ancestors []SnapshotRef // what this snapshot builds on; nil if full
	// rootBytes and deltaBytes are those of the chain this snapshot
	// builds on, its own bytes not included.
	rootBytes, deltaBytes int
	changed               map[Address]bool
}

// snapshotPlan is the shape of a snapshot: full, or a delta of base with
// the instances changed since it (changed), of which the values changed
// after epoch baseEpoch.
type snapshotPlan struct {
	full      bool
	base      SnapshotRef
	baseEpoch uint64
	root      CheckpointID
	depth     int
	ancestors []SnapshotRef // a delta's: root first, base last
	changed   map[Address]bool
}

func newChain() chain { return chain{changed: map[Address]bool{}, epoch: 1} }

// touch records that the state of inst, at address a, changed.
func (c *chain) touch(a Address, inst *instance) {
	if inst.changedIn != c.epoch {
		inst.changedIn = c.epoch
		c.changed[a] = true
	}
}

// plan decides the shape of snapshot n: full, or a delta of the base with
// what changed since it. It records the snapshot as taken, closing the
// current epoch. Values the worker deleted in epochs up to the plan's
// baseEpoch are in the store and need no tombstones.
func (c *chain) plan(n CheckpointID, gen Generation) snapshotPlan {
	p := snapshotPlan{baseEpoch: c.baseEpoch}
	p.full = c.base.IsZero() || c.depth+1 >= SnapshotChainMax || c.deltaBytes >= c.rootBytes
	if p.full {
		p.root, p.depth = n, 0
	} else {
		p.base, p.root, p.depth, p.ancestors = c.base, c.root, c.depth+1, c.ancestors
		p.changed = c.changed // no snapshot in flight (the usual case): nothing to merge
	}
	if !p.full && len(c.epochs) > 0 {
		p.changed = map[Address]bool{}
		for _, e := range c.epochs {
			for a := range e.changed { // order-independent: fills a set
				p.changed[a] = true
			}
		}
		for a := range c.changed { // order-independent: fills a set
			p.changed[a] = true
		}
	}
	e := epoch{ref: SnapshotRef{Checkpoint: n, Gen: gen}, number: c.epoch, root: p.root, depth: p.depth, changed: c.changed}
	if !p.full {
		e.ancestors, e.rootBytes, e.deltaBytes = p.ancestors, c.rootBytes, c.deltaBytes
	}
	c.epochs = append(c.epochs, e)
	c.epoch++
	if c.spare != nil {
		c.changed, c.spare = c.spare, nil
	} else {
		c.changed = make(map[Address]bool, len(c.changed)) // as many as the last interval had
	}
	return p
}

// stored makes snapshot n, of size bytes encoded, the chain's base once
// its write succeeded: its changes, and those of every snapshot before it,
// are in the store.
func (c *chain) stored(n CheckpointID, bytes int) {
	for i, e := range c.epochs {
		if e.ref.Checkpoint == n {
			c.base, c.baseEpoch, c.root, c.depth = e.ref, e.number, e.root, e.depth
			// Clipped: the new base's chain must not write into the
			// array the old one shares with snapshots still pending.
			c.ancestors = append(slices.Clip(e.ancestors), e.ref)
			if e.depth == 0 {
				c.rootBytes, c.deltaBytes = bytes, 0
			} else {
				c.rootBytes, c.deltaBytes = e.rootBytes, e.deltaBytes+bytes
			}
			clear(e.changed)
			c.spare = e.changed
			c.epochs = append(c.epochs[:0:0], c.epochs[i+1:]...)
			return
		}
	}
}

// restored starts the chain again from a restored snapshot, the newest of
// a chain whose full snapshot was rootBytes long and whose deltas were
// deltaBytes together.
func (c *chain) restored(s *WorkerSnapshot, source Generation, rootBytes, deltaBytes int) {
	// A restore follows a reset, so the chain is new: the restored state
	// stands for its first epoch, which becomes the base's, and changes
	// from here on carry later ones; restored values carry epoch 0.
	epoch := c.epoch
	*c = newChain()
	c.epoch = epoch + 1
	if s.Checkpoint != 0 {
		c.base, c.baseEpoch, c.root, c.depth = SnapshotRef{Checkpoint: s.Checkpoint, Gen: source}, epoch, s.Root, s.Depth
		c.ancestors = append(slices.Clip(s.Ancestors), c.base)
		c.rootBytes, c.deltaBytes = rootBytes, deltaBytes
	}
}

// merge folds a chain of loaded snapshots, newest first, into the state it
// stands for: the root's instances with every delta applied in order, and
// everything else from the newest.
func merge(loaded []*WorkerSnapshot) *WorkerSnapshot {
	newest := *loaded[0]
	instances := map[Address][]Mutation{}
	for i := len(loaded) - 1; i >= 0; i-- {
		for _, in := range loaded[i].Instances {
			if in.Changes {
				instances[in.Address] = applyChanges(instances[in.Address], in.Entries)
			} else {
				instances[in.Address] = in.Entries
			}
		}
		for _, a := range loaded[i].Deleted {
			delete(instances, a)
		}
	}
	newest.Instances = newest.Instances[:0:0]
	for a, entries := range instances { // order-independent: sorted below
		if len(entries) > 0 {
			newest.Instances = append(newest.Instances, InstanceSnapshot{Address: a, Entries: entries})
		}
	}
	sortInstances(newest.Instances)
	newest.Deleted = nil
	return &newest
}

// applyChanges returns the values of state, sorted by name, with changes
// (sorted by name, the deleted ones marked) applied: a new slice, since
// state may be a loaded snapshot's.
func applyChanges(state, changes []Mutation) []Mutation {
	out := make([]Mutation, 0, len(state)+len(changes))
	i, j := 0, 0
	for i < len(state) || j < len(changes) {
		switch {
		case j == len(changes) || i < len(state) && state[i].Name < changes[j].Name:
			out = append(out, state[i])
			i++
		case i == len(state) || changes[j].Name < state[i].Name:
			if !changes[j].Deleted {
				out = append(out, changes[j])
			}
			j++
		default: // the same name: the change wins
			if !changes[j].Deleted {
				out = append(out, changes[j])
			}
			i++
			j++
		}
	}
	return out
}
