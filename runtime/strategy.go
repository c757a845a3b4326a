package runtime

import "fmt"

// Strategy is how a worker takes its part of a checkpoint: the plug point
// between snapshot algorithms. Both strategies write the same snapshots and
// pass the same properties; they differ in when a worker snapshots and in
// what it does with messages meanwhile.
//
//	Unaligned  Chandy-Lamport: a worker snapshots at the coordinator's
//	           request or at the first marker, whichever comes first, and
//	           never stops processing; messages on channels whose marker
//	           has not come yet are recorded into the snapshot.
//	Aligned    StateFun's way: the barrier comes on the ingress path (the
//	           coordinator's request), and a worker snapshots only then. A
//	           marker that arrives earlier blocks its channel: what comes
//	           after it is held, unprocessed, until the worker's own
//	           snapshot (alignment). Records on the feedback loop (channels
//	           from other workers) that arrive after the snapshot and before
//	           the channel's marker are logged into the snapshot, as
//	           StateFun logs feedback records until the barrier comes round.
type Strategy uint8

// Checkpoint strategies.
const (
	Unaligned Strategy = iota
	Aligned
)

var strategyNames = [...]string{Unaligned: "unaligned", Aligned: "aligned"}

func (s Strategy) String() string {
	if int(s) < len(strategyNames) {
		return strategyNames[s]
	}
	return fmt.Sprintf("strategy(%d)", uint8(s))
}

// ParseStrategy returns the strategy named s.
func ParseStrategy(s string) (Strategy, error) {
	for i, name := range strategyNames {
		if name == s {
			return Strategy(i), nil
		}
	}
	return 0, fmt.Errorf("runtime: unknown checkpoint strategy %q (want unaligned or aligned)", s)
}

// alignment is an aligned worker's blocked channels: per sender, the
// checkpoint whose marker blocked it (0: not blocked) and the messages held
// since.
type alignment struct {
	blockedAt []CheckpointID
	held      [][]Envelope
}

func (a *alignment) blocked(from WorkerID) bool {
	return a.blockedAt != nil && a.blockedAt[from] != 0
}

func (a *alignment) block(workers int, from WorkerID, n CheckpointID) {
	if a.blockedAt == nil {
		a.blockedAt = make([]CheckpointID, workers)
		a.held = make([][]Envelope, workers)
	}
	a.blockedAt[from] = n
}

func (a *alignment) hold(from WorkerID, e Envelope) {
	if len(a.held[from]) >= earlyMax {
		broken("aligned worker holds %d messages from %v", len(a.held[from]), from)
	}
	a.held[from] = append(a.held[from], e)
}
