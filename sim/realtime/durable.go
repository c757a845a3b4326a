package realtime

import (
	"fmt"
	"sync"

	"github.com/flowtx/flowtx/sim"
)

// durable is the store behind Env.Store, as the driver sees it: memStore
// by default, fileStore when Config.StoreDir is set.
type durable interface {
	// submit starts op and calls done with its result exactly once, on any
	// goroutine, possibly before submit returns. Operations complete in the
	// order submitted. A Put's value is handed over (sim.StoreOp.Value):
	// the caller does not change it afterwards.
	submit(op sim.StoreOp, done func(sim.StoreResult))
	// snapshot returns a copy of the contents once every operation
	// submitted so far has completed.
	snapshot() (*sim.Store, error)
	// close waits for the submitted operations to complete; later submits
	// are a programmer error.
	close()
}

// memStore is the in-memory durable store: a sim.Store shared by all nodes
// under a mutex. It survives crashes because the driver, not the process,
// owns it, but not the OS process; fileStore does.
type memStore struct {
	mu    sync.Mutex
	store *sim.Store
}

var _ durable = (*memStore)(nil)

// submit applies op and calls done before returning.
func (s *memStore) submit(op sim.StoreOp, done func(sim.StoreResult)) {
	s.mu.Lock()
	r := s.store.Apply(op)
	s.mu.Unlock()
	done(r)
}

func (s *memStore) snapshot() (*sim.Store, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return copyStore(s.store), nil
}

func (s *memStore) close() {}

// copyStore returns a deep copy of st.
func copyStore(st *sim.Store) *sim.Store {
	c := sim.NewStore()
	for _, k := range st.Keys("") {
		r := st.Apply(sim.StoreOp{Kind: sim.StoreGet, Key: k})
		c.Apply(sim.StoreOp{Kind: sim.StorePut, Key: k, Value: r.Value})
	}
	return c
}

// logs are the durable logs, shared by all nodes under a mutex.
type logs struct {
	mu      sync.Mutex
	records map[string][]sim.Message
}

func (l *logs) append(log string, record sim.Message) sim.Offset {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.records[log] = append(l.records[log], record)
	return sim.Offset(len(l.records[log]) - 1)
}

// read returns a copy of up to max records from offset from, so the caller
// owns the slice outright while other nodes keep appending.
func (l *logs) read(log string, from sim.Offset, max int) []sim.Message {
	if max < 0 {
		panic(fmt.Sprintf("realtime: read of log %q from %d with max %d", log, from, max))
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	recs := l.records[log]
	if from < 0 || int(from) >= len(recs) {
		return nil
	}
	end := int(from) + min(max, len(recs)-int(from)) // no overflow for a huge max
	return append([]sim.Message(nil), recs[from:end]...)
}
