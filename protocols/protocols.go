// Package protocols holds what the transaction protocols share: how their
// messages and state are encoded, and the small adapters between a
// coordinator's declaration and the runtime. The protocols themselves live
// in twopc and saga; see docs/protocols.md.
package protocols

import (
	"fmt"

	"github.com/flowtx/flowtx/runtime"
)

// Decode parses a protocol message's body (its binary form, codec.go) into
// v, through the Target interface: the protocols' describe functions use
// it; their hot paths decode on their own types (Open, End).
func Decode(m runtime.Message, v Target) error {
	return BadBody(m, Unmarshal(m.Body, v))
}

// BadBody wraps an error decoding m's body in runtime.ErrBadBody, naming
// m's kind; it returns nil for nil. Protocols that decode on their own
// types (Open, End) report their errors through it, as Decode does.
func BadBody(m runtime.Message, err error) error {
	if err != nil {
		return fmt.Errorf("%w: %s: %v", runtime.ErrBadBody, m.Kind, err)
	}
	return nil
}

// Load reads protocol state kept under name in an instance's state.
func Load(ctx runtime.Context, name string, v Target) bool {
	b, ok := ctx.Get(name)
	if !ok {
		return false
	}
	if err := Unmarshal(b, v); err != nil {
		panic(fmt.Sprintf("protocols: %v: corrupt %q: %v", ctx.Self(), name, err))
	}
	return true
}

// TakeReplyMsg removes a function's answer to its caller from its effects
// and returns it: a participant sends it back with its vote or step result
// instead of as a message of its own.
func TakeReplyMsg(fx *runtime.Effects, caller runtime.Address) (runtime.Message, bool) {
	for i, s := range fx.Sends {
		if s.To == caller {
			fx.Sends = append(fx.Sends[:i], fx.Sends[i+1:]...)
			return s.Msg, true
		}
	}
	return runtime.Message{}, false
}

// ReplyTo wraps the context a coordinator's outcome handler runs in, so
// that Reply answers whoever sent the request (a client, through egress, or
// a function), not the participant whose message completed it.
func ReplyTo(ctx runtime.Context, caller runtime.Address) runtime.Context {
	return replyTo{Context: ctx, caller: caller}
}

type replyTo struct {
	runtime.Context
	caller runtime.Address
}

func (r replyTo) Reply(m runtime.Message) {
	if r.caller.IsZero() {
		r.Egress(m)
		return
	}
	r.Send(r.caller, m)
}
