package sim

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"sort"
	"strings"
)

// ErrStoreFault is the error of a storage operation the store model failed.
var ErrStoreFault = errors.New("injected storage fault")

// StoreOpKind says what a storage operation does.
type StoreOpKind uint8

// Storage operations.
const (
	StorePut StoreOpKind = iota + 1
	StoreGet
	StoreDelete
	StoreList
)

func (k StoreOpKind) String() string {
	switch k {
	case StorePut:
		return "put"
	case StoreGet:
		return "get"
	case StoreDelete:
		return "delete"
	case StoreList:
		return "list"
	}
	return fmt.Sprintf("storeop(%d)", uint8(k))
}

// StoreOp is a request to the durable store. Token is the caller's and comes
// back in the result, so a process can match results to requests.
type StoreOp struct {
	Kind StoreOpKind
	Key  string // the key, or the prefix for StoreList
	// Value is a Put's value. The store keeps this very slice (a snapshot
	// is megabytes, and copying it was a tenth of what a real-time job
	// allocated), so the caller hands it over: it must not change it
	// afterwards.
	Value []byte
	Token uint64
}

// StoreResult is the completion of a StoreOp. Value is set for a Get that
// found its key, Keys (sorted) for a List, Err when the op failed; a failed
// Put or Delete changed nothing.
type StoreResult struct {
	Op    StoreOp
	Value []byte
	Found bool
	Keys  []string
	Err   error
}

// StoreModel decides how long a storage operation takes and whether it fails.
// It is the plug point for slow disks, failing writes and latency spikes.
type StoreModel interface {
	Plan(now Time, op StoreOpKind, rng *rand.Rand) (latency Time, fail bool)
}

// Disk is the default StoreModel: latency uniform in [LatencyMin,
// LatencyMax], and independent failure probabilities per operation kind.
// FaultWindows make every operation in a window fail.
type Disk struct {
	LatencyMin, LatencyMax Time
	WriteFailProb          float64
	ReadFailProb           float64
	FaultWindows           []Window
}

// Window is a span of virtual time [From, Until).
type Window struct {
	From, Until Time
}

// Contains reports whether t falls in the window.
func (w Window) Contains(t Time) bool { return t >= w.From && t < w.Until }

// Plan implements StoreModel.
func (d *Disk) Plan(now Time, op StoreOpKind, rng *rand.Rand) (Time, bool) {
	latency := d.LatencyMin
	if d.LatencyMax > d.LatencyMin {
		latency += Time(rng.Int64N(int64(d.LatencyMax - d.LatencyMin + 1)))
	}
	for _, w := range d.FaultWindows {
		if w.Contains(now) {
			return latency, true
		}
	}
	p := d.ReadFailProb
	if op == StorePut || op == StoreDelete {
		p = d.WriteFailProb
	}
	return latency, p > 0 && rng.Float64() < p
}

// Store is the contents of the durable store: it survives every process
// crash. The kernel applies an operation when it completes, whether or not
// the process that started it still lives, as a real object store would.
type Store struct {
	data map[string][]byte
}

// NewStore returns an empty store.
func NewStore() *Store { return &Store{data: map[string][]byte{}} }

// Apply performs op against the store and returns its result. A Put keeps
// op.Value itself; a Get returns a copy.
func (s *Store) Apply(op StoreOp) StoreResult {
	r := StoreResult{Op: op}
	switch op.Kind {
	case StorePut:
		s.data[op.Key] = op.Value
	case StoreGet:
		v, ok := s.data[op.Key]
		r.Value, r.Found = append([]byte(nil), v...), ok
	case StoreDelete:
		delete(s.data, op.Key)
	case StoreList:
		r.Keys = s.Keys(op.Key)
	default:
		panic(fmt.Sprintf("sim: unknown store op %v", op.Kind))
	}
	r.Op.Value = nil
	return r
}

// Keys returns the stored keys with the given prefix, sorted.
func (s *Store) Keys(prefix string) []string {
	var keys []string
	for k := range s.data {
		if strings.HasPrefix(k, prefix) {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	return keys
}

// Size returns the number of stored keys and the bytes of their values.
func (s *Store) Size() (keys, bytes int) {
	for _, v := range s.data {
		bytes += len(v)
	}
	return len(s.data), bytes
}
