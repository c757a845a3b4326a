package scenarios

import (
	"bytes"
	"fmt"
	"strconv"
	"strings"
	"unicode"

	"github.com/flowtx/flowtx/checker"
	"github.com/flowtx/flowtx/runtime"
)

// A YCSB record's ledger: one line per transaction step or compensation
// applied to its balance, in the order applied. It is business data (a
// bank account's statement), kept in the record's state so that it shares
// the balance's fate: checkpointed with it, rolled back with it, and
// written only if the invocation that changes the balance takes effect.
//
// The ledger grows by a line on every step, so it is kept in chunks: an
// append rewrites only the open chunk, never the whole ledger, so a step's
// copy and a 2PC prepare's kept effects stay the size of a chunk however
// long the record has lived, and so does a delta snapshot, which writes
// only the state values that changed. The open chunk is state
// ledgerState; when full it is moved, bytes as they are, to sealed chunk
// ledgerChunkName(n), and ledgerSealed counts the sealed chunks. Read
// back (readLedger), the ledger is the sealed chunks in order, then the
// open one.
const ledgerState = "ledger"

// ledgerChunkLines bounds the lines of a chunk. An append copies the open
// chunk, on average half of it, and each sealed chunk is one more state
// value, with its name and the runtime's entry for it. At 16 lines of
// about 14 bytes ("c12#3456 -1\n"), an append copies some 100 bytes, a
// sealed chunk's 200-odd bytes outweigh its overhead several times, and a
// record sealing a chunk every 16 steps writes two values more only then.
const ledgerChunkLines = 16

// ledgerSealed counts the record's sealed chunks, written only when one
// is sealed (absent: none). Its name sorts ahead of the chunks' ("." comes
// before "/"), so that reading it does not step over every sealed chunk
// in the instance's state, which is sorted by name.
var ledgerSealed = runtime.Value[int64]{Name: "ledger.sealed", Codec: runtime.Int64Codec}

// ledgerChunkPrefix starts every sealed chunk's name, and no other state
// name of a record: those are balance, the fields f0..f9, ledgerState and
// ledgerSealed.
const ledgerChunkPrefix = ledgerState + "/"

// ledgerChunkNamesMax bounds the table of chunk names: 1024 chunks are
// 16k lines, far beyond a record's steps in a campaign or a minute's
// benchmark; later chunks have their names built on each use.
const ledgerChunkNamesMax = 1024

// ledgerChunkName names sealed chunk i, counting from 0.
func ledgerChunkName(i int64) string {
	if i >= 0 && i < int64(len(ledgerChunkNames)) {
		return ledgerChunkNames[i]
	}
	return ledgerChunkPrefix + strconv.FormatInt(i, 10)
}

// ledgerChunkNames are the names of a record's first ledgerChunkNamesMax
// chunks, built once and shared by every record: built on each seal, every
// sealed chunk's name was an allocation of its own, and a full snapshot,
// which writes every record's every chunk, read thousands of them
// scattered over the heap. Read only after init, so the real-time driver's
// workers share it.
var ledgerChunkNames = func() []string {
	names := make([]string, ledgerChunkNamesMax)
	for i := range names {
		names[i] = ledgerChunkPrefix + strconv.Itoa(i)
	}
	return names
}()

// appendLedger adds the line "txn delta[ compensation]" to the ledger of
// the record being invoked: the open chunk's lines and the new one in a
// single allocation, since every transfer step appends one. A full open
// chunk is sealed first, and the new line opens the next.
func appendLedger(ctx runtime.Context, txn runtime.RequestID, delta int64, compensation bool) {
	open, _ := ctx.Get(ledgerState)
	if bytes.Count(open, []byte{'\n'}) >= ledgerChunkLines {
		sealLedgerChunk(ctx, open)
		open = nil
	}
	const suffix = " compensation"
	b := make([]byte, 0, len(open)+ledgerLineMax+len(suffix))
	b = append(b, open...)
	b = append(txn.AppendTo(b), ' ')
	b = strconv.AppendInt(b, delta, 10)
	if compensation {
		b = append(b, suffix...)
	}
	ctx.Set(ledgerState, append(b, '\n'))
}

// sealLedgerChunk moves the full open chunk to the next sealed chunk. The
// bytes move as they are: the runtime keeps a value it was given and
// nobody modifies it, so the sealed chunk can share the open chunk's
// array.
func sealLedgerChunk(ctx runtime.Context, full []byte) {
	sealed, _ := ledgerSealed.Get(ctx)
	ctx.Set(ledgerChunkName(sealed), full)
	ledgerSealed.Set(ctx, sealed+1)
}

// ledgerLineMax bounds a ledger line without its suffix: "c", a client,
// "#", a sequence number, " ", a delta and "\n", each number at most 20
// characters.
const ledgerLineMax = 1 + 20 + 1 + 20 + 1 + 20 + 1

