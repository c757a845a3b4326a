package sim

import (
	"fmt"
	"math/rand/v2"
)

// chatterConfig is a small randomized workload for kernel and determinism
// tests: every node sends pings to random peers from its own PRNG stream,
// peers answer with pongs, and some nodes write to the store and crash.
type chatterConfig struct {
	Seed       uint64
	Nodes      int
	Latency    Latency
	DropProb   float64
	DupProb    float64
	Reorder    bool
	Sends      int  // pings each node originates
	StoreEvery int  // a node writes to the store every StoreEvery pings; 0: never
	Crash      bool // crash node 0 at 1ms and restart it at 2ms
}

// chatter is one node of the chatter workload.
type chatter struct {
	cfg  chatterConfig
	env  Env
	rng  *rand.Rand
	sent int
}

func (c *chatter) Start(env Env) {
	c.env = env
	c.env.After(1+Time(c.rng.Int64N(100)), note{Tag: "tick"})
}

func (c *chatter) Receive(from NodeID, m Message) {
	if n := m.(note); n.Tag == "ping" {
		c.env.Send(from, note{Tag: "pong", N: n.N})
	}
}

func (c *chatter) Fire(Message) {
	if c.sent >= c.cfg.Sends {
		return
	}
	c.sent++
	peer := NodeID(c.rng.IntN(c.cfg.Nodes))
	c.env.Send(peer, note{Tag: "ping", N: int64(c.sent)})
	if c.cfg.StoreEvery > 0 && c.sent%c.cfg.StoreEvery == 0 {
		key := fmt.Sprintf("%v/%d", c.env.Self(), c.sent)
		c.env.Store(StoreOp{Kind: StorePut, Key: key, Value: []byte(key), Token: uint64(c.sent)})
	}
	c.env.After(1+Time(c.rng.Int64N(200)), note{Tag: "tick"})
}

func (c *chatter) Stored(StoreResult) {}

// newChatter builds a kernel running the chatter workload.
func newChatter(cfg chatterConfig) *Sim {
	links := NewLinks(cfg.Latency)
	links.DropProb, links.DupProb, links.Reorder = cfg.DropProb, cfg.DupProb, cfg.Reorder
	s := New(Config{Seed: cfg.Seed, Network: links, Storage: &Disk{LatencyMin: 100, LatencyMax: 900}})
	for i := 0; i < cfg.Nodes; i++ {
		id := NodeID(s.Nodes())
		s.AddNode(func() Process {
			return &chatter{cfg: cfg, rng: s.Stream(fmt.Sprintf("chatter/%v", id))}
		})
	}
	if cfg.Crash {
		s.At(Millisecond, func() { s.Crash(0) })
		s.At(2*Millisecond, func() { s.Restart(0) })
	}
	return s
}
