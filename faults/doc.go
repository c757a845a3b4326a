// Package faults describes fault schedules as data: what goes wrong, where
// and when in virtual time. A schedule is drawn from a seed's fault stream,
// printed in full before a run, and applied by the scenario that runs it;
// this package knows nothing of the runtime.
//
// # Events
//
// A Schedule is a list of Events sorted by time. Process faults come in
// pairs: crash-worker / restart-worker (Worker names which) and
// crash-coordinator / restart-coordinator. Window faults hold for [At,
// Until):
//
//   - store-failure: every checkpoint-store operation that starts in the
//     window fails;
//   - store-latency: every checkpoint-store operation that starts in the
//     window takes Extra longer;
//   - partition: every message sent between Nodes[0] and Nodes[1], either
//     way, is lost; partition-one-way loses only those from Nodes[0] to
//     Nodes[1];
//   - swizzle-clog: FoundationDB's swizzle clogging. Links lists directed
//     links, each with its own window inside the event's; they clog one by
//     one in the first half of the window and unclog in another, random,
//     order in the second. A clogged link holds what is sent on it until
//     it unclogs: it delays, it never loses;
//   - delay-spike: every message sent in the window over a link that
//     touches one of Nodes, or over every link if Nodes is empty, takes
//     Extra longer.
//
// Two kinds are neither pairs nor windows of the network: crash-worker-on
// arms a crash of Worker for [At, Until) at a Trigger (snapshot-write or
// vote-sent), down for Down, the first time the worker reaches it; and
// client-timeout has Client resend every request it has in flight under
// the same request ids.
//
// A Node is a worker (w0, w1, ...) or the Coordinator; clients are not
// nodes of the fault model. Everything is plain JSON (Node as "w3" or
// "coordinator"), and String prints one line per event, as runs, replays
// and shrinks show them. Validate checks a schedule against a job's
// worker count: time order, nodes of the job, crashes and restarts that
// alternate, windows that end after they start, partitions between two
// distinct nodes, swizzle links inside their event's window, spikes in
// (0, 60s], triggered crashes with a known trigger and a downtime in
// (0, 60s]. End is where the faults end, Lossy whether any can lose a
// message (a partition).
//
// # Drawing
//
// DrawCrashes draws crashes with their restarts and store-failure windows;
// DrawNetwork draws network faults (the four kinds above, uniformly) and,
// with probability StoreP per draw, store-latency spikes instead. Both
// space faults by exponential gaps over a span, bound every window and
// spike by their parameters, stop at 10,000 events, and take every random
// choice from the *rand.Rand they are given: the scenarios hand each its
// own stream of the seed ("faults" and "faults/network"), so adding
// network faults to a run moves none of its crashes. DrawTriggered draws
// crashes at triggers and DrawClientTimeouts client timeouts, from
// streams of their own ("faults/triggered", "faults/clients").
package faults
