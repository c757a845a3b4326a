package saga

import (
	"strconv"

	"github.com/flowtx/flowtx/protocols"
	"github.com/flowtx/flowtx/runtime"
)

// DescribeMessage renders a saga message's body field by field, for traces
// and golden files; ok is false for a message that is not the saga's or
// does not decode.
func DescribeMessage(m runtime.Message, d protocols.Describer) (s string, ok bool) {
	switch m.Kind {
	case kindStep:
		var c stepCall
		if protocols.Decode(m, &c) != nil {
			return "", false
		}
		return protocols.Fields{"Saga:" + protocols.Addr(c.Saga), "Index:" + strconv.Itoa(c.Index), "Msg:" + d.Msg(c.Msg)}.String(), true
	case kindResult:
		var r stepResult
		if protocols.Decode(m, &r) != nil {
			return "", false
		}
		f := protocols.Fields{"Index:" + strconv.Itoa(r.Index), "OK:" + strconv.FormatBool(r.OK), "Reason:" + protocols.Word(r.Reason)}
		if r.Reply != nil {
			f.Add("Reply", d.Msg(*r.Reply))
		}
		return f.String(), true
	}
	return "", false
}

// stateNames names a saga's step states.
var stateNames = map[int8]string{pending: "pending", succeeded: "succeeded", failed: "failed", compensated: "compensated", unsent: "unsent", compensatedEarly: "compensated-early"}

// DescribeState renders a saga coordinator's plan or progress; ok is
// false for any other state name or a value that does not decode.
func DescribeState(name string, b []byte, d protocols.Describer) (s string, ok bool) {
	switch name {
	case statePlan:
		var pl plan
		if protocols.Unmarshal(b, &pl) != nil {
			return "", false
		}
		f := protocols.Fields{"Caller:" + protocols.Addr(pl.Caller)}
		f.Add("Steps", protocols.List(pl.Steps, func(st Step) string {
			return protocols.Fields{"To:" + protocols.Addr(st.To), "Msg:" + d.Msg(st.Msg), "Compensation:" + d.Msg(st.Compensation)}.String()
		}))
		return f.String(), true
	case stateProgress:
		var p progress
		if protocols.Unmarshal(b, &p) != nil {
			return "", false
		}
		f := protocols.Fields{}
		f.Add("States", protocols.List(p.States, func(s int8) string { return stateNames[s] }))
		f.Add("Replies", protocols.List(p.Replies, d.OptMsg))
		f.Add("Failed", strconv.FormatBool(p.Failed))
		f.Add("Reason", protocols.Word(p.Reason))
		f.Add("Decided", strconv.FormatBool(p.Decided))
		return f.String(), true
	}
	return "", false
}
