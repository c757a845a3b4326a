package realtime

import (
	"slices"
	"sync/atomic"
	"testing"
	"time"

	"github.com/flowtx/flowtx/sim"
)

const (
	fifoSendersN   = 4
	fifoReceiversN = 3
	fifoMsgsN      = 400 // per sender and receiver
	fifoBurstN     = 16  // messages per receiver a sender sends per callback
)

// fifoSender sends 0..fifoMsgsN-1 to every receiver in bursts, re-arming
// itself with a self-message between bursts so that senders, receivers and
// self-messages interleave on the scheduler.
type fifoSender struct {
	inert
	env       sim.Env
	receivers []sim.NodeID
	next      int
}

func (s *fifoSender) Start(env sim.Env) {
	s.env = env
	s.burst()
}

func (s *fifoSender) Receive(from sim.NodeID, msg sim.Message) {
	if from != s.env.Self() || msg != tag("more") {
		panic("fifo sender: unexpected message")
	}
	s.burst()
}

func (s *fifoSender) burst() {
	for i := 0; i < fifoBurstN && s.next < fifoMsgsN; i++ {
		for _, r := range s.receivers {
			s.env.Send(r, seq(s.next))
		}
		s.next++
	}
	if s.next < fifoMsgsN {
		s.env.Send(s.env.Self(), tag("more"))
	}
}

// fifoReceiver records what each sender sent it, in arrival order.
type fifoReceiver struct {
	inert
	got   map[sim.NodeID][]int
	total *atomic.Int64
}

func (r *fifoReceiver) Start(sim.Env) {}

func (r *fifoReceiver) Receive(from sim.NodeID, msg sim.Message) {
	r.got[from] = append(r.got[from], int(msg.(seq)))
	r.total.Add(1)
}

func TestLinksAreFIFOUnderConcurrency(t *testing.T) {
	d := New(Config{})
	defer d.Stop()
	var total atomic.Int64
	var receivers, senders []sim.NodeID
	for range fifoReceiversN {
		receivers = append(receivers, d.AddNode(func() sim.Process {
			return &fifoReceiver{got: map[sim.NodeID][]int{}, total: &total}
		}))
	}
	for range fifoSendersN {
		senders = append(senders, d.AddNode(func() sim.Process {
			return &fifoSender{receivers: receivers}
		}))
	}
	d.Start()
	want := int64(fifoSendersN * fifoReceiversN * fifoMsgsN)
	if err := d.RunUntil(func() bool { return total.Load() == want }, 2*time.Second); err != nil {
		t.Fatalf("delivered %d of %d messages: %v", total.Load(), want, err)
	}
	d.Stop()

	inOrder := make([]int, fifoMsgsN)
	for i := range inOrder {
		inOrder[i] = i
	}
	for _, r := range receivers {
		got := d.Process(r).(*fifoReceiver).got
		for _, s := range senders {
			if !slices.Equal(got[s], inOrder) {
				t.Errorf("%v got from %v %d messages out of order: %v", r, s, len(got[s]), got[s])
			}
		}
	}
}
