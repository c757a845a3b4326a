package scenarios

import (
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
const ledgerState = "ledger"

// appendLedger adds the line "txn delta[ compensation]" to the ledger of
// the record being invoked: the old lines and the new one in a single
// allocation, since every transfer step appends one.
func appendLedger(ctx runtime.Context, txn runtime.RequestID, delta int64, compensation bool) {
	old, _ := ctx.Get(ledgerState)
	const suffix = " compensation"
	b := make([]byte, 0, len(old)+ledgerLineMax+len(suffix))
	b = append(b, old...)
	b = append(txn.AppendTo(b), ' ')
	b = strconv.AppendInt(b, delta, 10)
	if compensation {
		b = append(b, suffix...)
	}
	ctx.Set(ledgerState, append(b, '\n'))
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

// parseLedger reads a ledger back.
func parseLedger(b []byte) ([]checker.Entry, error) {
	var entries []checker.Entry
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
