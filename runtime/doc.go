// Package runtime is flowtx's stateful-function core: StateFun's programming
// model on a dataflow of workers, with exactly-once checkpoints and
// recovery, as pure state machines that a driver steps.
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
// called the function directly. Function code never sees a failure of the
// machinery: crashes are undone by recovery, below.
//
// Config.Pipeline is the plug point between a message's arrival and its
// function: a Pipeline sees every message to an instance and decides,
// through Instance, when the function runs (Invoke returns its effects as
// data) and what becomes of the effects (Apply, or keep them aside, or
// drop them). The transaction protocols' participant side is meant to be
// one. Whatever a pipeline keeps between deliveries it keeps in instance
// state, which is what checkpoints capture. Without a pipeline a worker
// invokes and applies at once (Instance.Default).
//
// # Workers
//
// An address hashes to one of KeyGroups key groups; contiguous ranges of
// key groups belong to one Worker each (Placement). A worker keeps a FIFO
// run queue: messages to its own instances never leave it, messages to
// other workers go through Host.Send as Transfer packets on FIFO channels.
// Client requests are records of an ingress log, one partition per worker
// (a request goes to the partition of the worker that owns its target); the
// worker consumes its partition at an offset, so the log can be replayed
// from any offset. Responses leave through Host.Release as EgressBatch
// values: at once, or, with Config.ExactlyOnce, only once the checkpoint
// that covers them is complete (transactional egress, below).
//
// # Checkpoints and recovery
//
// A job has one Coordinator, the job manager. It starts checkpoints,
// completes them, notices dead workers and runs recoveries. Everything it
// needs to survive its own crash is in the checkpoint store:
//
//	coordinator/generation      the newest generation, a uvarint
//	done/<id>                   checkpoint id complete; value: the generation that took it
//	chk/<id>/g<gen>/w<worker>   one worker's snapshot (WorkerSnapshot.Encode)
//
// where <id> is the checkpoint id in 20 decimal digits, so that keys sort
// as ids do.
//
// Generations. A Generation counts recoveries: each recovery starts a new
// one, and the coordinator makes it durable before it tells any worker
// about it, so that a restarted coordinator never hands out a generation
// twice. Every Transfer, Marker, Control and Timer carries its generation.
// A worker drops packets and timers of an older generation (they belong to
// a rolled-back past: replay or the snapshot has them). It holds packets of
// a newer one until it has restored that generation, and any packet that
// arrives while it is not running until its restore is done; a recovery
// that overtakes the one a worker is restoring does not lose what it held
// for the newer one. The coordinator drops acknowledgements of an older
// generation. Nothing from before a rollback leaks past it.
//
// Checkpoint ids. A CheckpointID is the generation in the high 32 bits and
// a sequence number, restarting at 1 in each generation, in the low 32;
// it prints as "gen.seq" (checkpoint 3.7). Only the generation has to be
// durable for ids to be unique across coordinator restarts. And ids of a
// newer generation sort after every id of an older one, which everything
// that compares ids relies on: the newest completed checkpoint is the
// highest id in done/ even when a crashed coordinator's completion record
// lands late; after a rollback, the new generation's checkpoints are newer
// than any a worker took part in before (a worker ignores a request or
// marker for a checkpoint no newer than its last snapshot); egress epochs
// stay in order. Checkpoint 0 is the empty state a job starts from.
//
// The life of checkpoint n (docs/exactly-once.md tells it at length):
//
//  1. The coordinator, steady and with no checkpoint in flight,
//     CheckpointInterval after the previous one ended, tells every worker
//     Snapshot(n) and arms a timeout.
//  2. A worker captures its local state, closes egress epoch n, and sends
//     Marker(n) on every outgoing channel. When it does so is the Strategy,
//     below.
//  3. It records the messages that arrive on each incoming channel until
//     that channel's Marker(n) comes: they were in flight when the cut was
//     taken.
//  4. With every marker in, it writes the snapshot to the store
//     (chk/n/g/w) and, when the write is durable, tells the coordinator
//     Acked(n), or Failed(n) if the write failed.
//  5. With every worker's Acked(n), the coordinator writes done/n, and
//     once that is durable n is complete: it tells every worker
//     Committed(n), collects garbage, and schedules n+1.
//  6. On Committed(n) a worker releases its egress batches of epochs up
//     to n.
//
// A Failed(n), the timeout (CheckpointTimeout), or a failed completion
// write aborts n; the next one starts an interval later. A snapshot a
// worker is still collecting when the next checkpoint starts is dropped.
//
// The snapshot. A WorkerSnapshot holds Chandy-Lamport's local state, the
// worker's instances (sorted by address, entries sorted by name), its run
// queue (messages received but not yet processed), its pending delayed
// messages (with the time each had left), its ingress offset, and its
// unreleased egress batches (the one just closed included), plus the
// recorded state of each incoming channel. Encode writes a compact
// deterministic binary form, the same bytes for the same snapshot, and
// DecodeSnapshot rejects anything else with ErrCorruptSnapshot.
//
// Incremental snapshots. A snapshot is a delta of the worker's newest
// snapshot it knows is stored (its Base): of each instance that existed
// then and changed since, the values written since and the names deleted
// since (InstanceSnapshot.Changes); of each instance created since, its
// whole state; and the addresses of those removed (Deleted). Each state
// value remembers the epoch (the interval between two snapshots) of its
// last write, and a deleted one stays as a tombstone, dropped by the first
// delta that holds the instance once the base has moved past it. The run queue, delayed messages, channels, egress and
// offset are whole in every snapshot. A delta names every snapshot it
// builds on (Ancestors), so a restore reads the newest snapshot and then
// all the others at once, and folds them oldest first. A failed write
// never becomes a base, so a chain has no holes. A snapshot is full again
// once the chain's deltas add up to the bytes of its full snapshot, or
// the chain holds SnapshotChainMax snapshots, which bounds what a restore
// reads. An Acked
// names the full snapshot its chain starts from (Root); a completion
// record keeps the oldest root of its checkpoint, and GC keeps every
// snapshot from the oldest root a retained checkpoint needs.
//
// Strategies. Both write the same snapshots and keep the same guarantees;
// they differ in when a worker snapshots and in what it does meanwhile.
// Unaligned is Chandy-Lamport: a worker snapshots at the coordinator's
// request or at the first marker, whichever comes first, never stops
// processing, and records what arrives on channels whose marker has not
// come. Aligned is StateFun's way: the barrier comes on the ingress path,
// the coordinator's request, and a worker snapshots only then; a marker that
// arrives first blocks its channel, whose messages are held, unprocessed,
// until the worker's own snapshot (alignment); messages on the feedback
// loop (channels from other workers) that arrive after the snapshot and
// before their marker are logged into the snapshot, as StateFun logs
// feedback records until the barrier comes round.
//
// Transactional egress. With Config.ExactlyOnce a worker holds every
// response in its open epoch. Capturing snapshot n closes the epoch into an
// EgressBatch{Worker, Epoch: n}, which the snapshot includes; Committed(n)
// releases every batch of an epoch up to n. So nothing leaves before the
// state that produced it is durable, and a rollback never takes back what
// a client saw. A worker restoring checkpoint n releases the batches in the
// snapshot at once, since n is complete. It cannot know whether it, before
// the crash, had already released them (Committed(n) may or may not have
// come), so a batch may be released twice; both copies are the same, fixed
// by snapshot n. Release is therefore at least once per batch, and readers
// keep the first copy of each (Worker, Epoch) and drop the rest, as Kafka's
// read-committed consumers see each transaction once: exactly-once output
// is the pair. Without ExactlyOnce each response leaves at once in a batch
// of epoch 0, which readers never drop, and a recovery may repeat it.
//
// Failure detection. A worker sends Heartbeat, carrying its generation,
// every HeartbeatInterval, from Start on: a fresh process says generation
// 0. While steady, the coordinator starts a recovery on a heartbeat of any
// generation but its own (the worker restarted, or missed a recovery),
// usually long before silence would tell, and on a worker silent for longer
// than HeartbeatTimeout (checked every half of it). While recovering, a
// generation-0 heartbeat from a worker that has already restored means it
// restarted since, and the recovery starts over; a worker that never
// restores is caught by RecoveryTimeout. There is no partial recovery: any
// failure rolls every worker back, as Flink's full restart does.
//
// Recovery. The coordinator takes the next generation, makes it durable,
// and tells every worker Restore(gen, latest, source), where latest is the
// newest complete checkpoint (0: none) and source the generation that took
// it, which names its snapshot keys. A worker drops all volatile state,
// reads its snapshot (retrying after a failed read), and installs it:
// instances, the run queue, then the recorded channel messages (they
// arrived later), delayed messages re-armed with the time they had left,
// the ingress offset rewound to the snapshot's, and the snapshot's egress
// batches released. Then it says Restored, delivers the held packets of its
// new generation (keeping those of a still newer one), and reads its
// ingress from the rewound offset. With every
// worker restored the coordinator is steady and checkpoints resume. A
// missing snapshot means an incomplete checkpoint was restored, which is a
// broken invariant, and panics.
//
// Coordinator restart. The coordinator keeps nothing it cannot read back:
// a new process reads the generation, lists done/, reads which generation
// made each complete checkpoint, and then always starts a recovery to the
// newest, whether or not any worker failed, because it cannot know what
// was in flight. Store operations it needs to go on are retried until they
// succeed.
//
// Garbage collection and retention. After each completion the coordinator
// keeps the newest Retain (default 2) completion records and deletes the
// older ones, then lists chk/ and deletes every snapshot of a checkpoint
// older than the newest complete one that is not retained: older complete
// ones and aborted ones alike. Snapshots newer than the newest complete
// checkpoint may belong to the one in flight and stay until a later pass.
// Recovery only ever reads the newest; a failed delete is left to a later
// pass. So a long fault-free run holds a few keys per worker, however many
// checkpoints it takes.
//
// # State diagrams
//
// A worker. A Restore of a newer generation takes it from any phase back
// to loading; one of checkpoint 0 has nothing to read and goes straight to
// running. Packets of the new generation that arrive before it runs are
// held. A gap in a channel's sequence numbers fails it (below).
//
//	         Restore(g, n)              snapshot read
//	Start ──► waiting ──────────────► loading ──────────────► running
//	          gen 0,                  Get failed: │ ▲              │ │ gap on a channel:
//	          heartbeats              retry 5ms ──┘ │              │ ▼ Broken(g)
//	                                                └─────────── failed: processes
//	                                                Restore(g' > g):   nothing, Broken(g)
//	                                                drop everything    with each heartbeat
//
// While running, its part of each checkpoint (unaligned):
//
//	idle ──Snapshot(n), or Marker(n) from w──► capture: local state, close
//	 ▲                                          epoch n, Marker(n) to all
//	 │                                                │
//	 │                                                ▼
//	 │                                         collecting: record each channel
//	 │                                         until its Marker(n) (w's is empty)
//	 │                                                │ last marker
//	 │                                                ▼
//	 └────────Stored: Acked(n) or Failed(n)─── writing: Put chk/n/g/w
//
// Aligned differs before the capture: a Marker(n) there blocks its channel
//
//	idle ──Marker(n) from w──► w blocked: hold w's messages ──Snapshot(n)──►
//	    capture; w not recorded; release held messages to the run queue
//
// and the capture happens only on Snapshot(n). Collecting and writing go
// on while the worker runs (and, unaligned, while it takes in new
// messages); the write's result arrives through Stored after any number of
// other steps.
//
// The coordinator:
//
//	Start ──► booting ──────────────────────────► recovering ──all Restored(g)──► steady
//	          read generation, list done/,         g = g+1; put generation;         │
//	          read sources (retried)               Restore(g, latest) to all        │
//	                                                ▲   │ recovery timeout,         │
//	                                                │   └─gen-0 heartbeat of a      │
//	                                                │     restored worker, or       │
//	                                                │     Broken(g): again          │
//	                                                └──heartbeat of another gen,────┘
//	                                                   Broken(g), or a worker
//	                                                   silent too long
//
// While steady, one checkpoint at a time:
//
//	idle ──interval──► in flight ──all Acked(n)──► completing ──done/n put──► idle:
//	 ▲                 Snapshot(n) to all          put done/n                 latest = n,
//	 │                     │                           │                      Committed(n),
//	 │                     │ Failed(n) or timeout      │ put failed           GC, next
//	 │                     ▼                           ▼
//	 └──next interval── aborted ◄──────────────────────┘
//
// A recovery drops the checkpoint in flight, in whatever state. A
// completion record that lands after a recovery overtook it still names a
// complete checkpoint, and a later coordinator may restore it.
//
// # Host and CoordinatorHost
//
// A worker touches the world only through Host, the coordinator only
// through CoordinatorHost; the simulator (scenarios' nodes on sim.Env) and
// the real-time driver implement both. What the runtime assumes of them:
//
//   - Calls into a Worker or Coordinator never overlap, and every host
//     method returns without calling back into it; results come later,
//     through Receive, Control, Fire and Stored.
//   - Now never goes backwards. After fires its timer no earlier than the
//     delay, unchanged, through Fire.
//   - Send is a FIFO channel per pair of workers. It may lose packets (a
//     partition), never duplicate or reorder them: a worker numbers the
//     packets of each channel and treats a gap as a failure (Broken
//     channels, below), and a duplicate or a packet out of order as a
//     broken invariant. Tell (either way) is FIFO per worker too, or a
//     heartbeat of a worker's old generation could overtake its Restored
//     of the new one and start a needless recovery; it may lose messages,
//     which the timeouts (heartbeat, checkpoint, recovery) cover.
//     A crash may lose whatever its process had in flight, in either
//     direction, and its timers; recovery deals with that.
//   - ReadIngress returns the records of the worker's own partition from
//     an offset: durable, append-only, the same records for the same
//     offset on every read, across crashes.
//   - Release delivers a batch to the clients whose requests it answers.
//     It may be called more than once for the same (Worker, Epoch) after a
//     recovery; readers must keep the first copy.
//   - Store starts an asynchronous operation on a key-value store that
//     outlives every process, and Stored returns its result with the
//     request's Token. A failed Put or Delete changed nothing. Operations
//     may complete in any order, and a write may still land after the
//     process that started it crashed; keys that name checkpoint and
//     generation keep such orphan writes harmless. A new process never
//     sees the results of its predecessor's operations.
//
// # Broken channels
//
// A channel that loses packets loses effects: a hop of a chain, a 2PC
// prepare or vote, a marker. Flink treats a broken network channel as a
// task failure and restarts the job from its last checkpoint; so does the
// runtime. Every Transfer, Marker and Ping carries a sequence number, from
// 1 on each channel in each generation (a Restore starts both counts
// again). A receiver expects exactly the next one. A number past it means
// the packets between were lost: the worker fails. It processes nothing
// more of its generation (packets, timers, ingress), drops the snapshot it
// is collecting, and tells the coordinator Broken(g), again with every
// heartbeat until a Restore comes, since the report may be lost too. The
// coordinator, steady or recovering, starts a recovery on Broken of its
// own generation, exactly as for a crash; a Broken of an older generation
// is old news. A partition between a worker and the coordinator needs
// nothing new: lost heartbeats end in the heartbeat timeout, a lost
// Restore or Restored in the recovery timeout, a lost Snapshot or Acked
// in the checkpoint timeout, and a lost Committed is made good by the
// next one, which releases every epoch up to it.
//
// Why no checkpoint completes across a gap: a worker writes its snapshot
// of checkpoint n only once every incoming channel's Marker(n) has come,
// and each marker is checked in sequence. So if a snapshot is written,
// every packet sent before its sender's snapshot arrived, and the cut is
// consistent; packets lost after the markers are after the cut, and their
// sender's replay from n sends them again. A snapshot whose markers had
// not all come when the gap was found is dropped, and a failed worker
// takes no part in later checkpoints of its generation.
//
// A gap shows only when a later packet arrives. Markers go on every
// channel at every checkpoint, so one is found at the next checkpoint at
// the latest, or, when the lost packet was itself a marker, at the one
// after that checkpoint times out (CheckpointTimeout). With
// Config.ChannelHeartbeats a worker also sends a Ping on every outgoing
// channel with each heartbeat, and a loss is found within a heartbeat
// interval; the scenarios turn it on for schedules that can lose packets,
// and only then, so that runs of the other fault models keep their
// traces. Sequence numbers are left out of fingerprints for the same
// reason. BugIgnoreChannelGap, the known-bad variant, goes on past a gap.
//
// # Idempotent ingress
//
// A client, or a producer retrying a send whose acknowledgement it missed,
// may append the same request twice under one RequestID. A worker routes
// only the first record of each id in its partition and skips the others
// (Stats.Duplicates), so the request takes effect and is answered once.
// Which record is the first is a fact of the durable log: the ids a worker
// has read live in memory (one entry per distinct request), not in
// snapshots, and a worker whose offset a restore rewound rereads the
// partition below it before it reads on, so it skips after a recovery
// exactly what it skipped before. BugNoIngressDedup, the known-bad
// variant, routes every record.
//
// # BUGGIFY
//
// FoundationDB's BUGGIFY: named points (Point, Points) where a simulated
// run does something legal but rare, to drive the code through paths a
// quiet run seldom takes. A point changes timing and repetition, never
// what the runtime guarantees. The runtime asks Config.Buggify and
// CoordinatorConfig.Buggify (a Buggify, nil by default: never fires)
// whether a point fires each time it reaches one; the simulator's
// implementation decides from the run's seed and records every firing in
// the trace, and the real-time driver sets none. Reached by the runtime:
//
//   - BuggifySlowInvocation: the invocation about to start keeps the worker
//     busy up to 5ms longer (after InvocationCost, if any), holding its run
//     queue: longer queues in snapshots, markers and Snapshot requests met
//     mid-service.
//   - BuggifyEarlyCheckpoint: the coordinator starts its next checkpoint
//     up to a whole interval early, down to back to back.
//
// The simulator's drivers reach two more on the runtime's behalf:
// BuggifyDelayedMarker (a worker's outgoing marker, and everything after
// it on that channel, leaves up to 20ms late, so the channel stays FIFO
// and in sequence) and BuggifyDuplicateRequest (a client appends a
// request again under the same id, up to 50ms later: Idempotent ingress,
// above). The transaction protocols reach BuggifyDelayedDecision through
// Context.Buggify: a 2PC decision or a saga compensation sent up to 10ms
// late, through SendAfter.
//
// # Purity
//
// The package has no goroutines, reads no clock, draws no random numbers and
// does no I/O. Everything reaches a Worker through its methods (Start,
// Receive, Control, PollIngress, Fire, Stored) and a Coordinator through
// its own (Start, Receive, Fire, Stored), and leaves through their hosts.
// Given the same calls in the same order, they make the same host calls in
// the same order.
//
// # Limits
//
// A step runs at most drainMax (1024) invocations and reads at most
// ingressBatchMax (256) ingress records before the worker yields with a
// kick timer, so one event's work is bounded even when functions message
// each other in a cycle. Backpressure: a worker whose run queue holds
// drainMax messages reads no more ingress until it has drained them (the
// records wait in the log, so snapshots do not copy them), and a
// PollIngress while a read is already scheduled does nothing, so a flood
// of notices costs one read per kick. A worker holds at most earlyMax (1<<20) packets
// of a newer generation while it restores, and an aligned worker at most
// as many messages per blocked channel; past either it panics. Defaults:
// heartbeats every 10ms, a worker presumed dead after 50ms of silence, a
// recovery restarted after 100ms, a checkpoint aborted after 1s, a failed
// store operation the job needs to go on (a read, the generation write)
// retried after 5ms, two complete checkpoints retained. The
// egress buffer has no bound of its own: it holds at most the responses to
// requests clients are waiting for.
package runtime
