package protocols_test

import (
	"errors"
	"testing"

	"github.com/flowtx/flowtx/protocols"
	"github.com/flowtx/flowtx/runtime"
	"github.com/stretchr/testify/require"
)

// sample exercises every field kind of the binary form.
type sample struct {
	N     int
	Flag  bool
	Name  string
	Env   runtime.Envelope
	Reply *runtime.Message
	Fx    runtime.Effects
}

func (s sample) EncodeTo(w *protocols.Writer) {
	w.Int(s.N)
	w.Bool(s.Flag)
	w.Str(s.Name)
	w.Envelope(s.Env)
	w.OptMessage(s.Reply)
	w.Effects(s.Fx)
}

func (s *sample) DecodeFrom(r *protocols.Reader) {
	s.N, s.Flag, s.Name = r.Int(), r.Bool(), r.Str()
	s.Env, s.Reply, s.Fx = r.Envelope(), r.OptMessage(), r.Effects()
}

func fullSample() sample {
	a := runtime.Address{Type: "account", ID: "a"}
	b := runtime.Address{Type: "2pc", ID: "t1"}
	req := runtime.RequestID{Client: 7, Seq: 300}
	reply := runtime.Int64Message("balance", -5)
	return sample{N: -42, Flag: true, Name: "x\x00y",
		Env:   runtime.Envelope{From: a, To: b, Request: req, Msg: runtime.Message{Kind: "k", Body: []byte{1, 2, 3}}},
		Reply: &reply,
		Fx: runtime.Effects{
			Mutations: []runtime.Mutation{{Name: "balance", Value: []byte{9}}, {Name: "gone", Deleted: true}},
			Sends:     []runtime.Envelope{{From: a, To: b, Msg: reply}},
			Delayed:   []runtime.DelayedSend{{Delay: 1500, Envelope: runtime.Envelope{To: a, Msg: reply}}},
			Responses: []runtime.Response{{Request: req, From: a, Msg: reply, Failure: "no"}},
		}}
}

func TestCodecRoundTrip(t *testing.T) {
	for _, in := range []sample{{}, fullSample()} {
		b := protocols.Marshal(in)
		var out sample
		require.NoError(t, protocols.Unmarshal(b, &out))
		require.Equal(t, in, out)
		require.Equal(t, b, protocols.Marshal(out), "the form is deterministic")
	}
}

// TestCodecRejectsBadInput: every proper prefix of a valid form is an
// error (never a panic or a silent zero), and so are a wrong version byte
// and trailing bytes.
func TestCodecRejectsBadInput(t *testing.T) {
	b := protocols.Marshal(fullSample())
	for n := range len(b) {
		var out sample
		err := protocols.Unmarshal(b[:n], &out)
		require.Error(t, err, "prefix of %d of %d bytes", n, len(b))
		require.True(t, errors.Is(err, protocols.ErrTruncated) || errors.Is(err, protocols.ErrCorrupt), "%v", err)
	}
	bad := append([]byte{}, b...)
	bad[0] = 2
	require.ErrorIs(t, protocols.Unmarshal(bad, &sample{}), protocols.ErrCorrupt)
	require.ErrorIs(t, protocols.Unmarshal(append(b, 0), &sample{}), protocols.ErrCorrupt)
	err := protocols.Decode(runtime.Message{Kind: "2pc/vote", Body: b[:3]}, &sample{})
	require.ErrorIs(t, err, runtime.ErrBadBody)
}
