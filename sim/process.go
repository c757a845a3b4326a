package sim

import "fmt"

// NodeID names a process in a run: a worker, a coordinator, a client.
type NodeID int32

// String renders the node as "n3".
func (n NodeID) String() string { return fmt.Sprintf("n%d", int32(n)) }

// Message is anything a process sends over the network or sets as a timer.
// Fingerprint is a deterministic digest of its contents; the kernel folds it
// into the trace hash, so it must not depend on pointers or map order.
type Message interface {
	Fingerprint() uint64
}

// Process is an actor the kernel (or the real-time driver) steps. Its methods
// are never called concurrently. A process reaches the world only through the
// Env it is given at Start; a restarted process is a fresh value built by the
// node's factory, so it recovers nothing but what it reads from durable
// storage and logs.
type Process interface {
	// Start is called once per incarnation, before anything else.
	Start(env Env)
	// Receive delivers a message another process sent to this one.
	Receive(from NodeID, msg Message)
	// Fire delivers a timer this incarnation set with Env.After.
	Fire(timer Message)
	// Stored delivers the completion of an asynchronous storage operation
	// this incarnation started.
	Stored(result StoreResult)
}

// Env is the world as a process sees it. The kernel and the real-time driver
// both implement it; process code cannot tell them apart.
type Env interface {
	// Now is the current time in microseconds: virtual under the kernel,
	// wall-clock since the start of the run under the real-time driver.
	Now() Time
	// Self is the node this process runs as.
	Self() NodeID
	// Send puts msg on the link to node to. Links are FIFO and reliable while
	// both ends live, unless the network model says otherwise.
	Send(to NodeID, msg Message)
	// After fires timer back at this process after delay, unless the
	// process crashes first.
	After(delay Time, timer Message)
	// Store starts an asynchronous operation on the durable store; its
	// result arrives through Process.Stored carrying op.Token.
	Store(op StoreOp)
	// Append adds a record to a durable log and returns its offset.
	Append(log string, record Message) Offset
	// Read returns up to max records of a durable log starting at offset from.
	Read(log string, from Offset, max int) []Message
}

// Offset is a position in a durable log; the first record has offset 0.
type Offset int64
