package sim

// TraceHash is a running 64-bit digest over a deterministic description of
// every event a run processes. Two runs with the same seed and the same code
// end with the same hash; the first differing event changes it for good.
type TraceHash uint64

// Add folds one word into the hash.
func (h *TraceHash) Add(x uint64) {
	*h = TraceHash(mix64(uint64(*h) ^ mix64(x+0x9e3779b97f4a7c15)))
}

// AddString folds a string into the hash.
func (h *TraceHash) AddString(s string) {
	h.Add(Fingerprint(s))
}

// Fingerprint is FNV-1a over s: a deterministic 64-bit digest for use in
// message fingerprints.
func Fingerprint(s string) uint64 {
	const offset, prime = 14695981039346656037, 1099511628211
	h := uint64(offset)
	for i := 0; i < len(s); i++ {
		h ^= uint64(s[i])
		h *= prime
	}
	return h
}

// FingerprintBytes is Fingerprint over a byte slice.
func FingerprintBytes(b []byte) uint64 {
	const offset, prime = 14695981039346656037, 1099511628211
	h := uint64(offset)
	for _, c := range b {
		h ^= uint64(c)
		h *= prime
	}
	return h
}

// String renders the hash as 16 hex digits, as `flowtx replay` prints it.
func (h TraceHash) String() string {
	const digits = "0123456789abcdef"
	var b [16]byte
	for i := 15; i >= 0; i-- {
		b[i] = digits[uint64(h)>>(4*(15-i))&0xf]
	}
	return string(b[:])
}

// StoreOp returns the storage operation a "store" or "drop-store" event
// completed, without its value, and whether it failed; ok is false for any
// other event. Tools that draw a run (flowtx replay --timeline) need the
// key and the outcome, which the event's message keeps unexported.
func (t TraceEvent) StoreOp() (op StoreOp, failed, ok bool) {
	p, ok := t.Msg.(*pendingStore)
	if !ok {
		return StoreOp{}, false, false
	}
	op = p.op
	op.Value = nil
	return op, p.fail, true
}
