package twopc

import (
	"fmt"

	"github.com/flowtx/flowtx/protocols"
	"github.com/flowtx/flowtx/runtime"
)

// Binary forms of 2PC's messages and state (protocols.Writer): fields in
// declaration order. Every message is encoded and decoded on its concrete
// type (protocols.NewWriter, protocols.Open), in a buffer its SizeMax
// bounds: through protocols.Marshal and Decode, whose Value and Target are
// interfaces, the value, the writer and the reader went to the heap, two
// or three allocations per message, and the lock, whose kept effects grow
// with the function's state, outgrew Marshal's default buffer.

func (p prepare) EncodeTo(w *protocols.Writer) {
	w.Str(string(p.Txn))
	w.Address(p.Coordinator)
	w.Int(p.Call)
	w.Message(p.Msg)
	w.Request(p.Stamp)
	w.Bool(p.ReadOnly)
}

func (p prepare) SizeMax() int {
	return protocols.SizeStr(len(p.Txn)) + protocols.SizeAddress(p.Coordinator) + protocols.SizeInt +
		protocols.SizeMessage(p.Msg) + protocols.SizeRequest + protocols.SizeBool
}

func (p *prepare) DecodeFrom(r *protocols.Reader) {
	p.Txn = TxnID(r.Str())
	p.Coordinator = r.Address()
	p.Call = r.Int()
	p.Msg = r.Message()
	p.Stamp = r.Request()
	p.ReadOnly = r.Bool()
}

func (d decision) EncodeTo(w *protocols.Writer)    { w.Str(string(d.Txn)) }
func (d decision) SizeMax() int                    { return protocols.SizeStr(len(d.Txn)) }
func (d *decision) DecodeFrom(r *protocols.Reader) { d.Txn = TxnID(r.Str()) }

// The reply of a vote is written as protocols.Writer.OptMessage writes a
// message that may be absent, a presence byte then the message.
func (v vote) EncodeTo(w *protocols.Writer) {
	w.Int(v.Call)
	w.Bool(v.Yes)
	w.Str(v.Reason)
	writeReply(w, v.Replied, v.Reply)
}

func (v vote) SizeMax() int {
	return protocols.SizeInt + protocols.SizeBool + protocols.SizeStr(len(v.Reason)) + sizeReply(v.Replied, v.Reply)
}

func (v *vote) DecodeFrom(r *protocols.Reader) {
	v.Call = r.Int()
	v.Yes = r.Bool()
	v.Reason = r.Str()
	v.Replied, v.Reply = readReply(r)
}

func writeReply(w *protocols.Writer, replied bool, m runtime.Message) {
	w.Bool(replied)
	if replied {
		w.Message(m)
	}
}

func sizeReply(replied bool, m runtime.Message) int {
	if !replied {
		return protocols.SizeBool
	}
	return protocols.SizeBool + protocols.SizeMessage(m)
}

func readReply(r *protocols.Reader) (bool, runtime.Message) {
	if !r.Bool() {
		return false, runtime.Message{}
	}
	return true, r.Message()
}

func (b blocked) EncodeTo(w *protocols.Writer) {
	w.Int(b.Call)
	writeAddresses(w, b.Holders)
}

func (b blocked) SizeMax() int { return protocols.SizeInt + sizeAddresses(b.Holders) }

func (b *blocked) DecodeFrom(r *protocols.Reader) {
	b.Call = r.Int()
	b.Holders = readAddresses(r)
}

func (p probe) EncodeTo(w *protocols.Writer) {
	w.Address(p.Initiator)
	w.Int(p.Seq)
}

func (p probe) SizeMax() int { return protocols.SizeAddress(p.Initiator) + protocols.SizeInt }

func (p *probe) DecodeFrom(r *protocols.Reader) {
	p.Initiator = r.Address()
	p.Seq = r.Int()
}

func (l lock) EncodeTo(w *protocols.Writer) {
	w.Uvarint(uint64(len(l.Holders)))
	for _, h := range l.Holders {
		w.Str(string(h.Txn))
		w.Address(h.Coordinator)
		w.Request(h.Stamp)
		w.Effects(h.Effects)
	}
	w.Bool(l.Shared)
}

func (l lock) SizeMax() int {
	n := protocols.SizeInt + protocols.SizeBool
	for _, h := range l.Holders {
		n += protocols.SizeStr(len(h.Txn)) + protocols.SizeAddress(h.Coordinator) + protocols.SizeRequest + protocols.SizeEffects(h.Effects)
	}
	return n
}

func (l *lock) DecodeFrom(r *protocols.Reader) { *l = decodeLock(r, nil) }

// decodeLock is lock.DecodeFrom, the holders decoded into room if it has
// room for them all.
func decodeLock(r *protocols.Reader, room []holder) lock {
	var l lock
	if n := r.Count(); n > 0 {
		l.Holders = room[:0]
		if n > cap(room) {
			l.Holders = make([]holder, 0, n)
		}
		l.Holders = l.Holders[:n]
		for i := range l.Holders {
			h := &l.Holders[i]
			h.Txn = TxnID(r.Str())
			h.Coordinator = r.Address()
			h.Stamp = r.Request()
			h.Effects = r.Effects()
		}
	}
	l.Shared = r.Bool()
	return l
}

// queue is the messages waiting behind a lock, in arrival order.
type queue []runtime.Envelope

func (q queue) EncodeTo(w *protocols.Writer) {
	w.Uvarint(uint64(len(q)))
	for _, e := range q {
		w.Envelope(e)
	}
}

