package runtime

import "slices"

// Pipeline is the plug point of the invocation pipeline: it sees every
// message to an instance before the instance's function does, and decides
// when and how the function runs and what becomes of its effects. A
// transaction protocol's participant side is a Pipeline (lock, run, keep
// the effects aside, apply them on commit), so the runtime itself knows
// nothing of transactions. Without one, a worker runs the function and
// applies its effects at once.
//
// Whatever a pipeline keeps between deliveries (locks, queues, kept
// effects) it must keep in the instance's state, through Instance.Set:
// that is what checkpoints capture and recovery restores.
type Pipeline interface {
	Deliver(in *Instance, e Envelope)
}

// Instance is one instance as a pipeline sees it during one delivery.
type Instance struct {
	w    *Worker
	addr Address
	inst *instance
}

// Address returns the instance's address.
func (in *Instance) Address() Address { return in.addr }

// Get returns a value of the instance's state.
func (in *Instance) Get(name string) ([]byte, bool) {
	return in.inst.state.get(name)
}

// Set writes a value of the instance's state at once.
func (in *Instance) Set(name string, value []byte) {
	in.inst.state.set(name, value, in.w.chain.epoch)
	in.w.chain.touch(in.addr, in.inst)
}

// Delete removes a value of the instance's state at once.
func (in *Instance) Delete(name string) {
	in.inst.state.delete(name, in.w.chain.epoch)
	in.w.chain.touch(in.addr, in.inst)
}

// cachedValue is a pipeline's decoded form of the state value name, valid
// while the state holds exactly the bytes it was decoded from.
type cachedValue struct {
	name  string
	bytes []byte
	value any
}

// instanceCache is an instance's cached values: room for two inline, so
// the first cache of an instance is one allocation (most cache one or
// two values: a saga's plan and progress, a participant's lock).
type instanceCache struct {
	entries []cachedValue
	room    [2]cachedValue
}

// Cached returns what the pipeline cached for state name with SetCached,
// if that state still holds the very bytes it was cached for. The bytes
// stay the truth: any other write (a function's mutation, a restore, which
// rebuilds every instance) replaces them and so invalidates the cache, and
// a checkpoint sees only the bytes. A cache hit saves the pipeline
// decoding its state on every message; the value is shared, so a pipeline
// must not modify what it gets back.
func (in *Instance) Cached(name string) (any, bool) {
	b, _ := in.inst.state.get(name)
	return in.inst.cachedFor(name, b)
}

// SetCached caches value as the decoded form of state name's current
// bytes (see Cached). It caches nothing for an absent or empty value.
func (in *Instance) SetCached(name string, value any) {
	b, _ := in.inst.state.get(name)
	in.inst.setCachedFor(name, b, value)
}

// cachedFor returns the value cached for state name if it was cached for
// exactly the bytes b (the same array, not equal contents: bytes in state
// are never modified, and the cache keeps them alive, so the same array
// means the same value).
func (i *instance) cachedFor(name string, b []byte) (any, bool) {
	if len(b) == 0 {
		return nil, false
	}
	if i.cached == nil {
		return nil, false
	}
	for _, c := range i.cached.entries {
		if c.name == name {
			return c.value, len(c.bytes) == len(b) && &c.bytes[0] == &b[0]
		}
	}
	return nil, false
}

func (i *instance) setCachedFor(name string, b []byte, value any) {
	if len(b) == 0 {
		return
	}
	if i.cached == nil {
		i.cached = &instanceCache{}
		i.cached.entries = i.cached.room[:0]
	}
	for j, c := range i.cached.entries {
		if c.name == name {
			i.cached.entries[j] = cachedValue{name: name, bytes: b, value: value}
			return
		}
	}
	i.cached.entries = append(i.cached.entries, cachedValue{name: name, bytes: b, value: value})
}

// Invoke runs the instance's function on e and returns what it did,
// applying nothing: the effects are the pipeline's to apply, keep or drop.
func (in *Instance) Invoke(e Envelope) (Effects, error) {
	fx, err := in.InvokeInPlace(e)
	return Effects{
		Mutations: slices.Clone(fx.Mutations),
		Sends:     slices.Clone(fx.Sends),
		Delayed:   slices.Clone(fx.Delayed),
		Responses: slices.Clone(fx.Responses),
	}, err
}

// InvokeInPlace is Invoke without the copy: the effects it returns are the
// worker's own buffer, which the next invocation on the worker reuses. A
// pipeline that applies or drops them at once (a saga step) saves four
// allocations per message; one that keeps them (a 2PC prepare) calls
// Invoke. Changing the slices (removing a send, say) is allowed.
func (in *Instance) InvokeInPlace(e Envelope) (*Effects, error) {
	w := in.w
	fn, ok := w.cfg.Registry.Lookup(e.To.Type)
	if !ok {
		return &Effects{}, ErrUnknownType
	}
	w.stats.Invocations++
	w.inv.begin(e, in.inst)
	err := fn(&w.inv, e.Msg)
	return &w.inv.effects, err
}

// Apply applies effects as those of a successful invocation: state writes,
// sends, delayed sends and responses, in that order.
func (in *Instance) Apply(fx Effects) { in.w.apply(in.addr, in.inst, &fx) }

// Fail counts a business failure of e and answers a client that sent it
// directly, as the default pipeline does.
func (in *Instance) Fail(e Envelope, err error) { in.w.fail(e, err) }

// Send routes a message now.
func (in *Instance) Send(e Envelope) { in.w.route(e) }

// Respond answers a client (through transactional egress, if on).
func (in *Instance) Respond(r Response) { in.w.respond(r) }

// Default runs e the way a worker without a pipeline does: invoke the
// function, then apply its effects, or discard them on a business failure.
func (in *Instance) Default(e Envelope) { in.w.invokeDefault(e, in.inst) }
