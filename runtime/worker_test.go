package runtime

import (
	"errors"
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"
)

var (
	logState = Value[string]{Name: "log", Codec: StringCodec}
	errNope  = errors.New("nope")
)

// appender appends each message's kind to its "log" state and answers
// clients; "forward:<id>" also forwards "fwd" to the appender with that id,
// and "fail" writes, sends and replies before failing.
func appender(ctx Context, msg Message) error {
	log, _ := logState.Get(ctx)
	logState.Set(ctx, log+msg.Kind+";")
	switch {
	case msg.Kind == "fail":
		ctx.Send(Address{Type: "app", ID: "witness"}, Message{Kind: "leak"})
		ctx.Reply(Message{Kind: "leak"})
		return errNope
	case len(msg.Kind) > 8 && msg.Kind[:8] == "forward:":
		ctx.Send(Address{Type: "app", ID: msg.Kind[8:]}, Message{Kind: "fwd"})
	}
	if ctx.Caller().IsZero() {
		ctx.Reply(Message{Kind: "ok"})
	}
	return nil
}

func appRegistry(t *testing.T) *Registry {
	reg := NewRegistry()
	require.NoError(t, reg.Register("app", appender))
	return reg
}

func TestInstanceSeesMessagesInArrivalOrder(t *testing.T) {
	j := newTestJob(t, 3, appRegistry(t), nil)
	target := Address{Type: "app", ID: "x"}
	var want string
	for i := range 50 {
		// Forwards from many instances (on several workers) race with
		// direct requests; each sender's messages must stay in order.
		kind := fmt.Sprintf("m%d", i)
		j.submit(Request{ID: RequestID{Client: 1, Seq: uint64(i + 1)}, To: target, Msg: Message{Kind: kind}})
		want += kind + ";"
	}
	j.run()
	got, _ := j.state(target, "log")
	require.Equal(t, want, string(got))
	require.Len(t, j.responses, 50)
}

func TestForwardedMessagesKeepPerSenderOrder(t *testing.T) {
	j := newTestJob(t, 4, appRegistry(t), nil)
	sink := Address{Type: "app", ID: "sink"}
	for i := range 20 {
		src := Address{Type: "app", ID: fmt.Sprintf("src%d", i%5)}
		j.submit(Request{ID: RequestID{Client: 1, Seq: uint64(i + 1)}, To: src, Msg: Message{Kind: "forward:sink"}})
	}
	j.run()
	got, _ := j.state(sink, "log")
	require.Equal(t, 20*len("fwd;"), len(got), "sink log %q", got)
	for i := range 5 {
		log, _ := j.state(Address{Type: "app", ID: fmt.Sprintf("src%d", i)}, "log")
		require.Equal(t, "forward:sink;forward:sink;forward:sink;forward:sink;", string(log))
	}
}

func TestInstancesHaveSeparateState(t *testing.T) {
	j := newTestJob(t, 2, appRegistry(t), nil)
	a, b := Address{Type: "app", ID: "a"}, Address{Type: "app", ID: "b"}
	j.submit(Request{ID: RequestID{Client: 1, Seq: 1}, To: a, Msg: Message{Kind: "ma"}})
	j.submit(Request{ID: RequestID{Client: 1, Seq: 2}, To: b, Msg: Message{Kind: "mb"}})
	j.run()
	la, _ := j.state(a, "log")
	lb, _ := j.state(b, "log")
	require.Equal(t, "ma;", string(la))
	require.Equal(t, "mb;", string(lb))
}

func TestBusinessFailureLeavesNoTrace(t *testing.T) {
	j := newTestJob(t, 2, appRegistry(t), nil)
	a := Address{Type: "app", ID: "a"}
	j.submit(Request{ID: RequestID{Client: 1, Seq: 1}, To: a, Msg: Message{Kind: "fail"}})
	j.run()
	_, ok := j.state(a, "log")
	require.False(t, ok, "failed invocation left state")
	_, ok = j.state(Address{Type: "app", ID: "witness"}, "log")
	require.False(t, ok, "failed invocation's send was delivered")
	require.Equal(t, []Response{{Request: RequestID{Client: 1, Seq: 1}, From: a, Failure: "nope"}}, j.responses)
}

