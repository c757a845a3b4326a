package runtime

import "fmt"

// TimerKind says why a worker set a timer.
type TimerKind uint8

// Timer kinds.
const (
	// TimerKick resumes a worker that yielded with work left, or ends the
	// service time of the invocation in progress.
	TimerKick TimerKind = iota + 1
	// TimerDelayed releases the delayed message with the timer's ID.
	TimerDelayed
)

// Timer is a worker's request to be called back; the driver hands it back
// unchanged through Worker.Fire.
type Timer struct {
	Kind TimerKind
	ID   uint64
}

// Fingerprint digests the timer for the simulator's trace hash.
func (t Timer) Fingerprint() uint64 { return uint64(t.Kind)<<56 ^ t.ID }

func (t Timer) String() string {
	switch t.Kind {
	case TimerKick:
		return "kick"
	case TimerDelayed:
		return fmt.Sprintf("delayed#%d", t.ID)
	}
	return fmt.Sprintf("timer(%d,%d)", t.Kind, t.ID)
}
