package protocols

import (
	"strconv"
	"strings"

	"github.com/flowtx/flowtx/runtime"
)

// Describer renders, for traces and golden files, what protocol values
// carry but do not own: messages (a business function's, or another
// protocol's) and state values. The protocols' Describe functions decode
// their own values field by field and hand these to it.
type Describer struct {
	Msg   func(runtime.Message) string
	Value func(name string, v []byte) string
}

// Fields renders a struct as {Name:value ...}, in the order added.
type Fields []string

// Add appends one field.
func (f *Fields) Add(name, value string) { *f = append(*f, name+":"+value) }

func (f Fields) String() string { return "{" + strings.Join(f, " ") + "}" }

// Word renders a string bare if it is a non-empty identifier-like word,
// quoted otherwise.
func Word(s string) string {
	if s != "" && strings.Trim(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789/._#()-") == "" {
		return s
	}
	return strconv.Quote(s)
}

// Addr renders an address, "-" for the zero one.
func Addr(a runtime.Address) string {
	if a.IsZero() {
		return "-"
	}
	return a.String()
}

// List renders items as [a b c].
func List[T any](items []T, f func(T) string) string {
	parts := make([]string, len(items))
	for i, it := range items {
		parts[i] = f(it)
	}
	return "[" + strings.Join(parts, " ") + "]"
}

// OptMsg renders a message that may be absent, "-" if it is.
func (d Describer) OptMsg(m *runtime.Message) string {
	if m == nil {
		return "-"
	}
	return d.Msg(*m)
}

// Envelope renders from->to:msg, "ingress" for a client's request.
func (d Describer) Envelope(e runtime.Envelope) string {
	from := Addr(e.From)
	if e.From.IsZero() {
		from = "ingress"
	}
	return from + "->" + Addr(e.To) + ":" + d.Msg(e.Msg)
}

// Effects renders the non-empty parts of an invocation's effects.
func (d Describer) Effects(fx runtime.Effects) string {
	var f Fields
	if len(fx.Mutations) > 0 {
		f.Add("Mutations", List(fx.Mutations, func(m runtime.Mutation) string {
			if m.Deleted {
				return m.Name + " deleted"
			}
			return m.Name + "=" + d.Value(m.Name, m.Value)
		}))
	}
	if len(fx.Sends) > 0 {
		f.Add("Sends", List(fx.Sends, d.Envelope))
	}
	if len(fx.Delayed) > 0 {
		f.Add("Delayed", List(fx.Delayed, func(s runtime.DelayedSend) string {
			return "{Delay:" + strconv.FormatInt(int64(s.Delay), 10) + " Envelope:" + d.Envelope(s.Envelope) + "}"
		}))
	}
	if len(fx.Responses) > 0 {
		f.Add("Responses", List(fx.Responses, func(r runtime.Response) string {
			return Fields{"Request:" + r.Request.String(), "From:" + Addr(r.From), "Msg:" + d.Msg(r.Msg), "Failure:" + Word(r.Failure)}.String()
		}))
	}
	return f.String()
}
