package scenarios

import (
	"encoding/binary"
	"fmt"
	"math/rand/v2"
	"strconv"

	"github.com/flowtx/flowtx/runtime"
	"github.com/flowtx/flowtx/sim"
)

// The chain scenario: each request starts a chain of hops through link
// instances, every hop counting its visit and forwarding to the next link
// of a fixed permutation of the keys, which is full of cycles; some links
// forward with a delayed message. The last hop
// answers the client. Its invariant: every instance's visit count is the
// number of chains that passed through it, and every answer carries the
// sum of the visit counts the chain saw, which must be consistent with its
// path.
func init() {
	register(scenario{
		name:  "chain",
		about: "requests hop through instances in cycles, counting visits; counts must match the hops clients were told of",
		defaults: Config{
			Workers:   4,
			Clients:   8,
			Ops:       20,
			Keys:      32,
			TimeLimit: 10 * sim.Second,
		},
		workload: func(cfg Config) Workload { return &chain{cfg: cfg} },
	})
}

// LinkType is the function type of a chain link.
const LinkType runtime.FuncType = "chain/link"

const (
	opHop   = "hop"
	hopsMax = 48
	// Every delayEvery-th link forwards after hopDelay, so that chains
	// also wait in workers' delayed-message tables, and snapshots hold
	// some of them.
	delayEvery = 5
	hopDelay   = 2 * sim.Millisecond
)

var visitsState = runtime.Value[int64]{Name: "visits", Codec: runtime.Int64Codec}

type chain struct {
	cfg Config
}

// next is the fixed successor of link k: an affine permutation of the
// keys, so following it from any key comes back round in a cycle.
func (c *chain) next(k int) int { return (k*5 + 3) % c.cfg.Keys }

func linkAddress(k int) runtime.Address {
	return runtime.Address{Type: LinkType, ID: "link-" + strconv.Itoa(k)}
}

// hop bodies carry (key, hops left), both varints.
func hopMessage(key int, left int64) runtime.Message {
	b := binary.AppendVarint(nil, int64(key))
	return runtime.Message{Kind: opHop, Body: binary.AppendVarint(b, left)}
}

func decodeHop(m runtime.Message) (key int, left int64, err error) {
	k, n := binary.Varint(m.Body)
	if n <= 0 {
		return 0, 0, fmt.Errorf("%w: hop key", runtime.ErrBadBody)
	}
	l, n2 := binary.Varint(m.Body[n:])
	if n2 <= 0 || n+n2 != len(m.Body) {
		return 0, 0, fmt.Errorf("%w: hop count", runtime.ErrBadBody)
	}
	return int(k), l, nil
}

// Retryable implements Workload: nothing in this scenario is retried.
func (c *chain) Retryable(runtime.Response) bool { return false }

func (c *chain) Register(reg *runtime.Registry) error {
	return reg.Register(LinkType, func(ctx runtime.Context, msg runtime.Message) error {
		key, left, err := decodeHop(msg)
		if err != nil {
			return err
		}
		visits, _ := visitsState.Get(ctx)
		visitsState.Set(ctx, visits+1)
		if left == 0 {
			ctx.Egress(runtime.Int64Message("visited", int64(key)))
			return nil
		}
		n := c.next(key)
		if key%delayEvery == 0 {
			ctx.SendAfter(runtime.Micros(hopDelay), linkAddress(n), hopMessage(n, left-1))
			return nil
		}
		ctx.Send(linkAddress(n), hopMessage(n, left-1))
		return nil
	})
}

// Requests draws chains of 0..hopsMax hops from random starting keys.
// Disjoint makes no difference here: chains meet on shared links, but
// visit counts commute, so the final state is order-independent anyway.
func (c *chain) Requests(cl runtime.ClientID, n int, rng *rand.Rand) []runtime.Request {
	reqs := make([]runtime.Request, n)
	for i := range reqs {
		k := rng.IntN(c.cfg.Keys)
		reqs[i] = runtime.Request{
			ID:  runtime.RequestID{Client: cl, Seq: uint64(i + 1)},
			To:  linkAddress(k),
			Msg: hopMessage(k, rng.Int64N(hopsMax+1)),
		}
	}
	return reqs
}

// Check replays every answered chain along the permutation: the answer
// must name the chain's last link, and the visit counts must equal the
// number of chains that passed through each link.
func (c *chain) Check(o Outcome) []string {
	want := map[runtime.Address]int64{}
	var v []string
	for _, h := range o.Histories {
		for _, op := range h {
			if !op.Answered {
				continue
			}
			k, left, _ := decodeHop(op.Request.Msg)
			for ; ; left-- {
				want[linkAddress(k)]++
				if left == 0 {
					break
				}
				k = c.next(k)
			}
			if got, err := op.Response.Msg.Int64(); err != nil || got != int64(k) {
				v = append(v, fmt.Sprintf("chain: %v answered %v, want the chain to end at link-%d", op.Request, op.Response, k))
			}
		}
	}
	got := map[runtime.Address]int64{}
	for a, state := range o.State { // order-independent: fills a map
		n, err := runtime.Int64Codec.Decode(state[visitsState.Name])
		if err != nil {
			v = append(v, fmt.Sprintf("chain: %v has no readable visit count", a))
			continue
		}
		got[a] = n
	}
	for _, a := range sortedAddresses(want, got) {
		if got[a] != want[a] {
			v = append(v, fmt.Sprintf("chain: %v visited %d times, answered chains passed it %d times", a, got[a], want[a]))
		}
	}
	return v
}
