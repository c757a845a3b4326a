package saga

import (
	"fmt"

	"github.com/flowtx/flowtx/protocols"
	"github.com/flowtx/flowtx/runtime"
)

// Binary forms of the saga's messages and state (protocols.Writer):
// fields in declaration order.

func (c stepCall) EncodeTo(w *protocols.Writer) {
	w.Address(c.Saga)
	w.Int(c.Index)
	w.Message(c.Msg)
}

func (c stepCall) SizeMax() int {
	return protocols.SizeAddress(c.Saga) + protocols.SizeInt + protocols.SizeMessage(c.Msg)
}

func (c *stepCall) DecodeFrom(r *protocols.Reader) {
	c.Saga = r.Address()
	c.Index = r.Int()
	c.Msg = r.Message()
}

func (s stepResult) EncodeTo(w *protocols.Writer) {
	w.Int(s.Index)
	w.Bool(s.OK)
	w.Str(s.Reason)
	w.OptMessage(s.Reply)
}

func (s stepResult) SizeMax() int {
	return protocols.SizeInt + protocols.SizeBool + protocols.SizeStr(len(s.Reason)) + protocols.SizeOptMessage(s.Reply)
}

func (s *stepResult) DecodeFrom(r *protocols.Reader) {
	s.Index = r.Int()
	s.OK = r.Bool()
	s.Reason = r.Str()
	s.Reply = r.OptMessage()
}

func (pl plan) EncodeTo(w *protocols.Writer) {
	w.Address(pl.Caller)
	w.Uvarint(uint64(len(pl.Steps)))
	for _, st := range pl.Steps {
		w.Address(st.To)
		w.Message(st.Msg)
		w.Message(st.Compensation)
	}
}

func (pl plan) SizeMax() int {
	n := protocols.SizeAddress(pl.Caller) + protocols.SizeInt
	for _, st := range pl.Steps {
		n += protocols.SizeAddress(st.To) + protocols.SizeMessage(st.Msg) + protocols.SizeMessage(st.Compensation)
	}
	return n
}

func (pl *plan) DecodeFrom(r *protocols.Reader) {
	pl.Caller = r.Address()
	pl.Steps = make([]Step, r.Count())
	for i := range pl.Steps {
		pl.Steps[i].To = r.Address()
		pl.Steps[i].Msg = r.Message()
		pl.Steps[i].Compensation = r.Message()
	}
}

func (p progress) EncodeTo(w *protocols.Writer) {
	if len(p.Replies) != len(p.States) {
		panic(fmt.Sprintf("saga: progress of %d states with %d replies", len(p.States), len(p.Replies)))
	}
	w.Uvarint(uint64(len(p.States)))
	for i, st := range p.States {
		w.Int(int(st))
		w.OptMessage(p.Replies[i])
	}
	w.Bool(p.Failed)
	w.Str(p.Reason)
	w.Bool(p.Decided)
}

func (p progress) SizeMax() int {
	n := protocols.SizeInt + 2*protocols.SizeBool + protocols.SizeStr(len(p.Reason))
	for i := range p.States {
		n += protocols.SizeInt + protocols.SizeOptMessage(p.Replies[i])
	}
	return n
}

func (p *progress) DecodeFrom(r *protocols.Reader) {
	n := r.Count()
	p.States, p.Replies = make([]int8, n), make([]*runtime.Message, n)
	for i := range n {
		p.States[i] = int8(r.Int())
		p.Replies[i] = r.OptMessage()
	}
	p.Failed = r.Bool()
	p.Reason = r.Str()
	p.Decided = r.Bool()
}

// encodeStep, encodeResult, decodeStep and decodeResult write and read the
// binary form (protocols.Marshal's) on the concrete types: every step
// sends one of each, and through the Value and Target interfaces each
// cost two or three allocations more (protocols.NewWriter).
func encodeStep(c stepCall) runtime.Message {
	w := protocols.NewWriter(c.SizeMax())
	c.EncodeTo(&w)
	return runtime.Message{Kind: kindStep, Body: w.Bytes()}
}

func encodeResult(s stepResult) runtime.Message {
	w := protocols.NewWriter(s.SizeMax())
	s.EncodeTo(&w)
	return runtime.Message{Kind: kindResult, Body: w.Bytes()}
}

func decodeStep(m runtime.Message) (stepCall, error) {
	var c stepCall
	r := protocols.Open(m.Body)
	c.DecodeFrom(&r)
	return c, protocols.BadBody(m, r.End())
}

func decodeResult(m runtime.Message) (stepResult, error) {
	var s stepResult
	r := protocols.Open(m.Body)
	s.DecodeFrom(&r)
	return s, protocols.BadBody(m, r.End())
}
