package runtime

import (
	"errors"
	"fmt"
	"sort"
)

// Function is the code of a function type. It is invoked with one message
// at a time per instance; it reads and writes the instance's state and sends
// messages through ctx. Returning an error is a business failure: every state
// change, send and response of this invocation is discarded, and a client
// that sent the message gets a failed response.
type Function func(ctx Context, msg Message) error

// ErrDuplicateType is returned when a function type is registered twice.
var ErrDuplicateType = errors.New("runtime: function type already registered")

// Registry maps function types to their code. A job's workers share one
// registry, built before the job starts and never changed after.
type Registry struct {
	funcs map[FuncType]Function
}

// NewRegistry returns an empty registry.
func NewRegistry() *Registry {
	return &Registry{funcs: map[FuncType]Function{}}
}

// Register adds a function type.
func (r *Registry) Register(t FuncType, f Function) error {
	if t == "" || f == nil {
		return fmt.Errorf("runtime: register %q: empty type or nil function", t)
	}
	if _, ok := r.funcs[t]; ok {
		return fmt.Errorf("%w: %q", ErrDuplicateType, t)
	}
	r.funcs[t] = f
	return nil
}

// Lookup returns the code of type t.
func (r *Registry) Lookup(t FuncType) (Function, bool) {
	f, ok := r.funcs[t]
	return f, ok
}

// Types returns the registered types, sorted.
func (r *Registry) Types() []FuncType {
	types := make([]FuncType, 0, len(r.funcs))
	for t := range r.funcs {
		types = append(types, t)
	}
	sort.Slice(types, func(i, j int) bool { return types[i] < types[j] })
	return types
}
