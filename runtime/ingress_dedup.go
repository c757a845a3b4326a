package runtime

// ingressIndex makes a worker's ingress idempotent: it holds the ids of
// the records of the worker's partition below upTo. A request appended
// twice under one id (a client, or a producer, that sends it again) is
// routed only the first time it is read. Which record is the first is a
// fact of the durable log, not of the worker's memory, so the index is
// not part of snapshots: a worker that rewinds its offset on recovery
// rebuilds it by rereading the partition below the offset, and skips the
// same records it skipped before. It holds one entry per distinct request
// of the partition, which the workload bounds.
type ingressIndex struct {
	seen map[RequestID]struct{}
	upTo Offset
}

// catchUpIngress rebuilds the index up to the ingress offset, after a
// restore has rewound the offset (or, under BugNoIngressRewind, not).
func (w *Worker) catchUpIngress() {
	ix := &w.ingressIndex
	if ix.upTo > w.ingressOffset {
		broken("%v: ingress index at %d, past the offset %d", w.cfg.ID, ix.upTo, w.ingressOffset)
	}
	for ix.upTo < w.ingressOffset {
		records := w.host.ReadIngress(ix.upTo, min(ingressBatchMax, int(w.ingressOffset-ix.upTo)))
		if len(records) == 0 {
			broken("%v: ingress offset %d is past the end of the partition (%d)", w.cfg.ID, w.ingressOffset, ix.upTo)
		}
		for _, r := range records {
			w.firstRead(r.ID)
		}
	}
}

// firstRead notes the record at the index's end and reports whether it
// is the first of its request id in the partition.
func (w *Worker) firstRead(id RequestID) bool {
	ix := &w.ingressIndex
	if ix.seen == nil {
		ix.seen = map[RequestID]struct{}{}
	}
	ix.upTo++
	if _, dup := ix.seen[id]; dup {
		return w.cfg.Bug == BugNoIngressDedup
	}
	ix.seen[id] = struct{}{}
	return true
}
