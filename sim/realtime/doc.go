// Package realtime is the real-time driver: it runs the same sim.Process
// values the kernel steps, but on goroutines, against the wall clock, with
// in-process channels between nodes and a durable store and logs held in
// memory. Sockets and files come later, behind the same Env.
//
// Process code cannot tell the two drivers apart: it reaches the world only
// through sim.Env, and this package implements Env with the kernel's
// contract. That is the point of having two drivers: protocols are debugged
// under the deterministic kernel and then run unchanged here.
//
// # Use
//
//	d := realtime.New(realtime.Config{})
//	w := d.AddNode(newWorker) // n0, n1, ... as in the kernel
//	d.Start()                 // Env.Now is 0 here
//	err := d.RunUntil(done, 2*time.Second)
//	d.Stop()                  // every node goroutine has ended
//	_ = d.Process(w)          // now safe to inspect, as is d.Store()
//
// A driver lives through three phases, each method allowed only in some:
//
//	New ──AddNode*──► Start ──(RunUntil | Crash | Restart)*──► Stop ──► Process, Store
//
// # What carries over from the kernel
//
//   - A process's callbacks never run concurrently. Each node has one
//     goroutine, which takes Start, Receive, Fire and Stored calls one at a
//     time from the node's mailbox, so process code needs no locks.
//   - Links are FIFO and reliable while both ends live: Send appends to the
//     receiver's mailbox from the sender's goroutine, in send order.
//   - Timers never fire early: Fire sees Env.Now at least the delay after
//     the Now at which After was called. A negative delay counts as zero.
//   - Storage results arrive through Stored, after the callback that started
//     the operation, carrying the operation's Token.
//   - Crash and restart work by incarnation. Every queued callback carries the
//     incarnation it was meant for (and a message also its sender's); a
//     crash ends the incarnation, so its queued messages, its timers, its
//     pending storage results and its own messages still in flight are all
//     dropped. Store writes and log appends it made stay. Restart builds a
//     fresh process with the node's factory and calls its Start first.
//
// # How it differs from the kernel
//
//   - No determinism. Goroutine scheduling decides how messages from
//     different senders, timers and storage results interleave. There is no
//     seed, trace hash or replay; use the kernel to find and replay bugs.
//   - No network or storage model. Links add no latency, loss, duplication,
//     partition or clog, and storage never fails.
//   - Time is the wall clock: Env.Now is microseconds since Start on the
//     monotonic clock.
//   - A crash can land in the middle of a callback. The callback runs to its
//     end (a goroutine cannot be killed), but it belongs to a dead
//     incarnation, so its sends, timers and storage results are dropped;
//     Crash returns only after it has finished.
//   - Crash, Restart, Process and Stop may be called from any goroutine but
//     never from inside a process callback: they wait for callbacks to
//     finish. The kernel's At has no counterpart; a fault schedule here is a
//     goroutine or a time.AfterFunc of the caller's.
//
// # Limits
//
// A node's mailbox holds at most Config.MailboxMax callbacks; a push past it
// panics with the node's name, because a FIFO link may neither block its
// sender forever nor lose a message. At most 1<<20 timers may be pending at
// once; Stop cancels them.
//
// # Seams
//
// The durable store (durable.go) applies operations to a shared sim.Store
// under a mutex. A file-backed store with fsync will replace it behind
// memStore.submit, which already reports completion through a callback.
//
// This package, with cmd, is the only place goroutines and the wall clock
// live; nothing in sim, runtime or the protocols may import it.
package realtime