// parseLedgerLine reads a line as appendLedger writes it ("txn delta" or
// "txn delta compensation", single spaces), without parseLedger's
// allocations: every seed's check reads every record's ledger. Anything
// else is left to the general parse, which says what is wrong.
func parseLedgerLine(line string) (checker.Entry, bool) {
	txn, rest, ok := strings.Cut(line, " ")
	if !ok || txn == "" || strings.ContainsFunc(txn, unicode.IsSpace) {
		return checker.Entry{}, false
	}
	num, tail, compensation := strings.Cut(rest, " ")
	if compensation && tail != "compensation" {
		return checker.Entry{}, false
	}
	delta, err := strconv.ParseInt(num, 10, 64)
	if err != nil || strconv.FormatInt(delta, 10) != num {
		return checker.Entry{}, false
	}
	return checker.Entry{Txn: txn, Delta: delta, Compensation: compensation}, true
}

// readLedger reads a record's ledger back from its state: the sealed
// chunks in order, then the open one; nil if the record has none. A chunk
// missing, left over or not as appendLedger leaves it (a sealed chunk
// holds exactly ledgerChunkLines lines, the open one 1 to
// ledgerChunkLines) is an error, like a malformed line: the audit must
// see every line or none.
func readLedger(state map[string][]byte) ([]checker.Entry, error) {
	sealed, err := sealedLedgerChunks(state)
	if err != nil {
		return nil, err
	}
	open, ok := state[ledgerState]
	if !ok {
		if sealed > 0 {
			return nil, fmt.Errorf("ledger: %d sealed chunks but no open chunk %q", sealed, ledgerState)
		}
		return nil, nil
	}
	// A count beyond the state's size is an error below; it must not size
	// an allocation first.
	entries := make([]checker.Entry, 0, (min(sealed, int64(len(state)))+1)*ledgerChunkLines)
	for i := range sealed {
		name := ledgerChunkName(i)
		chunk, ok := state[name]
		if !ok {
			return nil, fmt.Errorf("ledger chunk %q missing, of %d sealed", name, sealed)
		}
		if entries, err = parseLedgerChunk(entries, name, chunk, ledgerChunkLines, ledgerChunkLines); err != nil {
			return nil, err
		}
	}
	if stored := storedLedgerChunks(state); stored != sealed {
		return nil, fmt.Errorf("ledger: %d chunks named %q..., but %q counts %d sealed", stored, ledgerChunkPrefix, ledgerSealed.Name, sealed)
	}
	return parseLedgerChunk(entries, ledgerState, open, 1, ledgerChunkLines)
}

// sealedLedgerChunks is the number of sealed chunks ledgerSealed counts.
func sealedLedgerChunks(state map[string][]byte) (int64, error) {
	b, ok := state[ledgerSealed.Name]
	if !ok {
		return 0, nil
	}
	n, err := ledgerSealed.Codec.Decode(b)
	if err != nil || n < 1 {
		return 0, fmt.Errorf("ledger: %q is %q, want a count of sealed chunks", ledgerSealed.Name, b)
	}
	return n, nil
}

// storedLedgerChunks counts the state's sealed chunk names: once every
// chunk ledgerSealed counts is read, one more would be a chunk no reader
// sees.
func storedLedgerChunks(state map[string][]byte) int64 {
	var stored int64
	for name := range state { // order-independent: a count
		if strings.HasPrefix(name, ledgerChunkPrefix) {
			stored++
		}
	}
	return stored
}

// parseLedgerChunk appends to entries the lines of the chunk called name,
// which must hold from linesMin to linesMax of them.
func parseLedgerChunk(entries []checker.Entry, name string, chunk []byte, linesMin, linesMax int) ([]checker.Entry, error) {
	before := len(entries)
	entries, err := parseLedger(entries, chunk)
	if err != nil {
		return nil, fmt.Errorf("ledger chunk %q: %w", name, err)
	}
	if lines := len(entries) - before; lines < linesMin || lines > linesMax {
		return nil, fmt.Errorf("ledger chunk %q holds %d lines, want %d to %d", name, lines, linesMin, linesMax)
	}
	return entries, nil
}

// parseLedger appends to entries the lines of ledger text b.
func parseLedger(entries []checker.Entry, b []byte) ([]checker.Entry, error) {
	for line := range strings.SplitSeq(strings.TrimSuffix(string(b), "\n"), "\n") {
		if line == "" {
			continue
		}
		if e, ok := parseLedgerLine(line); ok {
			entries = append(entries, e)
			continue
		}
		f := strings.Fields(line)
		if len(f) < 2 || len(f) > 3 || len(f) == 3 && f[2] != "compensation" {
			return nil, fmt.Errorf("ledger line %q: want \"txn delta [compensation]\"", line)
		}
		delta, err := strconv.ParseInt(f[1], 10, 64)
		if err != nil {
			return nil, fmt.Errorf("ledger line %q: %v", line, err)
		}
		entries = append(entries, checker.Entry{Txn: f[0], Delta: delta, Compensation: len(f) == 3})
	}
	return entries, nil
}
