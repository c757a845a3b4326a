package checker

import (
	"fmt"
	"strings"
)

// Kind is what a client operation does.
type Kind string

// Operation kinds.
const (
	Read     Kind = "read"     // read one key's balance, or several at one point (a read transaction)
	Update   Kind = "update"   // write one field of a key; no balance effect
	Transfer Kind = "transfer" // move Amount from Keys[0] to Keys[1]
)

// Status is what the client was told about an operation.
type Status string

// Operation statuses.
const (
	// Committed: it took effect (a committed transaction, a completed
	// saga, a successful read or update).
	Committed Status = "committed"
	// Failed: it took no effect (a business abort, a compensated saga).
	Failed Status = "failed"
	// Retryable: it took no effect and may be resubmitted.
	Retryable Status = "retryable"
	// Unknown: no answer came; it may or may not have taken effect.
	Unknown Status = "unknown"
)

// Op is one client operation as the client saw it.
type Op struct {
	Client int    `json:"client"`
	ID     string `json:"id"`
	// Logical names the client operation this request is an attempt of:
	// retries of a retryable answer are new requests of the same one.
	Logical string `json:"logical,omitempty"`
	Kind    Kind   `json:"kind"`
	// Keys is the key read or updated, or a transfer's source and
	// destination.
	Keys   []string `json:"keys"`
	Amount int64    `json:"amount,omitempty"`
	Status Status   `json:"status"`
	// Values is what the operation read, when it took effect: a read's
	// balances, one per key; a transfer's source balance after the withdrawal and
	// destination balance after the deposit.
	Values []int64 `json:"values,omitempty"`
	// Write is what an update wrote: one field and its value, unique to
	// the operation.
	Write *Field `json:"write,omitempty"`
	// Fields is what a read saw of the key's fields, when it took effect.
	Fields map[string]string `json:"fields,omitempty"`
	// Call and Return are virtual microseconds; an Unknown operation has
	// no return.
	Call   int64 `json:"call_us"`
	Return int64 `json:"return_us,omitempty"`
}

func (o Op) String() string {
	s := fmt.Sprintf("%s c%d %s %s", o.ID, o.Client, o.Kind, strings.Join(o.Keys, "->"))
	if o.Kind == Transfer {
		s += fmt.Sprintf(" %d", o.Amount)
	}
	s += " " + string(o.Status)
	if len(o.Values) > 0 {
		s += fmt.Sprintf(" read %v", o.Values)
	}
	return s + fmt.Sprintf(" [%d,%d]", o.Call, o.Return)
}

// Field is one named string field of a key and its value.
type Field struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

// Entry is one line of a key's ledger: a step of a transaction (a 2PC
// transfer or a saga, named by its client request id) applied to the key's
// balance. A compensation undoes the step of the same transaction on the
// same key.
type Entry struct {
	Txn          string `json:"txn"`
	Delta        int64  `json:"delta"`
	Compensation bool   `json:"compensation,omitempty"`
}

// History is everything a run's clients observed, and what the checks need
// to know of the workload: every key's initial balance and, if the run
// reached quiescence, the final balances.
type History struct {
	// Serializable says whether the protocol promises strict
	// serializability (2PC does; sagas do not).
	Serializable bool             `json:"serializable"`
	Initial      int64            `json:"initial_balance"`
	Keys         []string         `json:"keys"`
	Ops          []Op             `json:"ops"`
	Final        map[string]int64 `json:"final,omitempty"`
	// Ledgers are the keys' ledgers read at quiescence, with Final: every
	// transaction step applied to each key, in the order it was applied.
	Ledgers map[string][]Entry `json:"ledgers,omitempty"`
	// Submitted lists every request id clients sent; Responses every
	// response they received, repeats included.
	Submitted []string `json:"submitted"`
	Responses []string `json:"responses"`
}
