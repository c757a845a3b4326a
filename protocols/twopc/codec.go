package twopc

import (
	"fmt"

	"github.com/flowtx/flowtx/protocols"
	"github.com/flowtx/flowtx/runtime"
)

// Binary forms of 2PC's messages and state (protocols.Writer): fields in
// declaration order.

func (p prepare) EncodeTo(w *protocols.Writer) {
	w.Str(string(p.Txn))
	w.Address(p.Coordinator)
	w.Int(p.Call)
	w.Message(p.Msg)
	w.Request(p.Stamp)
	w.Bool(p.ReadOnly)
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
func (d *decision) DecodeFrom(r *protocols.Reader) { d.Txn = TxnID(r.Str()) }

func (v vote) EncodeTo(w *protocols.Writer) {
	w.Int(v.Call)
	w.Bool(v.Yes)
	w.Str(v.Reason)
	w.OptMessage(v.Reply)
}

func (v *vote) DecodeFrom(r *protocols.Reader) {
	v.Call = r.Int()
	v.Yes = r.Bool()
	v.Reason = r.Str()
	v.Reply = r.OptMessage()
}

func (b blocked) EncodeTo(w *protocols.Writer) {
	w.Int(b.Call)
	w.Uvarint(uint64(len(b.Holders)))
	for _, h := range b.Holders {
		w.Address(h)
	}
}

func (b *blocked) DecodeFrom(r *protocols.Reader) {
	b.Call = r.Int()
	b.Holders = readAddresses(r)
}

func (p probe) EncodeTo(w *protocols.Writer) {
	w.Address(p.Initiator)
	w.Int(p.Seq)
}

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

func (l *lock) DecodeFrom(r *protocols.Reader) {
	if n := r.Count(); n > 0 {
		l.Holders = make([]holder, n)
		for i := range l.Holders {
			h := &l.Holders[i]
			h.Txn = TxnID(r.Str())
			h.Coordinator = r.Address()
			h.Stamp = r.Request()
			h.Effects = r.Effects()
		}
	}
	l.Shared = r.Bool()
}

// queue is the messages waiting behind a lock, in arrival order.
type queue []runtime.Envelope

func (q queue) EncodeTo(w *protocols.Writer) {
	w.Uvarint(uint64(len(q)))
	for _, e := range q {
		w.Envelope(e)
	}
}

func (q *queue) DecodeFrom(r *protocols.Reader) {
	n := r.Count()
	*q = make(queue, n)
	for i := range *q {
		(*q)[i] = r.Envelope()
	}
}

func (p progress) EncodeTo(w *protocols.Writer) {
	if len(p.Votes) != len(p.Calls) || len(p.Replies) != len(p.Calls) || len(p.Waits) != len(p.Calls) {
		panic(fmt.Sprintf("twopc: progress of %d calls with %d votes, %d replies, %d waits", len(p.Calls), len(p.Votes), len(p.Replies), len(p.Waits)))
	}
	w.Address(p.Caller)
	w.Uvarint(uint64(len(p.Calls)))
	for i, c := range p.Calls {
		w.Address(c.To)
		w.Message(c.Msg)
		w.Bool(c.ReadOnly)
		w.Int(int(p.Votes[i]))
		w.OptMessage(p.Replies[i])
		w.Uvarint(uint64(len(p.Waits[i])))
		for _, h := range p.Waits[i] {
			w.Address(h)
		}
	}
	w.Int(p.Edges)
	w.Uvarint(uint64(len(p.Probed)))
	for _, pr := range p.Probed {
		pr.EncodeTo(w)
	}
}

func (p *progress) DecodeFrom(r *protocols.Reader) {
	p.Caller = r.Address()
	n := r.Count()
	p.Calls, p.Votes = make([]Call, n), make([]int8, n)
	p.Replies, p.Waits = make([]*runtime.Message, n), make([][]runtime.Address, n)
	for i := range n {
		p.Calls[i].To = r.Address()
		p.Calls[i].Msg = r.Message()
		p.Calls[i].ReadOnly = r.Bool()
		p.Votes[i] = int8(r.Int())
		p.Replies[i] = r.OptMessage()
		p.Waits[i] = readAddresses(r)
	}
	p.Edges = r.Int()
	if n := r.Count(); n > 0 {
		p.Probed = make([]probe, n)
		for i := range p.Probed {
			p.Probed[i].DecodeFrom(r)
		}
	}
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
