package realtime

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"

	"github.com/flowtx/flowtx/sim"
)

// storeQueueMax bounds the operations waiting for a file store's worker. A
// submit past it blocks until the worker catches up, as a write to a busy
// disk does; the worker never waits for a node, so the wait is finite.
const storeQueueMax = 1 << 12

// fileStore is the durable store kept in files: one file per key in one flat
// directory (names in filename.go). It outlives the OS process, so a driver
// started on the same directory sees what earlier ones wrote. One driver at
// a time may use a directory.
//
// One worker goroutine per store applies the operations of all nodes in the
// order submitted, and calls done in that order. That is the simplest way
// to keep each node's operations on a key in issue order, and it matches one
// disk; the price is that a slow fsync for one node delays every node.
// Per-node workers or group commit can come later behind the same submit.
//
// A Put is durable when its result is delivered: the value is written to a
// temporary file in the directory, the file is fsynced, renamed over the
// key's file (atomic on POSIX), and the directory is fsynced. A reader sees
// the old value or the new, never part of one, and a crash at any point
// leaves one of them; it may also leave a temporary file, which List never
// reports and the next fileStore removes.
type fileStore struct {
	dir      string
	queueMax int

	mu      sync.Mutex
	changed sync.Cond // on mu: the queue, busy or closed changed
	queue   []fileJob
	busy    bool // the worker is applying a job outside mu
	started bool // the worker runs; it starts on the first submit
	closed  bool
	worker  sync.WaitGroup

	dirMade bool // the worker has created dir; only the worker touches it
}

// fileJob is one submitted operation and its completion callback.
type fileJob struct {
	op   sim.StoreOp
	done func(sim.StoreResult)
}

var _ durable = (*fileStore)(nil)

func newFileStore(dir string, queueMax int) *fileStore {
	if dir == "" || queueMax <= 0 {
		panic(fmt.Sprintf("realtime: file store in %q with queue max %d", dir, queueMax))
	}
	s := &fileStore{dir: dir, queueMax: queueMax}
	s.changed.L = &s.mu
	return s
}

// submit queues op for the worker, blocking while the queue is full.
func (s *fileStore) submit(op sim.StoreOp, done func(sim.StoreResult)) {
	if done == nil || op.Kind < sim.StorePut || op.Kind > sim.StoreList {
		panic(fmt.Sprintf("realtime: store op %v %q submitted with done=%v", op.Kind, op.Key, done != nil))
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for len(s.queue) >= s.queueMax && !s.closed {
		s.changed.Wait()
	}
	if s.closed {
		panic(fmt.Sprintf("realtime: store op %v %q after Stop", op.Kind, op.Key))
	}
	if !s.started {
		s.started = true
		s.worker.Add(1)
		go s.work()
	}
	s.queue = append(s.queue, fileJob{op: op, done: done})
	s.changed.Broadcast()
}

// close lets the worker finish the queue, then waits for it to end.
func (s *fileStore) close() {
	s.mu.Lock()
	s.closed = true
	s.changed.Broadcast()
	s.mu.Unlock()
	s.worker.Wait()
}

// snapshot waits until every submitted operation has completed, then reads
// the whole directory into a sim.Store.
func (s *fileStore) snapshot() (*sim.Store, error) {
	s.mu.Lock()
	for len(s.queue) > 0 || s.busy {
		s.changed.Wait()
	}
	s.mu.Unlock()
	keys, err := s.list("")
	if err != nil {
		return nil, fmt.Errorf("realtime: snapshot of %s: %w", s.dir, err)
	}
	st := sim.NewStore()
	for _, k := range keys {
		v, found, err := s.get(k)
		if err != nil {
			return nil, fmt.Errorf("realtime: snapshot of %s: %w", s.dir, err)
		}
		if found { // else deleted by hand since the list
			st.Apply(sim.StoreOp{Kind: sim.StorePut, Key: k, Value: v})
		}
	}
	return st, nil
}

// work is the worker goroutine: it applies queued jobs one at a time, in
// order, until the store is closed and the queue is empty.
func (s *fileStore) work() {
	defer s.worker.Done()
	s.removeTemps()
	for {
		job, ok := s.take()
		if !ok {
			return
		}
		job.done(s.apply(job.op))
		s.mu.Lock()
		s.busy = false
		s.changed.Broadcast()
		s.mu.Unlock()
	}
}

// take pops the next job and marks the worker busy, or returns false once
// the store is closed and drained.
func (s *fileStore) take() (fileJob, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.busy {
		panic(fmt.Sprintf("realtime: file store %s: worker takes a job while busy", s.dir))
	}
	for len(s.queue) == 0 && !s.closed {
		s.changed.Wait()
	}
	if len(s.queue) == 0 {
		return fileJob{}, false
	}
	job := s.queue[0]
	s.queue[0] = fileJob{} // let the value be collected
	s.queue = s.queue[1:]
	s.busy = true
	s.changed.Broadcast() // a slot is free
	return job, true
}

// apply performs op on the directory. An I/O error becomes the result's Err,
// with Value, Found and Keys left zero.
func (s *fileStore) apply(op sim.StoreOp) sim.StoreResult {
	r := sim.StoreResult{Op: op}
	r.Op.Value = nil
	var err error
	switch op.Kind {
	case sim.StorePut:
		err = s.put(op.Key, op.Value)
	case sim.StoreGet:
		r.Value, r.Found, err = s.get(op.Key)
	case sim.StoreDelete:
		err = s.delete(op.Key)
	case sim.StoreList:
		r.Keys, err = s.list(op.Key)
	default:
		panic(fmt.Sprintf("realtime: unknown store op %v", op.Kind)) // submit checked
	}
	if err != nil {
		return sim.StoreResult{Op: r.Op, Err: fmt.Errorf("realtime: store %v %q: %w", op.Kind, op.Key, err)}
	}
	return r
}

// put writes value to a temporary file, fsyncs it, renames it over key's
// file and fsyncs the directory. A failure before the rename changes
// nothing; a failure of the last fsync leaves the new value visible but
// perhaps not durable.
func (s *fileStore) put(key string, value []byte) error {
	name, err := fileName(key)
	if err != nil {
		return err
	}
	if err := s.makeDir(); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(s.dir, tempFilePrefix+"*")
	if err != nil {
		return err
	}
	_, err = tmp.Write(value)
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), filepath.Join(s.dir, name))
	}
	if err != nil {
		_ = os.Remove(tmp.Name()) // best effort; never listed, removed on restart
		return err
	}
	return syncDir(s.dir)
}

