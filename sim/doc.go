// Package sim is flowtx's deterministic discrete-event kernel. It owns
// virtual time, the event queue, every random draw, the network, durable
// storage and logs, and the crash and restart of processes, and it folds
// every event it processes into a trace hash. It knows no protocol: workers,
// coordinators and clients run on it as Process values, and the same values
// run unchanged under the real-time driver in sim/realtime.
//
// # Processes and Env
//
// A Process has four callbacks: Start (once per incarnation, before anything
// else), Receive (a message from another node), Fire (a timer it set) and
// Stored (the completion of a storage operation it started). The kernel
// never calls them concurrently, so process code needs no locks. A process
// reaches the world only through the Env it is given at Start: Now, Self,
// Send, After, Store, Append and Read. Nodes are numbered 0, 1, 2... in the
// order AddNode registers them.
//
// # Event order
//
// Every callback, and every function scheduled with Sim.At, is an event in
// one queue ordered by (virtual time, sequence number). The sequence number
// is taken when the event is scheduled, so events due at the same time run in
// the order they were scheduled, and the order is total: one seed and one
// program give one sequence of events. Time is in microseconds (Time), moves
// only forward, and jumps to each event's time as it is processed. After
// and Store clamp their delays to [now, Never] and At moves a time already
// passed to now; a Network that returns a time in the past is a bug, and
// Step panics on it.
//
// # Incarnations and crashes
//
// Each node counts incarnations; Crash and Restart both advance the count.
// An event remembers the incarnation of the node it is for and, for a
// message, of its sender. Crash drops the node's process at once, and every
// event meant for the old incarnation is dropped when it comes up: messages
// in flight to it, messages it sent that are still in flight, its timers and
// its storage completions. A dropped event is still traced and hashed, with
// its kind prefixed "drop-". A crash does not undo the world: storage
// operations the dead incarnation started still apply when they complete,
// as a real object store would, and its log appends stay. Restart builds a
// fresh process with the node's factory and schedules its Start at the
// current time; it knows only what it reads back from the store and logs.
//
// # Network and storage
//
// Config.Network decides, for each message sent, when and how many times it
// arrives: Network.Transit returns no delivery time (lost), one, or several
// (duplicated), and equal times are delivered in send order. The default,
// Links with DefaultLatency, gives each message 100us ± 50us and never less
// than 50us, and keeps every link FIFO, as TCP does; Links can also drop,
// duplicate and reorder messages, and cut or clog links over time windows.
// Sim.Network returns the model so that a fault schedule can change it
// mid-run.
//
// Config.Storage plans each storage operation's latency and whether it
// fails; the default Disk takes 1 to 5ms and never fails. The contents live
// in a Store that survives every crash. An operation is applied when its
// completion event is processed, and a failed Put or Delete changes nothing
// and reports ErrStoreFault.
//
// # Durable logs
//
// Append adds a record to a named log and returns its offset at once: no
// latency, no failure, and the record survives every crash. Read returns
// records from an offset. The scenarios keep their ingress partitions here.
// An append is traced ("append") and hashed, with its log and offset, but it
// is not a queued event and is not counted in Sim.Events; neither is a crash.
//
// # Randomness
//
// Every random draw comes from a Streams value: one math/rand/v2 PCG
// generator per subsystem name, seeded from the run seed and the name's
// FNV-1a hash, so that one more draw in one subsystem (say, a fault) does not
// shift what any other subsystem sees. The kernel draws network delays from
// "sim/network" and storage plans from "sim/storage"; Sim.Stream hands
// other subsystems theirs. Each call returns a fresh generator at the start
// of its sequence: ask once per subsystem and keep it.
//
// # Trace hash
//
// The kernel folds the seed, and then each processed event's time, kind,
// node, sender and message Fingerprint, into a TraceHash. Same seed and same
// code give the same hash; the first event that differs changes it for good.
// That is why Message.Fingerprint must be a digest of contents only, never
// of pointers or map order. SetTracer hands each event to a function as a
// TraceEvent, after hashing it; tracing never changes the run.
// TestTraceHashGolden pins the hash of one run, so a change that moves it is
// either deliberate (and updates the test) or a determinism regression.
//
// # Use
//
//	s := sim.New(sim.Config{Seed: 42}) // default network and disk
//	a := s.AddNode(func() sim.Process { return &pinger{} })
//	s.AddNode(func() sim.Process { return sink{} })
//	s.At(5*sim.Millisecond, func() { s.Crash(a) })
//	s.At(8*sim.Millisecond, func() { s.Restart(a) })
//	s.SetTracer(func(e sim.TraceEvent) { fmt.Println(e) }) // "1.082ms deliver n1<-n0"
//	if err := s.Run(20 * sim.Millisecond); err != nil {
//		return err // ErrEventsMax
//	}
//	fmt.Println(s.Events(), s.Hash()) // the same for the same seed and code
//
// Run processes events up to a time; RunWhile up to a condition; Step one
// at a time. Afterwards Process, Store and Hash inspect the outcome.
//
// # Determinism rules
//
// A run is one goroutine; Sim is not safe for concurrent use, and
// parallelism comes from running many seeds at once. The packages a
// simulation runs (sim, runtime, protocols, faults, checker, scenarios) may
// not import time, os, net, sync (sync/atomic excepted), math/rand or
// crypto/rand, start goroutines, select over several channels, draw from the
// global math/rand/v2 source, or let map iteration order reach behaviour.
// TestDeterminismLint enforces this, and TestDeterminismLintCatchesPlanted
// proves the lint against the known-bad file in testdata/planted.
//
// # Limits
//
// A run processes at most Config.EventsMax events (default 100 million);
// past it, Step, Run and RunWhile return ErrEventsMax, which flags a
// livelock or a limit set too low. Step on an empty queue returns ErrIdle.
// Time saturates at Never. Sending to a node that was never added panics.
package sim
