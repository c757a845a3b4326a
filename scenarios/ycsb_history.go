package scenarios

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"github.com/flowtx/flowtx/checker"
	"github.com/flowtx/flowtx/protocols/saga"
	"github.com/flowtx/flowtx/protocols/twopc"
	"github.com/flowtx/flowtx/runtime"
)

// History turns a YCSB run into the checker's history: only what clients
// saw (requests, answers, call and return times), the workload's initial
// balance and the final balances and ledgers read at quiescence.
func (y *ycsb) History(o Outcome) checker.History {
	h := checker.History{
		Serializable: y.cfg.Protocol == protocol2PC,
		Initial:      y.cfg.InitialBalance,
		Final:        map[string]int64{},
		Ledgers:      map[string][]checker.Entry{},
	}
	for k := range y.cfg.Keys {
		key := recordAddress(k).ID
		h.Keys = append(h.Keys, key)
		h.Final[key] = y.cfg.InitialBalance
		state := o.State[recordAddress(k)]
		if b, ok := state[balanceOf.Name]; ok {
			h.Final[key], _ = runtime.Int64Codec.Decode(b)
		}
		entries, err := readLedger(state)
		if err != nil {
			panic(fmt.Sprintf("scenarios: %s: %v", key, err))
		}
		if entries != nil {
			h.Ledgers[key] = entries
		}
	}
	for c, ops := range o.Histories {
		for _, op := range ops {
			h.Submitted = append(h.Submitted, op.Request.ID.String())
			if op.Answered {
				h.Responses = append(h.Responses, op.Request.ID.String())
			}
			h.Ops = append(h.Ops, y.historyOp(c, op))
		}
	}
	for _, r := range o.Unexpected {
		h.Responses = append(h.Responses, r.Request.String())
	}
	return h
}

func (y *ycsb) historyOp(client int, op Op) checker.Op {
	h := checker.Op{Client: client, ID: op.Request.ID.String(), Logical: fmt.Sprintf("c%d.op%d", client, op.Index+1),
		Call: int64(op.Call), Return: int64(op.Return), Status: checker.Unknown}
	msg := op.Request.Msg
	switch msg.Kind {
	case opRead:
		h.Kind, h.Keys = checker.Read, []string{op.Request.To.ID}
		if op.Request.To.Type == ReadTxnType {
			keys, _ := decodeReadTxn(msg)
			h.Keys = h.Keys[:0]
			for _, k := range keys {
				h.Keys = append(h.Keys, recordAddress(k).ID)
			}
		}
	case opUpdate:
		h.Kind, h.Keys = checker.Update, []string{op.Request.To.ID}
		name, value, _ := strings.Cut(string(msg.Body), "=")
		h.Write = &checker.Field{Name: name, Value: value}
	case opTransfer:
		a, _ := decodeTransfer(msg)
		h.Kind, h.Keys, h.Amount = checker.Transfer, []string{recordAddress(a.From).ID, recordAddress(a.To).ID}, a.Amount
	}
	if !op.Answered {
		h.Return = 0
		return h
	}
	r := op.Response
	switch {
	case r.Failure != "":
		h.Status = checker.Failed
	case h.Kind == checker.Transfer:
		h.Status, h.Values = transferStatus(r.Msg)
	case op.Request.To.Type == ReadTxnType:
		h.Status, h.Values = readTxnStatus(r.Msg)
	default:
		h.Status = checker.Committed
		var rec recordResult
		if h.Kind == checker.Read && r.Msg.Kind == opRecord && json.Unmarshal(r.Msg.Body, &rec) == nil {
			h.Values, h.Fields = []int64{rec.Balance}, rec.Fields
		}
	}
	return h
}

// transferStatus reads a transfer's answer: its status and, when it took
// effect, the two balances it produced.
func transferStatus(m runtime.Message) (checker.Status, []int64) {
	switch m.Kind {
	case twopc.Committed.String(), saga.Completed.String():
		r, err := unmarshalTransferResult(m.Body)
		if err != nil || r.From == nil || r.To == nil {
			return checker.Committed, nil
		}
		return checker.Committed, []int64{*r.From, *r.To}
	case twopc.Retryable.String():
		return checker.Retryable, nil
	case twopc.Aborted.String(), saga.Compensated.String():
		return checker.Failed, nil
	}
	return checker.Status("unrecognised answer " + strconv.Quote(m.Kind)), nil
}

// readTxnStatus reads a read transaction's answer: its status and, when it
// committed, the balances it read.
func readTxnStatus(m runtime.Message) (checker.Status, []int64) {
	status, _ := transferStatus(runtime.Message{Kind: m.Kind})
	var balances []int64
	if status == checker.Committed && json.Unmarshal(m.Body, &balances) != nil {
		return checker.Status("unreadable read-transaction answer " + strconv.Quote(string(m.Body))), nil
	}
	return status, balances
}
