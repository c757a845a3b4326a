package twopc_test

import (
	"strconv"
	"testing"

	"github.com/flowtx/flowtx/protocols/twopc"
	"github.com/flowtx/flowtx/runtime"
)

// BenchmarkTransfer runs uncontended two-call transactions one at a time
// through a single runtime.Worker without checkpoints: what one 2PC
// transaction costs the protocol and the runtime under it (-benchmem
// reports its allocations), without a network, other workers or lock
// waits. An op is one transaction from request to outcome: a begin, two
// prepares and votes, two commits.
func BenchmarkTransfer(b *testing.B) {
	reg := runtime.NewRegistry()
	check(b, reg.Register("account", benchAccount))
	accounts := make([]runtime.Address, transferAccounts)
	for i := range accounts {
		accounts[i] = runtime.Address{Type: "account", ID: strconv.Itoa(i)}
	}
	check(b, twopc.Register(reg, "2pc", twopc.Coordinator{
		Begin: func(_ runtime.Context, msg runtime.Message) ([]twopc.Call, error) {
			from, err := msg.Int64()
			if err != nil {
				return nil, err
			}
			return []twopc.Call{{To: accounts[from], Msg: runtime.Int64Message("add", -1)},
				{To: accounts[(from+1)%transferAccounts], Msg: runtime.Int64Message("add", 1)}}, nil
		},
		Decided: func(ctx runtime.Context, o twopc.Outcome) { ctx.Reply(runtime.Message{Kind: o.Status.String()}) },
	}))
	coordinators := make([]runtime.Address, transferCoordinators)
	for i := range coordinators {
		coordinators[i] = runtime.Address{Type: "2pc", ID: strconv.Itoa(i)}
	}
	h := &transferHost{}
	w, err := runtime.NewWorker(runtime.Config{ID: 0, Workers: 1, Registry: reg, Pipeline: &twopc.Participant{}}, h)
	check(b, err)
	w.Start()
	w.Control(runtime.Control{Kind: runtime.Restore, Gen: 1})
	h.ingress = make([]runtime.Request, 0, b.N)
	committed := 0
	for i := 0; b.Loop(); i++ {
		h.ingress = append(h.ingress, runtime.Request{ID: runtime.RequestID{Client: 1, Seq: uint64(i + 1)},
			To: coordinators[i%transferCoordinators], Msg: runtime.Int64Message("run", int64(i*transferStride%transferAccounts))})
		w.PollIngress()
		for len(h.kicks) > 0 {
			t := h.kicks[0]
			h.kicks = h.kicks[1:]
			w.Fire(t)
		}
		if h.committed != committed+1 {
			b.Fatalf("transaction %d: %d committed after it, want %d", i, h.committed, committed+1)
		}
		committed = h.committed
	}
}

// The accounts the transfers spread over, and the coordinator instances
// they take in turn (an instance runs one transaction at a time; reusing
// them keeps the worker's set of changed instances bounded, as a
// checkpoint would). Transaction i moves 1 from account i*transferStride
// to the next one, so that consecutive transactions touch accounts far
// apart.
const (
	transferAccounts     = 10_000
	transferCoordinators = 1_000
	transferStride       = 7_919
)

// transferHost is a one-worker job's host: no other workers, checkpoints
// or delayed messages; a kick timer fires when the benchmark loop gets to
// it, and every outcome released is counted.
type transferHost struct {
	ingress   []runtime.Request
	kicks     []runtime.Timer
	committed int
}

func (h *transferHost) Now() runtime.Micros { return 0 }

func (h *transferHost) Send(to runtime.WorkerID, _ runtime.Packet) {
	panic("a single worker sends no packets, yet one went to worker " + strconv.Itoa(int(to)))
}

func (h *transferHost) Tell(runtime.Control) {}

func (h *transferHost) After(_ runtime.Micros, t runtime.Timer) {
	if t.Kind == runtime.TimerKick {
		h.kicks = append(h.kicks, t)
	}
}

func (h *transferHost) Store(runtime.StoreRequest) {}

func (h *transferHost) ReadIngress(from runtime.Offset, max int) []runtime.Request {
	if int(from) >= len(h.ingress) {
		return nil
	}
	return h.ingress[from:min(len(h.ingress), int(from)+max)]
}

func (h *transferHost) Release(b runtime.EgressBatch) {
	for _, r := range b.Responses {
		if r.Msg.Kind == twopc.Committed.String() {
			h.committed++
		}
	}
}
