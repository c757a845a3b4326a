package runtime

// Incremental snapshots. A worker's snapshots form chains: a full snapshot,
// then deltas that each hold only the instances changed since the previous
// snapshot of the chain that the worker knows is stored. After
// SnapshotChainMax deltas the next snapshot is full again, which bounds
// what a restore reads. A delta's base must be a snapshot whose write this
// worker saw succeed (or the one it restored): a failed or lost write never
// becomes a base, so a chain never has a hole.

// SnapshotChainMax bounds a chain: a restore reads at most this many
// snapshots, and the store keeps at most this many per worker for each
// retained checkpoint.
const SnapshotChainMax = 8

// chain is what a worker knows of its snapshot chain.
type chain struct {
	base   SnapshotRef  // the newest snapshot known stored; zero: none
	root   CheckpointID // the full snapshot base's chain starts from
	depth  int          // deltas between root and base
	epochs []epoch      // snapshots taken after base, oldest first
	// changed are the instances changed since the newest snapshot taken.
	changed map[Address]bool
	// epoch numbers the changes since the newest snapshot taken, for
	// instances to remember whether they are in changed already.
	epoch uint64
	// spare is an emptied set of a stored epoch, for the next epoch to
	// fill: a busy worker changes thousands of instances an interval, and
	// a new set grows through a dozen rehashes or allocates its size anew.
	spare map[Address]bool
}

// epoch is a snapshot taken after the chain's base: what changed before it,
// and where it would sit in the chain once stored.
type epoch struct {
	ref     SnapshotRef
	root    CheckpointID
	depth   int
	changed map[Address]bool
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
// the instances changed since it. It records the snapshot as taken.
func (c *chain) plan(n CheckpointID, gen Generation) (full bool, base SnapshotRef, root CheckpointID, depth int, changed map[Address]bool) {
	full = c.base.IsZero() || c.depth+1 >= SnapshotChainMax
	if full {
		root, depth = n, 0
	} else {
		base, root, depth = c.base, c.root, c.depth+1
		changed = c.changed // no snapshot in flight (the usual case): nothing to merge
	}
	if !full && len(c.epochs) > 0 {
		changed = map[Address]bool{}
		for _, e := range c.epochs {
			for a := range e.changed { // order-independent: fills a set
				changed[a] = true
			}
		}
		for a := range c.changed { // order-independent: fills a set
			changed[a] = true
		}
	}
	c.epochs = append(c.epochs, epoch{ref: SnapshotRef{Checkpoint: n, Gen: gen}, root: root, depth: depth, changed: c.changed})
	c.epoch++
	if c.spare != nil {
		c.changed, c.spare = c.spare, nil
	} else {
		c.changed = make(map[Address]bool, len(c.changed)) // as many as the last interval had
	}
	return full, base, root, depth, changed
}

// stored makes snapshot n the chain's base once its write succeeded: its
// changes, and those of every snapshot before it, are in the store.
func (c *chain) stored(n CheckpointID) {
	for i, e := range c.epochs {
		if e.ref.Checkpoint == n {
			c.base, c.root, c.depth = e.ref, e.root, e.depth
			clear(e.changed)
			c.spare = e.changed
			c.epochs = append(c.epochs[:0:0], c.epochs[i+1:]...)
			return
		}
	}
}

// restored starts the chain again from a restored snapshot.
func (c *chain) restored(s *WorkerSnapshot, source Generation) {
	epoch := c.epoch
	*c = newChain()
	c.epoch = epoch + 1 // no instance's mark may match: none is in changed
	if s.Checkpoint != 0 {
		c.base, c.root, c.depth = SnapshotRef{Checkpoint: s.Checkpoint, Gen: source}, s.Root, s.Depth
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
			instances[in.Address] = in.Entries
		}
		for _, a := range loaded[i].Deleted {
			delete(instances, a)
		}
	}
	newest.Instances = newest.Instances[:0:0]
	for a, entries := range instances { // order-independent: sorted below
		newest.Instances = append(newest.Instances, InstanceSnapshot{Address: a, Entries: entries})
	}
	sortInstances(newest.Instances)
	newest.Deleted = nil
	return &newest
}
