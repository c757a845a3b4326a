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

func (s *stepResult) DecodeFrom(r *protocols.Reader) {
	s.Index = r.Int()
	s.OK = r.Bool()
	s.Reason = r.Str()
	s.Reply = r.OptMessage()
}

func (p progress) EncodeTo(w *protocols.Writer) {
	if len(p.States) != len(p.Steps) || len(p.Replies) != len(p.Steps) {
		panic(fmt.Sprintf("saga: progress of %d steps with %d states, %d replies", len(p.Steps), len(p.States), len(p.Replies)))
	}
	w.Address(p.Caller)
	w.Uvarint(uint64(len(p.Steps)))
	for i, st := range p.Steps {
		w.Address(st.To)
		w.Message(st.Msg)
		w.Message(st.Compensation)
		w.Int(int(p.States[i]))
		w.OptMessage(p.Replies[i])
	}
	w.Bool(p.Failed)
	w.Str(p.Reason)
	w.Bool(p.Decided)
}

func (p *progress) DecodeFrom(r *protocols.Reader) {
	p.Caller = r.Address()
	n := r.Count()
	p.Steps, p.States, p.Replies = make([]Step, n), make([]int8, n), make([]*runtime.Message, n)
	for i := range n {
		p.Steps[i].To = r.Address()
		p.Steps[i].Msg = r.Message()
		p.Steps[i].Compensation = r.Message()
		p.States[i] = int8(r.Int())
		p.Replies[i] = r.OptMessage()
	}
	p.Failed = r.Bool()
	p.Reason = r.Str()
	p.Decided = r.Bool()
}
