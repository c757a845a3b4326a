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
	v, ok := in.inst.state[name]
	return v, ok
}

// Set writes a value of the instance's state at once.
func (in *Instance) Set(name string, value []byte) {
	in.inst.state[name] = value
	in.w.chain.touch(in.addr)
}

// Delete removes a value of the instance's state at once.
func (in *Instance) Delete(name string) {
	delete(in.inst.state, name)
	in.w.chain.touch(in.addr)
}

// Invoke runs the instance's function on e and returns what it did,
// applying nothing: the effects are the pipeline's to apply, keep or drop.
func (in *Instance) Invoke(e Envelope) (Effects, error) {
	w := in.w
	fn, ok := w.cfg.Registry.Lookup(e.To.Type)
	if !ok {
		return Effects{}, ErrUnknownType
	}
	w.stats.Invocations++
	w.inv.begin(e, in.inst.state)
	err := fn(&w.inv, e.Msg)
	fx := &w.inv.effects
	return Effects{
		Mutations: slices.Clone(fx.Mutations),
		Sends:     slices.Clone(fx.Sends),
		Delayed:   slices.Clone(fx.Delayed),
		Responses: slices.Clone(fx.Responses),
	}, err
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
