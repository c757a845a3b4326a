package twopc

import (
	"strconv"

	"github.com/flowtx/flowtx/protocols"
	"github.com/flowtx/flowtx/runtime"
)

// DescribeMessage renders a 2PC message's body field by field, for traces
// and golden files; ok is false for a message that is not 2PC's or does
// not decode.
func DescribeMessage(m runtime.Message, d protocols.Describer) (s string, ok bool) {
	var v interface {
		protocols.Target
		describe(protocols.Describer) string
	}
	switch m.Kind {
	case kindPrepare:
		v = &prepare{}
	case kindCommit, kindAbort:
		v = &decision{}
	case kindVote:
		v = &vote{}
	case kindBlocked:
		v = &blocked{}
	case kindProbe:
		v = &probe{}
	default:
		return "", false
	}
	if protocols.Decode(m, v) != nil {
		return "", false
	}
	return v.describe(d), true
}

// DescribeState renders 2PC state kept under name (a participant's lock or
// queue, a coordinator's progress); ok is false for any other name or a
// value that does not decode.
func DescribeState(name string, b []byte, d protocols.Describer) (s string, ok bool) {
	var v interface {
		protocols.Target
		describe(protocols.Describer) string
	}
	switch name {
	case stateLock:
		v = &lock{}
	case stateQueue:
		v = &queue{}
	case stateCoord:
		v = &progress{}
	default:
		return "", false
	}
	if protocols.Unmarshal(b, v) != nil {
		return "", false
	}
	return v.describe(d), true
}

func (p *prepare) describe(d protocols.Describer) string {
	f := protocols.Fields{"Txn:" + protocols.Word(string(p.Txn)), "Coordinator:" + protocols.Addr(p.Coordinator),
		"Call:" + strconv.Itoa(p.Call), "Msg:" + d.Msg(p.Msg), "Stamp:" + p.Stamp.String()}
	if p.ReadOnly {
		f.Add("ReadOnly", "true")
	}
	return f.String()
}

func (x *decision) describe(protocols.Describer) string {
	return protocols.Fields{"Txn:" + protocols.Word(string(x.Txn))}.String()
}

func (v *vote) describe(d protocols.Describer) string {
	f := protocols.Fields{"Call:" + strconv.Itoa(v.Call), "Yes:" + strconv.FormatBool(v.Yes), "Reason:" + protocols.Word(v.Reason)}
	if v.Replied {
		f.Add("Reply", d.Msg(v.Reply))
	}
	return f.String()
}

func (b *blocked) describe(protocols.Describer) string {
	f := protocols.Fields{"Call:" + strconv.Itoa(b.Call)}
	if len(b.Holders) > 0 {
		f.Add("Holders", protocols.List(b.Holders, protocols.Addr))
	}
	return f.String()
}

func (p *probe) describe(protocols.Describer) string {
	return protocols.Fields{"Initiator:" + protocols.Addr(p.Initiator), "Seq:" + strconv.Itoa(p.Seq)}.String()
}

func (l *lock) describe(d protocols.Describer) string {
	var f protocols.Fields
	if len(l.Holders) > 0 {
		f.Add("Holders", protocols.List(l.Holders, func(h holder) string {
			return protocols.Fields{"Txn:" + protocols.Word(string(h.Txn)), "Coordinator:" + protocols.Addr(h.Coordinator),
				"Stamp:" + h.Stamp.String(), "Effects:" + d.Effects(h.Effects)}.String()
		}))
	}
	if l.Shared {
		f.Add("Shared", "true")
	}
	return f.String()
}

func (q *queue) describe(d protocols.Describer) string { return protocols.List(*q, d.Envelope) }

// voteNames names a coordinator's per-call vote states.
var voteNames = map[int8]string{-1: "no", 0: "none", 1: "yes"}

func (p *progress) describe(d protocols.Describer) string {
	f := protocols.Fields{"Caller:" + protocols.Addr(p.Caller)}
	f.Add("Calls", protocols.List(p.Calls, func(c Call) string {
		cf := protocols.Fields{"To:" + protocols.Addr(c.To), "Msg:" + d.Msg(c.Msg)}
		if c.ReadOnly {
			cf.Add("ReadOnly", "true")
		}
		return cf.String()
	}))
	f.Add("Votes", protocols.List(p.States, func(st callState) string { return voteNames[st.Vote] }))
	f.Add("Replies", protocols.List(p.States, func(st callState) string {
		if !st.Replied {
			return "-"
		}
		return d.Msg(st.Reply)
	}))
	f.Add("Waits", protocols.List(p.States, func(st callState) string {
		if len(st.Waits) == 0 {
			return "-"
		}
		return protocols.List(st.Waits, protocols.Addr)
	}))
	f.Add("Edges", strconv.Itoa(p.Edges))
	if len(p.Probed) > 0 {
		f.Add("Probed", protocols.List(p.Probed, func(pr probe) string { return pr.describe(d) }))
	}
	return f.String()
}

// IsVote reports whether m is a participant's vote, yes or no: fault
// schedules crash a participant's worker right after it votes.
func IsVote(m runtime.Message) bool { return m.Kind == kindVote }

// IsYesVote reports whether m is a participant's yes vote: for tests and
// fault schedules that act on protocol traffic without decoding it.
func IsYesVote(m runtime.Message) bool {
	if m.Kind != kindVote {
		return false
	}
	v, err := decodeVote(m)
	return err == nil && v.Yes
}
