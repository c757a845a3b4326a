package runtime

import (
	"encoding/binary"
	"errors"
	"fmt"
)

// CoordinatorHost is the world as the checkpoint coordinator sees it.
type CoordinatorHost interface {
	Now() Micros
	// Tell sends a control message to a worker.
	Tell(to WorkerID, c Control)
	// After fires t back through Coordinator.Fire after delay.
	After(delay Micros, t Timer)
	// Store starts an operation on the checkpoint store; the result comes
	// back through Coordinator.Stored.
	Store(op StoreRequest)
}

// CoordinatorConfig describes a job's checkpoint coordinator. Zero
// durations take the defaults below.
type CoordinatorConfig struct {
	Workers int
	// CheckpointInterval is the time between the end of one checkpoint and
	// the start of the next; zero turns periodic checkpoints off.
	CheckpointInterval Micros
	CheckpointTimeout  Micros // a checkpoint running longer is aborted
	HeartbeatTimeout   Micros // a worker silent longer is presumed dead
	RecoveryTimeout    Micros // a recovery not finished by then starts over
	Retain             int    // completed checkpoints kept in the store
	Bug                Bug
	// Buggify, if set, may fire BuggifyEarlyCheckpoint; only the
	// simulator sets it.
	Buggify Buggify
}

// Coordinator defaults.
const (
	checkpointTimeoutDefault Micros = 1_000_000
	heartbeatTimeoutDefault  Micros = 50_000
	recoveryTimeoutDefault   Micros = 100_000
	retainDefault                   = 2
)

// coordPhase is where the coordinator is: reading the store after a
// (re)start, starting a recovery, waiting for workers to restore, running.
type coordPhase uint8

const (
	booting coordPhase = iota
	recovering
	steady
)

// Coordinator is the job manager: it starts checkpoints and completes them
// when every worker has acknowledged a durable snapshot, detects dead
// workers by their silence, and runs recoveries. It keeps nothing it cannot
// find again in the store: a restarted coordinator reads the newest
// completed checkpoint and starts a recovery to it. Like Worker it is a
// pure state machine stepped by a driver.
type Coordinator struct {
	cfg  CoordinatorConfig
	host CoordinatorHost

	phase     coordPhase
	gen       Generation
	latest    CheckpointID // newest completed checkpoint, 0 for none
	latestGen Generation   // the generation whose snapshots make it up
	retained  []completed  // completed checkpoints in the store, oldest first
	seq       int64        // checkpoints started in this generation

	inflight  *checkpointInFlight
	restored  []bool
	heard     []Micros // when each worker was last heard of
	storeWait map[uint64]func(StoreResult)
	tokenSeq  uint64

	stats CoordinatorStats
}

type completed struct {
	id   CheckpointID
	gen  Generation
	root CheckpointID // the oldest full snapshot its workers' chains start from
}

type checkpointInFlight struct {
	id         CheckpointID
	acked      []bool
	acks       int
	root       CheckpointID
	completing bool
}

// CoordinatorStats counts what the coordinator did.
type CoordinatorStats struct {
	Completed  int64 `json:"checkpoints_completed"`
	Aborted    int64 `json:"checkpoints_aborted"`
	Recoveries int64 `json:"recoveries"` // the start-up restore included
}

// ErrBadGeneration reports a stored generation that does not decode.
var ErrBadGeneration = errors.New("runtime: stored generation is corrupt")

// NewCoordinator returns a coordinator; call Start before anything else.
func NewCoordinator(cfg CoordinatorConfig, host CoordinatorHost) (*Coordinator, error) {
	cfg.CheckpointTimeout = orDefault(cfg.CheckpointTimeout, checkpointTimeoutDefault)
	cfg.HeartbeatTimeout = orDefault(cfg.HeartbeatTimeout, heartbeatTimeoutDefault)
	cfg.RecoveryTimeout = orDefault(cfg.RecoveryTimeout, recoveryTimeoutDefault)
	if cfg.Retain == 0 {
		cfg.Retain = retainDefault
	}
	switch {
	case cfg.Workers <= 0:
		return nil, fmt.Errorf("runtime: coordinator for %d workers", cfg.Workers)
	case cfg.CheckpointInterval < 0 || cfg.CheckpointTimeout < 0 || cfg.HeartbeatTimeout < 0 || cfg.RecoveryTimeout < 0:
		return nil, errors.New("runtime: negative coordinator duration")
	case cfg.Retain < 1:
		return nil, fmt.Errorf("runtime: retain %d checkpoints: want >= 1", cfg.Retain)
	case host == nil:
		return nil, errors.New("runtime: no host")
	}
	return &Coordinator{cfg: cfg, host: host, storeWait: map[uint64]func(StoreResult){}}, nil
}