// The known-bad variant: with BugKeepFailedEffects the same failure leaks
// its writes, sends and reply, and the checks above see it.
func TestBusinessFailureBugLeaksEffects(t *testing.T) {
	j := newTestJob(t, 2, appRegistry(t), func(c *Config) { c.Bug = BugKeepFailedEffects })
	a := Address{Type: "app", ID: "a"}
	j.submit(Request{ID: RequestID{Client: 1, Seq: 1}, To: a, Msg: Message{Kind: "fail"}})
	j.run()
	_, ok := j.state(a, "log")
	require.True(t, ok)
	_, ok = j.state(Address{Type: "app", ID: "witness"}, "log")
	require.True(t, ok)
	require.Len(t, j.responses, 2)
}

func TestDelayedMessageArrivesNoEarlierThanAsked(t *testing.T) {
	reg := NewRegistry()
	var sentAt, gotAt Micros
	var j *testJob
	require.NoError(t, reg.Register("timer", func(ctx Context, msg Message) error {
		switch msg.Kind {
		case "arm":
			sentAt = j.now
			ctx.SendAfter(5000, Address{Type: "timer", ID: "other"}, Message{Kind: "ring"})
		case "ring":
			gotAt = j.now
			ctx.Egress(Message{Kind: "rang"})
		}
		return nil
	}))
	j = newTestJob(t, 3, reg, nil)
	j.submit(Request{ID: RequestID{Client: 1, Seq: 1}, To: Address{Type: "timer", ID: "t"}, Msg: Message{Kind: "arm"}})
	j.run()
	require.GreaterOrEqual(t, gotAt-sentAt, Micros(5000))
	require.Len(t, j.responses, 1)
	require.Equal(t, "rang", j.responses[0].Msg.Kind)
}

func TestInvocationCostSerialisesAWorker(t *testing.T) {
	j := newTestJob(t, 1, appRegistry(t), func(c *Config) { c.InvocationCost = 10 })
	for i := range 5 {
		j.submit(Request{ID: RequestID{Client: 1, Seq: uint64(i + 1)}, To: Address{Type: "app", ID: fmt.Sprint(i)}, Msg: Message{Kind: "m"}})
	}
	j.run()
	require.Len(t, j.responses, 5)
	require.Equal(t, Micros(50), j.now, "five invocations of 10us on one worker end at 50us")
}

func TestUnknownTypeFailsTheRequest(t *testing.T) {
	j := newTestJob(t, 1, appRegistry(t), nil)
	j.submit(Request{ID: RequestID{Client: 1, Seq: 1}, To: Address{Type: "nope", ID: "x"}, Msg: Message{Kind: "m"}})
	j.run()
	require.Len(t, j.responses, 1)
	require.Contains(t, j.responses[0].Failure, "unknown function type")
}

func TestNewWorkerRejectsBadConfig(t *testing.T) {
	reg := appRegistry(t)
	host := jobHost{}
	for _, cfg := range []Config{
		{Workers: 0, Registry: reg},
		{Workers: 2, ID: 2, Registry: reg},
		{Workers: 200, Registry: reg},
		{Workers: 1},
	} {
		_, err := NewWorker(cfg, host)
		require.Error(t, err, "config %+v", cfg)
	}
}

func TestPlacementIsStableAndCoversWorkers(t *testing.T) {
	seen := map[WorkerID]int{}
	for i := range 1000 {
		a := Address{Type: "acct", ID: fmt.Sprint(i)}
		g := KeyGroupOf(a, KeyGroupsDefault)
		require.Equal(t, g, KeyGroupOf(a, KeyGroupsDefault))
		seen[OwnerOf(g, KeyGroupsDefault, 4)]++
	}
	require.Len(t, seen, 4)
	for w, n := range seen {
		require.Greater(t, n, 150, "worker %v owns only %d of 1000 addresses", w, n)
	}
}
