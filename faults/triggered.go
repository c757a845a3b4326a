package faults

import (
	"fmt"
	"math/rand/v2"
	"sort"

	"github.com/flowtx/flowtx/sim"
)

// Trigger names a moment in a worker's work that a CrashWorkerOn event
// crashes it at: the moments whose recovery is hardest to get right, and
// that a crash at a random time rarely hits.
type Trigger string

// Triggers.
const (
	// SnapshotWrite is a worker starting to store its snapshot: it has
	// captured its state and maybe recorded channels, and the checkpoint
	// cannot complete without it.
	SnapshotWrite Trigger = "snapshot-write"
	// VoteSent is a 2PC participant on the worker sending its vote to a
	// coordinator on another worker: the instance is locked with its
	// effects kept aside, and the decision is still to come.
	VoteSent Trigger = "vote-sent"
)

// Triggers lists the triggers.
func Triggers() []Trigger { return []Trigger{SnapshotWrite, VoteSent} }

// TriggeredParams shape drawn triggered crashes.
type TriggeredParams struct {
	Workers int
	Span    sim.Time // armed in [0, Span)
	Count   int      // events drawn
	Window  sim.Time // each stays armed up to this long
	DownMax sim.Time // a crashed worker restarts within (0, DownMax]
}

// DrawTriggered draws p.Count crashes at triggers: each arms a random
// trigger of a random worker at a random time for up to p.Window.
func DrawTriggered(p TriggeredParams, rng *rand.Rand) Schedule {
	s := make(Schedule, 0, p.Count)
	for range p.Count {
		at := sim.Time(rng.Int64N(int64(p.Span)))
		s = append(s, Event{
			At: at, Kind: CrashWorkerOn, Worker: rng.IntN(p.Workers),
			Trigger: Triggers()[rng.IntN(len(Triggers()))],
			Until:   at + 1 + sim.Time(rng.Int64N(int64(p.Window))),
			Down:    1 + sim.Time(rng.Int64N(int64(p.DownMax))),
		})
	}
	sort.SliceStable(s, func(i, j int) bool { return s[i].At < s[j].At })
	return s
}

// downMax bounds a triggered crash's downtime, as validateWindow bounds
// windows.
const downMax = 60 * sim.Second

func (e Event) validateTriggered(workers int) error {
	switch {
	case e.Worker < 0 || e.Worker >= workers:
		return fmt.Errorf("no worker %d in a job of %d", e.Worker, workers)
	case e.Trigger != SnapshotWrite && e.Trigger != VoteSent:
		return fmt.Errorf("unknown trigger %q (want %s or %s)", e.Trigger, SnapshotWrite, VoteSent)
	case e.Until <= e.At:
		return fmt.Errorf("armed window ends before it starts")
	case e.Down <= 0 || e.Down > downMax:
		return fmt.Errorf("down %v: want in (0, %v]", e.Down, downMax)
	}
	return nil
}