func orDefault(v, d Micros) Micros {
	if v == 0 {
		return d
	}
	return v
}

// Start reads the store: the last generation, and the newest completed
// checkpoint, then recovers the job to it. A job's first start recovers to
// the empty checkpoint 0.
func (c *Coordinator) Start() {
	c.phase = booting
	c.heard = make([]Micros, c.cfg.Workers)
	c.host.After(c.cfg.HeartbeatTimeout/2, Timer{Kind: TimerLiveness})
	c.readGeneration()
}

func (c *Coordinator) readGeneration() {
	c.store(StoreRequest{Kind: StoreGet, Key: generationKey}, func(r StoreResult) {
		if r.Err != nil {
			c.retry(c.readGeneration)
			return
		}
		if r.Found {
			g, n := binary.Uvarint(r.Value)
			if n <= 0 || n != len(r.Value) {
				broken("coordinator: %v", ErrBadGeneration)
			}
			c.gen = Generation(g)
		}
		c.readCompleted()
	})
}

func (c *Coordinator) readCompleted() {
	c.store(StoreRequest{Kind: StoreList, Key: completionPrefix}, func(r StoreResult) {
		if r.Err != nil {
			c.retry(c.readCompleted)
			return
		}
		c.retained = c.retained[:0]
		for _, k := range r.Keys {
			if id, ok := checkpointOfKey(k, completionPrefix); ok {
				c.retained = append(c.retained, completed{id: id})
			}
		}
		c.readSources(0)
	})
}

// readSources reads which generation made each completed checkpoint.
func (c *Coordinator) readSources(i int) {
	if i == len(c.retained) {
		if n := len(c.retained); n > 0 {
			c.latest, c.latestGen = c.retained[n-1].id, c.retained[n-1].gen
		}
		c.recover()
		return
	}
	c.store(StoreRequest{Kind: StoreGet, Key: completionKey(c.retained[i].id)}, func(r StoreResult) {
		if r.Err != nil {
			c.retry(func() { c.readSources(i) })
			return
		}
		if !r.Found {
			// Collected since the listing, by a previous incarnation's
			// late delete: it was not the newest, so it is not needed.
			c.retained = append(c.retained[:i], c.retained[i+1:]...)
			c.readSources(i)
			return
		}
		g, n := binary.Uvarint(r.Value)
		root, _ := binary.Varint(r.Value[max(n, 0):])
		c.retained[i].gen, c.retained[i].root = Generation(g), CheckpointID(root)
		c.readSources(i + 1)
	})
}

// recover starts a new generation: it makes the generation durable first,
// so that a restarted coordinator never reuses it, then tells every worker
// to restore the newest completed checkpoint.
func (c *Coordinator) recover() {
	c.phase = recovering
	c.gen++
	c.inflight = nil
	c.seq = 0
	c.stats.Recoveries++
	// Reset at once, not when the generation is durable: until then a
	// restarted worker's heartbeats must not count as news of this recovery.
	c.restored = make([]bool, c.cfg.Workers)
	gen := c.gen
	c.store(StoreRequest{Kind: StorePut, Key: generationKey, Value: binary.AppendUvarint(nil, uint64(gen))}, func(r StoreResult) {
		if gen != c.gen {
			return
		}
		if r.Err != nil {
			c.gen--
			c.stats.Recoveries--
			c.retry(c.recover)
			return
		}
		for w := range c.cfg.Workers {
			c.host.Tell(WorkerID(w), Control{Kind: Restore, Gen: gen, Checkpoint: c.latest, Source: c.latestGen})
		}
		c.host.After(c.cfg.RecoveryTimeout, Timer{Kind: TimerRecoveryTimeout, Gen: gen})
	})
}

