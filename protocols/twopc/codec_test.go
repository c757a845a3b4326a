package twopc

import (
	"math"
	"testing"

	"github.com/flowtx/flowtx/protocols"
	"github.com/flowtx/flowtx/runtime"
	"github.com/stretchr/testify/require"
)

// TestCodecRoundTrip: each 2PC message and state decodes to what was
// encoded, its form fits the bound of its SizeMax, and every proper prefix
// of its form is an error.
func TestCodecRoundTrip(t *testing.T) {
	a := runtime.Address{Type: "account", ID: "a"}
	c := runtime.Address{Type: "2pc", ID: "t1"}
	reply := runtime.Int64Message("balance", 70)
	stamp := runtime.RequestID{Client: 1, Seq: 2}
	widest := runtime.RequestID{Client: math.MinInt32, Seq: math.MaxUint64}
	fx := runtime.Effects{Mutations: []runtime.Mutation{{Name: "balance", Value: []byte{1}}}}
	fxAll := runtime.Effects{Mutations: fx.Mutations, Sends: []runtime.Envelope{{From: c, To: a, Request: widest, Msg: reply}},
		Delayed:   []runtime.DelayedSend{{Delay: math.MinInt64, Envelope: runtime.Envelope{To: a, Msg: reply}}},
		Responses: []runtime.Response{{Request: widest, From: a, Msg: reply, Failure: "no"}}}
	for _, tc := range []struct {
		in  protocols.Value
		out protocols.Target
	}{
		{prepare{Txn: "2pc/t1", Coordinator: c, Call: 1, Msg: reply, Stamp: stamp, ReadOnly: true}, &prepare{}},
		{prepare{Txn: "2pc/t1", Coordinator: c, Call: math.MinInt32, Msg: reply, Stamp: widest}, &prepare{}},
		{decision{Txn: "2pc/t1"}, &decision{}},
		{vote{Call: 1, Yes: true, Replied: true, Reply: reply}, &vote{}},
		{vote{Call: 2, Yes: true, Replied: true}, &vote{}},
		{vote{Reason: ReasonConflict}, &vote{}},
		{blocked{Call: 2, Holders: []runtime.Address{c, a}}, &blocked{}},
		{probe{Initiator: c, Seq: 3}, &probe{}},
		{lock{Holders: []holder{{Txn: "2pc/t1", Coordinator: c, Stamp: stamp, Effects: fx}, {Txn: "2pc/t2"}}, Shared: true}, &lock{}},
		{lock{Holders: []holder{{Txn: "2pc/t1", Coordinator: c, Stamp: widest, Effects: fxAll}}}, &lock{}},
		{queue{{From: c, To: a, Request: stamp, Msg: reply}, {To: a, Request: widest}}, &queue{}},
		{progress{Caller: a, Calls: []Call{{To: a, Msg: reply, ReadOnly: true}, {To: c}}, Edges: 4, Probed: []probe{{Initiator: c, Seq: 1}},
			States: []callState{{Vote: 1, Replied: true, Reply: reply}, {Vote: -1, Waits: []runtime.Address{c}}}}, &progress{}},
	} {
		b := protocols.Marshal(tc.in)
		require.LessOrEqual(t, len(b)-1, tc.in.(protocols.Sizer).SizeMax(), "%T", tc.in)
		require.NoError(t, protocols.Unmarshal(b, tc.out))
		require.Equal(t, protocols.Marshal(tc.in), protocols.Marshal(tc.out.(protocols.Value)), "%T", tc.in)
		for n := range len(b) {
			require.Error(t, protocols.Unmarshal(b[:n], tc.out), "%T: prefix of %d of %d bytes", tc.in, n, len(b))
		}
	}
}
