// Package realtime is the real-time driver: it runs the same sim.Process
// values the kernel steps, but on goroutines, against the wall clock, with
// in-process channels between nodes, a durable store held in memory or in
// files (Config.StoreDir), and logs held in memory. Sockets and file-backed
// logs come later, behind the same Env.
//
// Process code cannot tell the two drivers apart: it reaches the world only
// through sim.Env, and this package implements Env with the kernel's
// contract. That is the point of having two drivers: protocols are debugged
// under the deterministic kernel and then run unchanged here.
//
// # Use
//
//	d := realtime.New(realtime.Config{StoreDir: dir}) // "" keeps the store in memory
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
// Store and StoreSnapshot may also be called before Start.
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
//     the operation, carrying the operation's Token. A node's operations
//     apply, and their results arrive, in the order it issued them.
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
//     partition or clog. The in-memory store never fails; the file store
//     fails only when the disk does (see below).
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
// once; Stop cancels them. At most 4096 operations wait for the file
// store; Env.Store blocks past that until the disk catches up. A key of the
// file store must fit a 255-byte file name (see below).
//
// # Durable store
//
// Both stores sit behind one seam (durable.go): submit an operation, get its
// result through a callback, which pushes it to the node's mailbox.
//
// With Config.StoreDir empty the store is a sim.Store in memory, under a
// mutex, applied on the caller's goroutine. It outlives node crashes but not
// the driver; Store returns it itself.
//
// With a StoreDir the store is one flat directory (filestore.go), created on
// the first Put, with one file per key. A key maps to a file name
// reversibly (filename.go): "k-" then the key with every byte outside
// [a-z0-9_-] escaped as %XX, so "ckpt/e1/w0" is "k-ckpt%2Fe1%2Fw0". Any key
// of up to 84 bytes fits; a longer one may fail with ErrKeyTooLong.
// Operations run on one worker goroutine per store, never on a node's: it
// applies the operations of all nodes in the order submitted, which keeps
// each node's operations on a key in issue order, at the price of one slow
// fsync delaying every node.
//
//   - Put writes the value to a temporary file (".tmp-*") in the directory,
//     fsyncs it, renames it over the key's file and fsyncs the directory;
//     only then does Stored see it. So a completed Put survives a crash of
//     the OS process or machine, and a reader sees the old value or the
//     new, never part of one. A crash mid-Put can leave a temporary file:
//     List never reports one, and the next driver on the directory removes
//     it.
//   - Delete removes the file (a missing key is fine) and fsyncs the
//     directory. Get reads the file. List reads the directory and returns
//     the keys with the prefix, sorted.
//   - An I/O error becomes StoreResult.Err, naming the operation and key.
//     Unlike the kernel's contract, a Put or Delete whose final directory
//     fsync failed may have changed the store: its effect is visible but
//     perhaps not durable.
//   - A driver started on the same StoreDir sees what earlier ones wrote.
//     One driver at a time may use a directory.
//   - Stop waits for the operations already submitted, so every Put issued
//     before Stop is on disk when it returns (their results are dropped).
//     Store then reads the directory into a fresh sim.Store, and panics if
//     it cannot; StoreSnapshot returns the error instead.
//
// This package, with cmd, is the only place goroutines and the wall clock
// live; nothing in sim, runtime or the protocols may import it.
package realtime