// Receive handles a control message from worker w.
func (c *Coordinator) Receive(w WorkerID, m Control) {
	if w < 0 || int(w) >= c.cfg.Workers {
		broken("coordinator: control %v from unknown worker %v", m, w)
	}
	c.heard[w] = c.host.Now()
	switch m.Kind {
	case Heartbeat:
		c.onHeartbeat(w, m.Gen)
	case Restored:
		c.onRestored(w, m.Gen)
	case Acked, Failed:
		c.onAck(w, m)
	case Broken:
		c.onBroken(m.Gen)
	default:
		broken("coordinator: unexpected control %v from %v", m, w)
	}
}

// onHeartbeat looks for a worker that lost its generation: a fresh process
// says generation 0. While steady, any other generation than ours means
// the worker restarted; while recovering, only a worker that already
// restored and then says 0 has certainly restarted since. (One that has not
// restored yet may still get our Restore; if not, the recovery times out.)
func (c *Coordinator) onHeartbeat(w WorkerID, g Generation) {
	switch c.phase {
	case steady:
		if g != c.gen {
			c.recover()
		}
	case recovering:
		if g == 0 && c.restored[w] {
			c.recover()
		}
	}
}

// onBroken recovers from a channel that lost packets of generation g, as
// from a crash: the generation is lost, every worker rolls back. A report
// of an older generation is old news (the worker repeats it until it is
// restored), and while booting a recovery is coming anyway.
func (c *Coordinator) onBroken(g Generation) {
	if g == c.gen && c.phase != booting {
		c.recover()
	}
}

func (c *Coordinator) onRestored(w WorkerID, g Generation) {
	if g != c.gen || c.phase != recovering {
		return
	}
	c.restored[w] = true
	for _, ok := range c.restored {
		if !ok {
			return
		}
	}
	c.phase = steady
	for i := range c.heard {
		c.heard[i] = c.host.Now()
	}
	c.scheduleCheckpoint()
}

func (c *Coordinator) scheduleCheckpoint() {
	if c.cfg.CheckpointInterval > 0 {
		c.host.After(c.checkpointDelay(), Timer{Kind: TimerCheckpoint, Gen: c.gen})
	}
}

// Fire handles a timer the coordinator set.
func (c *Coordinator) Fire(t Timer) {
	switch t.Kind {
	case TimerLiveness:
		c.checkLiveness()
		c.host.After(c.cfg.HeartbeatTimeout/2, Timer{Kind: TimerLiveness})
	case TimerRetry:
		if f := c.storeWait[t.ID]; f != nil {
			delete(c.storeWait, t.ID)
			f(StoreResult{})
		}
	case TimerCheckpoint:
		if t.Gen == c.gen && c.phase == steady && c.inflight == nil {
			c.startCheckpoint()
		}
	case TimerCheckpointTimeout:
		if in := c.inflight; in != nil && uint64(in.id) == t.ID && !in.completing {
			c.abort()
		}
	case TimerRecoveryTimeout:
		if t.Gen == c.gen && c.phase == recovering {
			c.recover()
		}
	default:
		broken("coordinator: unknown timer %v", t)
	}
}

func (c *Coordinator) checkLiveness() {
	if c.phase != steady {
		return
	}
	now := c.host.Now()
	for _, at := range c.heard {
		if now-at > c.cfg.HeartbeatTimeout {
			c.recover()
			return
		}
	}
}

// Stats returns the coordinator's counters.
func (c *Coordinator) Stats() CoordinatorStats { return c.stats }

// Steady reports whether every worker has restored the coordinator's
// generation and checkpoints are running.
func (c *Coordinator) Steady() bool { return c.phase == steady }

// Generation returns the generation the coordinator runs.
func (c *Coordinator) Generation() Generation { return c.gen }

// Latest returns the newest completed checkpoint.
func (c *Coordinator) Latest() CheckpointID { return c.latest }