// get reads key's file. An empty value comes back nil, as from sim.Store.
func (s *fileStore) get(key string) ([]byte, bool, error) {
	name, err := fileName(key)
	if err != nil {
		return nil, false, err
	}
	v, err := os.ReadFile(filepath.Join(s.dir, name))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, err
	}
	if len(v) == 0 {
		v = nil
	}
	return v, true, nil
}

// delete removes key's file and fsyncs the directory; a missing key is not
// an error.
func (s *fileStore) delete(key string) error {
	name, err := fileName(key)
	if err != nil {
		return err
	}
	err = os.Remove(filepath.Join(s.dir, name))
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	return syncDir(s.dir)
}

// list returns the sorted keys with the given prefix; a missing directory
// holds none.
func (s *fileStore) list(prefix string) ([]string, error) {
	entries, err := os.ReadDir(s.dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var keys []string
	for _, e := range entries {
		key, ok := keyOf(e.Name())
		if ok && e.Type().IsRegular() && strings.HasPrefix(key, prefix) {
			keys = append(keys, key)
		}
	}
	sort.Strings(keys) // ReadDir sorts by name, and names escape bytes
	return keys, nil
}

// makeDir creates the directory on the first Put, and fsyncs its parent so
// the directory's own entry is durable too.
func (s *fileStore) makeDir() error {
	if s.dirMade {
		return nil
	}
	if err := os.MkdirAll(s.dir, 0o755); err != nil {
		return err
	}
	if err := syncDir(filepath.Dir(s.dir)); err != nil {
		return err
	}
	s.dirMade = true
	return nil
}

// removeTemps deletes temporary files left by a Put cut short by a crash.
// It is best effort: a leftover is never listed and only wastes space.
func (s *fileStore) removeTemps() {
	entries, err := os.ReadDir(s.dir)
	if err != nil {
		return
	}
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), tempFilePrefix) {
			_ = os.Remove(filepath.Join(s.dir, e.Name()))
		}
	}
}

func syncDir(dir string) error {
	f, err := os.Open(dir)
	if err != nil {
		return err
	}
	err = f.Sync()
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}
