package runtime

import "fmt"

// FuncType names a registered function type, e.g. "bank/account".
type FuncType string

// Address names one function instance: a type and an id within it. Each
// address has its own state and sees its messages one at a time.
type Address struct {
	Type FuncType
	ID   string
}

// IsZero reports whether a is the zero address, which stands for "no
// function": the sender of a message that came from the ingress.
func (a Address) IsZero() bool { return a.Type == "" && a.ID == "" }

func (a Address) String() string {
	if a.IsZero() {
		return "ingress"
	}
	return string(a.Type) + "/" + a.ID
}

// Less orders addresses by type, then id: the order in which workers and
// checks list instances.
func (a Address) Less(b Address) bool {
	if a.Type != b.Type {
		return a.Type < b.Type
	}
	return a.ID < b.ID
}

// WorkerID names one worker of a job; workers are numbered 0..n-1.
type WorkerID int32

func (w WorkerID) String() string { return fmt.Sprintf("w%d", int32(w)) }

// KeyGroup is the unit of placement, as in Flink: an address hashes to one
// of a fixed number of key groups, and contiguous ranges of key groups are
// assigned to workers. Rescaling later moves whole key groups.
type KeyGroup int32

// KeyGroupsDefault is the number of key groups a job has unless configured.
const KeyGroupsDefault = 128

// KeyGroupOf returns the key group of a, a stable hash of its type and id.
func KeyGroupOf(a Address, keyGroups int) KeyGroup {
	var d digest
	d = d.addString(string(a.Type))
	d = d.addString(a.ID)
	return KeyGroup(uint64(d) % uint64(keyGroups))
}

// OwnerOf returns the worker that owns key group g in a job of the given
// size: Flink's range assignment, g*workers/keyGroups.
func OwnerOf(g KeyGroup, keyGroups, workers int) WorkerID {
	return WorkerID(int(g) * workers / keyGroups)
}

// Placement is a job's assignment of addresses to workers. Workers and the
// clients that pick an ingress partition must use the same one.
type Placement struct {
	KeyGroups int
	Workers   int
}

// Owner returns the worker that owns address a.
func (p Placement) Owner(a Address) WorkerID {
	return OwnerOf(KeyGroupOf(a, p.KeyGroups), p.KeyGroups, p.Workers)
}
