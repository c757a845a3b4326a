package runtime

// Bug names a deliberately broken behaviour of the runtime. Bugs exist so
// that tests (and the self-test command to come) can show that the checks
// catch them; a job runs with NoBug unless a test asks otherwise.
type Bug string

// Known bugs.
const (
	NoBug Bug = ""
	// BugKeepFailedEffects applies the effects of an invocation that
	// returned a business failure, instead of discarding them.
	BugKeepFailedEffects Bug = "keep-failed-effects"
	// BugNoChannelRecording takes snapshots without recording the
	// messages in flight on channels: they are lost on recovery.
	BugNoChannelRecording Bug = "no-channel-recording"
	// BugEarlyEgress releases responses at once, before the checkpoint
	// that covers them completes.
	BugEarlyEgress Bug = "early-egress"
	// BugNoIngressRewind keeps a live worker's ingress offset on
	// recovery instead of rewinding it to the checkpoint's.
	BugNoIngressRewind Bug = "no-ingress-rewind"
	// BugCompleteEarly has the coordinator record a checkpoint complete
	// as soon as it starts it, before any worker acknowledged, so a
	// recovery may restore one that not every worker stored.
	BugCompleteEarly Bug = "complete-early"
	// BugSnapshotWithoutDelayed leaves pending delayed messages out of
	// snapshots: they are lost on recovery.
	BugSnapshotWithoutDelayed Bug = "snapshot-without-delayed"
	// BugNoAlignment has an aligned worker note a marker that comes before
	// its own snapshot but go on processing that channel instead of
	// holding it, so the snapshot includes messages its sender's snapshot
	// says were never sent.
	BugNoAlignment Bug = "no-alignment"
	// BugIgnoreChannelGap has a worker that finds a channel lost packets
	// (a partition) go on as if none were lost, instead of failing and
	// reporting it: the lost messages' effects are lost for good once a
	// checkpoint completes past them.
	BugIgnoreChannelGap Bug = "ignore-channel-gap"
	// BugNoIngressDedup routes every ingress record, even one whose
	// request id the worker read before: a request a client sent twice
	// takes effect twice.
	BugNoIngressDedup Bug = "no-ingress-dedup"
	// BugDeltaWithoutDeletions has a delta snapshot leave out the values
	// deleted since its base: a recovery brings them back.
	BugDeltaWithoutDeletions Bug = "delta-without-deletions"
)

// Bugs lists the known bugs.
func Bugs() []Bug {
	return []Bug{
		BugKeepFailedEffects, BugNoChannelRecording, BugEarlyEgress,
		BugNoIngressRewind, BugCompleteEarly, BugSnapshotWithoutDelayed, BugNoAlignment,
		BugIgnoreChannelGap, BugNoIngressDedup, BugDeltaWithoutDeletions,
	}
}
