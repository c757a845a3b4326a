package realtime

import (
	"fmt"
	"sync"

	"github.com/flowtx/flowtx/sim"
)

// memStore is the durable store behind Env.Store: a sim.Store shared by all
// nodes under a mutex. It survives crashes because the driver, not the
// process, owns it.
//
// It is the seam for the file-backed store (a later issue): that one will
// write and fsync on goroutines of its own and call done when the op is
// durable. Env.Store already delivers through done, so nothing else changes.
type memStore struct {
	mu    sync.Mutex
	store *sim.Store
}

// submit applies op and calls done with its result exactly once. Here done
// runs before submit returns; callers must not rely on that. sim.Store.Apply
// copies a Put's value, so the caller may reuse its buffer at once.
func (s *memStore) submit(op sim.StoreOp, done func(sim.StoreResult)) {
	s.mu.Lock()
	r := s.store.Apply(op)
	s.mu.Unlock()
	done(r)
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
