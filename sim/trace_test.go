package sim

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestTimeString(t *testing.T) {
	for _, tc := range []struct {
		t    Time
		want string
	}{
		{0, "0us"},
		{999, "999us"},
		{Millisecond, "1ms"},
		{1500, "1.5ms"},
		{Second, "1s"},
		{90 * Second, "90s"},
		{1500 * Millisecond, "1500ms"},
		{Never, "never"},
	} {
		require.Equal(t, tc.want, tc.t.String(), "Time(%d).String()", int64(tc.t))
	}
}

func TestTraceHashString(t *testing.T) {
	require.Equal(t, "0000000000000000", TraceHash(0).String(), "TraceHash(0).String()")
	require.Equal(t, "0123456789abcdef", TraceHash(0x0123456789abcdef).String(), "TraceHash(0x0123456789abcdef).String()")
}

// TestTraceHashOrderMatters checks the hash is a digest of a sequence, not
// a set: the same words in another order give another hash.
func TestTraceHashOrderMatters(t *testing.T) {
	var ab, ba TraceHash
	ab.Add(1)
	ab.Add(2)
	ba.Add(2)
	ba.Add(1)
	require.NotEqual(t, ab, ba, "hash of (1, 2) and of (2, 1)")
	var s1, s2 TraceHash
	s1.AddString("deliver")
	s2.Add(Fingerprint("deliver"))
	require.Equal(t, s1, s2, "AddString(s) and Add(Fingerprint(s))")
}

func TestFingerprint(t *testing.T) {
	// FNV-1a test vectors.
	require.Equal(t, uint64(0xcbf29ce484222325), Fingerprint(""), `Fingerprint("")`)
	require.Equal(t, uint64(0xaf63dc4c8601ec8c), Fingerprint("a"), `Fingerprint("a")`)
	require.Equal(t, uint64(0x85944171f73967e8), Fingerprint("foobar"), `Fingerprint("foobar")`)
	require.Equal(t, Fingerprint("foobar"), FingerprintBytes([]byte("foobar")), "FingerprintBytes and Fingerprint")
}

func TestTraceEventString(t *testing.T) {
	e := TraceEvent{At: 1500, Kind: "deliver", Node: 2, From: 1, Msg: note{Tag: "ping", N: 3}}
	require.Equal(t, "1.5ms deliver n2<-n1 ping#3", e.String(), "TraceEvent.String()")
	e.Msg = nil
	require.Equal(t, "1.5ms deliver n2<-n1", e.String(), "TraceEvent.String() without a message")
}

func TestTraceEventStoreOp(t *testing.T) {
	e := TraceEvent{Kind: "store", Msg: &pendingStore{op: StoreOp{Kind: StorePut, Key: "k", Value: []byte("v"), Token: 7}, fail: true}}
	op, failed, ok := e.StoreOp()
	require.True(t, ok, "a store event carries its operation")
	require.True(t, failed)
	require.Equal(t, StoreOp{Kind: StorePut, Key: "k", Token: 7}, op, "the operation, without its value")
	_, _, ok = TraceEvent{Kind: "timer"}.StoreOp()
	require.False(t, ok, "a timer is no store operation")
}
