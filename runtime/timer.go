package runtime

import "fmt"

// TimerKind says why a worker or the coordinator set a timer.
type TimerKind uint8

// Timer kinds.
const (
	// TimerKick resumes a worker that yielded with work left, or ends the
	// service time of the invocation in progress.
	TimerKick TimerKind = iota + 1
	// TimerDelayed releases the delayed message with the timer's ID.
	TimerDelayed
	// TimerHeartbeat makes a worker tell the coordinator it is alive.
	TimerHeartbeat
	// TimerRetry repeats a store operation that failed.
	TimerRetry
	// TimerCheckpoint starts the coordinator's next checkpoint.
	TimerCheckpoint
	// TimerCheckpointTimeout aborts checkpoint ID if it is still running.
	TimerCheckpointTimeout
	// TimerLiveness makes the coordinator look for silent workers.
	TimerLiveness
	// TimerRecoveryTimeout restarts a recovery that did not finish.
	TimerRecoveryTimeout
)

var timerNames = [...]string{
	TimerKick: "kick", TimerDelayed: "delayed", TimerHeartbeat: "heartbeat", TimerRetry: "retry",
	TimerCheckpoint: "checkpoint", TimerCheckpointTimeout: "checkpoint-timeout",
	TimerLiveness: "liveness", TimerRecoveryTimeout: "recovery-timeout",
}

// Timer is a request to be called back; the driver hands it back unchanged
// through Fire. Gen ties it to a generation: a timer of an older one is
// stale and ignored.
type Timer struct {
	Kind TimerKind
	Gen  Generation
	ID   uint64
}

// Fingerprint digests the timer for the simulator's trace hash.
func (t Timer) Fingerprint() uint64 {
	return uint64(digest(0).addUint(uint64(t.Kind)).addUint(uint64(t.Gen)).addUint(t.ID))
}

func (t Timer) String() string {
	name := fmt.Sprintf("timer(%d)", t.Kind)
	if int(t.Kind) < len(timerNames) && timerNames[t.Kind] != "" {
		name = timerNames[t.Kind]
	}
	return fmt.Sprintf("g%d %s#%d", t.Gen, name, t.ID)
}
