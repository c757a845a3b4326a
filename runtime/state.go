package runtime

import (
	"encoding/binary"
	"fmt"
)

// Codec turns values of type T into state bytes and back.
type Codec[T any] struct {
	Encode func(T) []byte
	Decode func([]byte) (T, error)
}

// Int64Codec stores an int64 as a varint.
var Int64Codec = Codec[int64]{
	Encode: func(v int64) []byte { return binary.AppendVarint(nil, v) },
	Decode: func(b []byte) (int64, error) {
		v, n := binary.Varint(b)
		if n <= 0 || n != len(b) {
			return 0, fmt.Errorf("%w: not an int64", ErrBadBody)
		}
		return v, nil
	},
}

// StringCodec stores a string as its bytes.
var StringCodec = Codec[string]{
	Encode: func(s string) []byte { return []byte(s) },
	Decode: func(b []byte) (string, error) { return string(b), nil },
}

// Value is a typed, named piece of per-instance state, declared once per
// function type and used from its invocations:
//
//	var balance = runtime.Value[int64]{Name: "balance", Codec: runtime.Int64Codec}
//	b, _ := balance.Get(ctx)
//	balance.Set(ctx, b+amount)
type Value[T any] struct {
	Name  string
	Codec Codec[T]
}

// Get returns the instance's value, or T's zero value and false if unset.
// State that no longer decodes is a broken invariant and panics.
func (v Value[T]) Get(ctx Context) (T, bool) {
	b, ok := ctx.Get(v.Name)
	if !ok {
		var zero T
		return zero, false
	}
	x, err := v.Codec.Decode(b)
	if err != nil {
		broken("state %q of %v does not decode: %v", v.Name, ctx.Self(), err)
	}
	return x, true
}

// Set writes the instance's value.
func (v Value[T]) Set(ctx Context, x T) { ctx.Set(v.Name, v.Codec.Encode(x)) }

// Delete removes the instance's value.
func (v Value[T]) Delete(ctx Context) { ctx.Delete(v.Name) }
