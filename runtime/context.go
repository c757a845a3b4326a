package runtime

// Micros is a span of time in microseconds: virtual under the simulator,
// wall-clock under the real-time driver.
type Micros int64

// Context is what a function sees of the runtime during one invocation.
// Everything it does is buffered as Effects and applied only if the
// function returns nil.
type Context interface {
	// Self is the address of the instance being invoked.
	Self() Address
	// Caller is the address of the function that sent the message, or the
	// zero address if it came from a client through the ingress.
	Caller() Address
	// Request is the client request whose processing caused this
	// invocation; messages sent from here carry it on.
	Request() RequestID

	// Get returns the value of the named state of this instance, seeing
	// this invocation's own writes.
	Get(name string) ([]byte, bool)
	// Set writes the named state. The runtime keeps value: do not modify
	// it afterwards.
	Set(name string, value []byte)
	// Delete removes the named state.
	Delete(name string)

	// Send sends m to the instance at to.
	Send(to Address, m Message)
	// SendAfter sends m to the instance at to, no earlier than delay from now.
	SendAfter(delay Micros, to Address, m Message)
	// Reply answers the message being processed: to the calling function,
	// or, if the message came from the ingress, to the client.
	Reply(m Message)
	// Egress answers the client request this invocation belongs to,
	// however deep in a chain of functions it runs.
	Egress(m Message)

	// Buggify reports whether BUGGIFY point p fires now and, if it does,
	// an extra delay in [1, extraMax]: transaction protocols reach their
	// points through it. It fires only under the simulator, with BUGGIFY
	// on; in real time never.
	Buggify(p Point, extraMax Micros) (extra Micros, fired bool)
}

// Effects are what one invocation did, as data, in the order the function
// did it, as StateFun's remote functions return them. The runtime applies
// them when the function succeeds; a transaction protocol may keep them
// aside instead and apply them on commit.
type Effects struct {
	Mutations []Mutation
	Sends     []Envelope
	Delayed   []DelayedSend
	Responses []Response
}

// Mutation is one state write (or delete) of an invocation.
type Mutation struct {
	Name    string
	Value   []byte
	Deleted bool
}

// DelayedSend is a message to be sent no earlier than Delay after the
// invocation that produced it.
type DelayedSend struct {
	Delay    Micros
	Envelope Envelope
}

func (e *Effects) reset() {
	clear(e.Mutations)
	clear(e.Sends)
	clear(e.Delayed)
	clear(e.Responses)
	e.Mutations, e.Sends, e.Delayed, e.Responses = e.Mutations[:0], e.Sends[:0], e.Delayed[:0], e.Responses[:0]
}

// invocation implements Context for one message. A worker reuses one value
// for all its invocations, so an invocation costs no allocation of its own.
type invocation struct {
	self    Address
	env     Envelope
	inst    *instance
	effects Effects
	buggify Buggify // the worker's; nil never fires
}

func (inv *invocation) begin(env Envelope, inst *instance) {
	inv.self = env.To
	inv.env = env
	inv.inst = inst
	inv.effects.reset()
}

// Cached is Instance.Cached for a function: the value cached with
// SetCached for state name, if the state (as this invocation sees it, its
// own writes included) still holds the bytes it was cached for. A value
// cached for a write the invocation makes stays valid once the write is
// applied, and is invalid if the invocation fails. Under a Context that is
// not the runtime's own (a wrapper, a test double) nothing is cached.
func Cached(ctx Context, name string) (any, bool) {
	inv, ok := ctx.(*invocation)
	if !ok {
		return nil, false
	}
	b, _ := inv.Get(name)
	return inv.inst.cachedFor(name, b)
}

// SetCached caches value as the decoded form of state name as ctx sees it
// now (see Cached).
func SetCached(ctx Context, name string, value any) {
	if inv, ok := ctx.(*invocation); ok {
		b, _ := inv.Get(name)
		inv.inst.setCachedFor(name, b, value)
	}
}

func (inv *invocation) Self() Address      { return inv.self }
func (inv *invocation) Caller() Address    { return inv.env.From }
func (inv *invocation) Request() RequestID { return inv.env.Request }

func (inv *invocation) Get(name string) ([]byte, bool) {
	muts := inv.effects.Mutations
	for i := len(muts) - 1; i >= 0; i-- {
		if muts[i].Name == name {
			return muts[i].Value, !muts[i].Deleted
		}
	}
	return inv.inst.state.get(name)
}

func (inv *invocation) Set(name string, value []byte) {
	inv.effects.Mutations = append(inv.effects.Mutations, Mutation{Name: name, Value: value})
}

func (inv *invocation) Delete(name string) {
	inv.effects.Mutations = append(inv.effects.Mutations, Mutation{Name: name, Deleted: true})
}

func (inv *invocation) Send(to Address, m Message) {
	inv.effects.Sends = append(inv.effects.Sends, inv.envelope(to, m))
}

func (inv *invocation) SendAfter(delay Micros, to Address, m Message) {
	inv.effects.Delayed = append(inv.effects.Delayed, DelayedSend{Delay: max(delay, 0), Envelope: inv.envelope(to, m)})
}

func (inv *invocation) Reply(m Message) {
	if inv.env.From.IsZero() {
		inv.Egress(m)
		return
	}
	inv.Send(inv.env.From, m)
}

func (inv *invocation) Buggify(p Point, extraMax Micros) (Micros, bool) {
	return buggify(inv.buggify, p, extraMax)
}

func (inv *invocation) Egress(m Message) {
	inv.effects.Responses = append(inv.effects.Responses, Response{Request: inv.env.Request, From: inv.self, Msg: m})
}

func (inv *invocation) envelope(to Address, m Message) Envelope {
	return Envelope{From: inv.self, To: to, Request: inv.env.Request, Msg: m}
}
