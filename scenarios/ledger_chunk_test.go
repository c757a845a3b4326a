package scenarios

import (
	"fmt"
	"testing"
	"unsafe"

	"github.com/stretchr/testify/require"

	"github.com/flowtx/flowtx/checker"
	"github.com/flowtx/flowtx/runtime"
)

// stateContext is a runtime.Context holding only an instance's state,
// enough for appendLedger; anything else it is asked panics through the
// nil Context it embeds.
type stateContext struct {
	runtime.Context
	state map[string][]byte
}

func newStateContext() *stateContext { return &stateContext{state: map[string][]byte{}} }

func (c *stateContext) Self() runtime.Address { return recordAddress(0) }

func (c *stateContext) Get(name string) ([]byte, bool) {
	b, ok := c.state[name]
	return b, ok
}

func (c *stateContext) Set(name string, value []byte) { c.state[name] = value }

func (c *stateContext) Delete(name string) { delete(c.state, name) }

// appendLedgerLines appends n distinct lines, steps and compensations of
// either sign, and returns the entries they stand for, in order.
func appendLedgerLines(ctx runtime.Context, n int) []checker.Entry {
	var want []checker.Entry
	for i := range n {
		txn := runtime.RequestID{Client: runtime.ClientID(i % 3), Seq: uint64(i + 1)}
		delta, compensation := int64(i%7-3), i%5 == 4
		appendLedger(ctx, txn, delta, compensation)
		want = append(want, checker.Entry{Txn: txn.String(), Delta: delta, Compensation: compensation})
	}
	return want
}

// A ledger reads back as exactly the lines appended, in order, on both
// sides of every chunk boundary; the sealed chunks are full and counted.
func TestLedgerChunksReadBackInOrder(t *testing.T) {
	for _, n := range []int{0, 1, ledgerChunkLines - 1, ledgerChunkLines, ledgerChunkLines + 1, 2 * ledgerChunkLines, 3*ledgerChunkLines + 5} {
		t.Run(fmt.Sprint(n), func(t *testing.T) {
			ctx := newStateContext()
			want := appendLedgerLines(ctx, n)
			got, err := readLedger(ctx.state)
			require.NoError(t, err)
			require.Equal(t, want, got)

			sealedWant := 0
			if n > 0 {
				sealedWant = (n - 1) / ledgerChunkLines
			}
			sealed, err := sealedLedgerChunks(ctx.state)
			require.NoError(t, err)
			require.EqualValues(t, sealedWant, sealed)
			require.EqualValues(t, sealedWant, storedLedgerChunks(ctx.state))
		})
	}
}

// Sealing moves the open chunk's bytes, not a copy of them, and the new
// line opens the next chunk alone.
func TestLedgerSealMovesTheOpenChunk(t *testing.T) {
	ctx := newStateContext()
	appendLedgerLines(ctx, ledgerChunkLines)
	full := ctx.state[ledgerState]
	appendLedger(ctx, runtime.RequestID{Client: 9, Seq: 1}, 5, false)
	require.Equal(t, unsafe.SliceData(full), unsafe.SliceData(ctx.state[ledgerChunkName(0)]))
	require.Equal(t, "c9#1 5\n", string(ctx.state[ledgerState]))
}

// Every way a chunked ledger can be broken is an error, never lines
// silently dropped: each case breaks a ledger of three sealed chunks and
// an open one that reads back whole.
func TestLedgerChunksBroken(t *testing.T) {
	for name, c := range map[string]struct {
		breakLedger func(state map[string][]byte)
		want        string // in the error
	}{
		"missing middle chunk": {func(s map[string][]byte) { delete(s, ledgerChunkName(1)) }, `"ledger/1" missing, of 3 sealed`},
		"missing last chunk":   {func(s map[string][]byte) { delete(s, ledgerChunkName(2)) }, `"ledger/2" missing, of 3 sealed`},
		"chunk beyond count":   {func(s map[string][]byte) { s[ledgerChunkName(3)] = []byte("c1#1 1\n") }, `4 chunks named "ledger/"..., but "ledger.sealed" counts 3`},
		"missing count":        {func(s map[string][]byte) { delete(s, ledgerSealed.Name) }, `3 chunks named "ledger/"..., but "ledger.sealed" counts 0`},
		"count too high":       {func(s map[string][]byte) { s[ledgerSealed.Name] = runtime.Int64Codec.Encode(1 << 40) }, `"ledger/3" missing`},
		"count unreadable":     {func(s map[string][]byte) { s[ledgerSealed.Name] = []byte{0x80} }, "want a count of sealed chunks"},
		"count zero":           {func(s map[string][]byte) { s[ledgerSealed.Name] = runtime.Int64Codec.Encode(0) }, "want a count of sealed chunks"},
		"missing open chunk":   {func(s map[string][]byte) { delete(s, ledgerState) }, `3 sealed chunks but no open chunk "ledger"`},
		"empty open chunk":     {func(s map[string][]byte) { s[ledgerState] = nil }, `chunk "ledger" holds 0 lines, want 1 to 16`},
		"sealed chunk short": {func(s map[string][]byte) { s[ledgerChunkName(0)] = s[ledgerChunkName(0)][len("c0#1 -3\n"):] },
			`chunk "ledger/0" holds 15 lines, want 16 to 16`},
		"malformed sealed line": {func(s map[string][]byte) {
			s[ledgerChunkName(1)] = append([]byte("c1#1 x\n"), s[ledgerChunkName(1)]...)
		},
			`chunk "ledger/1": ledger line "c1#1 x"`},
		"malformed open line": {func(s map[string][]byte) { s[ledgerState] = append([]byte("c1#1\n"), s[ledgerState]...) },
			`chunk "ledger": ledger line "c1#1"`},
	} {
		t.Run(name, func(t *testing.T) {
			ctx := newStateContext()
			appendLedgerLines(ctx, 3*ledgerChunkLines+5)
			_, err := readLedger(ctx.state)
			require.NoError(t, err, "before breaking it")
			c.breakLedger(ctx.state)
			_, err = readLedger(ctx.state)
			require.ErrorContains(t, err, c.want)
		})
	}
}

// A record that never took part in a transfer has no ledger, and nothing
// else in its state is read as one.
func TestLedgerAbsent(t *testing.T) {
	got, err := readLedger(map[string][]byte{balanceOf.Name: runtime.Int64Codec.Encode(3), "f1": []byte("v")})
	require.NoError(t, err)
	require.Nil(t, got)
}

// BenchmarkAppendLedger appends a long ledger's lines, as a hot record's
// steps do: the cost per line must not grow with the ledger.
func BenchmarkAppendLedger(b *testing.B) {
	for _, lines := range []int{100, 10_000} {
		b.Run(fmt.Sprintf("lines=%d", lines), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				ctx := newStateContext()
				for i := range lines {
					appendLedger(ctx, runtime.RequestID{Client: 7, Seq: uint64(i + 1)}, -1, false)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*lines), "ns/line")
		})
	}
}
