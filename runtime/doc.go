// Package runtime is flowtx's stateful-function core: StateFun's programming
// model on a dataflow of workers, as a pure state machine that a driver
// steps.
//
// # Programming model
//
// A function type is registered under a FuncType with code of type
// Function. An instance is an Address{Type, ID}; it owns named state and
// handles one message at a time, in arrival order. Through its Context an
// invocation reads and writes state (raw bytes, or typed through Value),
// sends messages to any address (Send, SendAfter) and answers the client
// (Reply, Egress). Everything an invocation does is buffered as Effects and
// applied only if the function returns nil; a returned error is a business
// failure that leaves no trace except a failed response to a client that
// called the function directly.
//
// # Workers
//
// An address hashes to one of KeyGroups key groups; contiguous ranges of
// key groups belong to one Worker each. A worker keeps a FIFO run queue:
// messages to its own instances never leave it, messages to other workers
// go through Host.Send on FIFO channels. Client requests are records of an
// ingress log, one partition per worker (a request goes to the partition of
// the worker that owns its target); the worker consumes its partition at an
// offset, so the log can be replayed from any offset. Responses leave
// through Host.Release.
//
// # Purity
//
// The package has no goroutines, reads no clock, draws no random numbers and
// does no I/O. Everything reaches it through Worker's methods (Start,
// Receive, PollIngress, Fire) and leaves through the Host interface, which the
// simulator and the real-time driver implement. Given the same calls in the
// same order, a worker makes the same Host calls in the same order.
//
// # Limits
//
// A step runs at most drainMax invocations and reads at most
// ingressBatchMax ingress records before the worker yields with a kick
// timer, so one event's work is bounded even when functions message each
// other in a cycle.
package runtime