func (q queue) SizeMax() int {
	n := protocols.SizeInt
	for _, e := range q {
		n += protocols.SizeEnvelope(e)
	}
	return n
}

func (q *queue) DecodeFrom(r *protocols.Reader) {
	n := r.Count()
	*q = make(queue, n)
	for i := range *q {
		(*q)[i] = r.Envelope()
	}
}

// A progress's form lists, per call, the call then where it stands.
func (p progress) EncodeTo(w *protocols.Writer) {
	if len(p.States) != len(p.Calls) {
		panic(fmt.Sprintf("twopc: progress of %d calls with %d states", len(p.Calls), len(p.States)))
	}
	w.Address(p.Caller)
	w.Uvarint(uint64(len(p.Calls)))
	for i, c := range p.Calls {
		st := &p.States[i]
		w.Address(c.To)
		w.Message(c.Msg)
		w.Bool(c.ReadOnly)
		w.Int(int(st.Vote))
		writeReply(w, st.Replied, st.Reply)
		writeAddresses(w, st.Waits)
	}
	w.Int(p.Edges)
	w.Uvarint(uint64(len(p.Probed)))
	for _, pr := range p.Probed {
		pr.EncodeTo(w)
	}
}

func (p progress) SizeMax() int {
	n := protocols.SizeAddress(p.Caller) + 3*protocols.SizeInt
	for i, c := range p.Calls {
		st := &p.States[i]
		n += protocols.SizeAddress(c.To) + protocols.SizeMessage(c.Msg) + protocols.SizeBool + protocols.SizeInt +
			sizeReply(st.Replied, st.Reply) + sizeAddresses(st.Waits)
	}
	for _, pr := range p.Probed {
		n += pr.SizeMax()
	}
	return n
}

func (p *progress) DecodeFrom(r *protocols.Reader) {
	p.Caller = r.Address()
	n := r.Count()
	p.Calls, p.States = make([]Call, n), make([]callState, n)
	for i := range n {
		c, st := &p.Calls[i], &p.States[i]
		c.To = r.Address()
		c.Msg = r.Message()
		c.ReadOnly = r.Bool()
		st.Vote = int8(r.Int())
		st.Replied, st.Reply = readReply(r)
		st.Waits = readAddresses(r)
	}
	p.Edges = r.Int()
	if n := r.Count(); n > 0 {
		p.Probed = make([]probe, n)
		for i := range p.Probed {
			p.Probed[i].DecodeFrom(r)
		}
	}
}

func writeAddresses(w *protocols.Writer, as []runtime.Address) {
	w.Uvarint(uint64(len(as)))
	for _, a := range as {
		w.Address(a)
	}
}

func sizeAddresses(as []runtime.Address) int {
	n := protocols.SizeInt
	for _, a := range as {
		n += protocols.SizeAddress(a)
	}
	return n
}

func readAddresses(r *protocols.Reader) []runtime.Address {
	n := r.Count()
	if n == 0 {
		return nil
	}
	as := make([]runtime.Address, n)
	for i := range as {
		as[i] = r.Address()
	}
	return as
}

// The messages' encoders and decoders. A decode error is wrapped as
// protocols.Decode wraps it.

func encodePrepare(p prepare) runtime.Message {
	w := protocols.NewWriter(p.SizeMax())
	p.EncodeTo(&w)
	return runtime.Message{Kind: kindPrepare, Body: w.Bytes()}
}

func decodePrepare(m runtime.Message) (prepare, error) {
	var p prepare
	r := protocols.Open(m.Body)
	p.DecodeFrom(&r)
	return p, protocols.BadBody(m, r.End())
}

// encodeDecision encodes a commit or an abort (kind).
func encodeDecision(kind string, d decision) runtime.Message {
	w := protocols.NewWriter(d.SizeMax())
	d.EncodeTo(&w)
	return runtime.Message{Kind: kind, Body: w.Bytes()}
}

func decodeDecision(m runtime.Message) (decision, error) {
	var d decision
	r := protocols.Open(m.Body)
	d.DecodeFrom(&r)
	return d, protocols.BadBody(m, r.End())
}

func encodeVote(v vote) runtime.Message {
	w := protocols.NewWriter(v.SizeMax())
	v.EncodeTo(&w)
	return runtime.Message{Kind: kindVote, Body: w.Bytes()}
}

func decodeVote(m runtime.Message) (vote, error) {
	var v vote
	r := protocols.Open(m.Body)
	v.DecodeFrom(&r)
	return v, protocols.BadBody(m, r.End())
}

func encodeBlocked(b blocked) runtime.Message {
	w := protocols.NewWriter(b.SizeMax())
	b.EncodeTo(&w)
	return runtime.Message{Kind: kindBlocked, Body: w.Bytes()}
}

func decodeBlocked(m runtime.Message) (blocked, error) {
	var b blocked
	r := protocols.Open(m.Body)
	b.DecodeFrom(&r)
	return b, protocols.BadBody(m, r.End())
}

func encodeProbe(p probe) runtime.Message {
	w := protocols.NewWriter(p.SizeMax())
	p.EncodeTo(&w)
	return runtime.Message{Kind: kindProbe, Body: w.Bytes()}
}

func decodeProbe(m runtime.Message) (probe, error) {
	var p probe
	r := protocols.Open(m.Body)
	p.DecodeFrom(&r)
	return p, protocols.BadBody(m, r.End())
}
