package scenarios

import (
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"

	"github.com/flowtx/flowtx/protocols/saga"
	"github.com/flowtx/flowtx/protocols/twopc"
	"github.com/flowtx/flowtx/runtime"
	"github.com/flowtx/flowtx/sim"
)

// The paper's workload: YCSB records (a balance and ten string fields)
// with reads, single-field updates and transfers between two distinct
// records, run as 2PC transactions or as sagas. Its invariant: money is
// conserved (the balances sum to keys x initial balance), and each
// record's balance is its initial balance plus exactly the transfers that
// clients were told committed (or completed); no lock, queue or protocol
// progress is left at quiescence.
func init() {
	base := Config{Workers: 4, Clients: 8, Ops: 25, Keys: 100, TimeLimit: 20 * sim.Second}
	for _, s := range []struct {
		name, about, protocol string
		share                 int
	}{
		{"transfer-2pc", "YCSB records, 100% transfers as two-phase-commit transactions", protocol2PC, 100},
		{"transfer-saga", "YCSB records, 100% transfers as sagas with compensation", protocolSaga, 100},
		{"ycsb", "YCSB records: reads, updates and transfers (2PC unless --protocol saga), the paper's mix", protocol2PC, 50},
	} {
		d := base
		d.TransferShare, d.Protocol = s.share, s.protocol
		register(scenario{name: s.name, about: s.about, defaults: d, workload: func(cfg Config) Workload { return newYCSB(cfg) }})
	}
}

// Transaction protocols a YCSB scenario can run transfers with.
const (
	protocol2PC  = "2pc"
	protocolSaga = "saga"
)

// Function types of the YCSB scenarios.
const (
	RecordType       runtime.FuncType = "ycsb/record"
	Transfer2PCType  runtime.FuncType = "ycsb/transfer-2pc"
	TransferSagaType runtime.FuncType = "ycsb/transfer-saga"
	ReadTxnType      runtime.FuncType = "ycsb/read-2pc"
)

// Record operations, as message kinds. adjust is a compensation: it
// changes the balance unconditionally.
const (
	opUpdate   = "update"
	opAdjust   = "adjust"
	opTransfer = "transfer"
	fieldsMax  = 10
)

// YCSB defaults.
const (
	initialBalanceDefault = 10_000
	amountMaxDefault      = 1
)

var errInsufficient = errors.New("insufficient funds")

type ycsb struct {
	cfg  Config
	zipf *zipfian
	// records are the records' addresses, built once: every transfer
	// names two, and building each name anew cost two allocations. Read
	// only after newYCSB, so the real-time driver's workers share it.
	records []runtime.Address
}

// recordsMax bounds the table of record addresses; keys beyond it have
// their addresses built on each use.
const recordsMax = 1 << 20

func newYCSB(cfg Config) *ycsb {
	if cfg.InitialBalance == NoBalance {
		cfg.InitialBalance = 0
	}
	y := &ycsb{cfg: cfg, records: make([]runtime.Address, min(max(cfg.Keys, 0), recordsMax))}
	for k := range y.records {
		y.records[k] = recordAddress(k)
	}
	if cfg.Zipf > 0 {
		y.zipf = newZipfian(cfg.Keys, cfg.Zipf)
	}
	return y
}

func recordAddress(k int) runtime.Address {
	return runtime.Address{Type: RecordType, ID: "r" + strconv.Itoa(k)}
}

// recordAt returns recordAddress(k), from the table when it holds k.
func (y *ycsb) recordAt(k int) runtime.Address {
	if k >= 0 && k < len(y.records) {
		return y.records[k]
	}
	return recordAddress(k)
}

// transferArgs is a transfer request's body.
type transferArgs struct {
	From, To int
	Amount   int64
}

// transferResult is a transfer's answer: the outcome, and the balances
// its two steps read (after the withdrawal and after the deposit) when it
// took effect.
type transferResult struct {
	Reason string `json:",omitempty"`
	From   *int64 `json:",omitempty"`
	To     *int64 `json:",omitempty"`
}

func (y *ycsb) Register(reg *runtime.Registry) error {
	errs := []error{
		reg.Register(RecordType, y.record),
		twopc.Register(reg, Transfer2PCType, twopc.Coordinator{
			Begin:   y.transferCalls,
			Decided: func(ctx runtime.Context, o twopc.Outcome) { replyTransfer(ctx, o.Status.String(), o.Reason, o.Replies) },
			Bug:     twopc.Bug(y.cfg.Bug),
		}),
		twopc.Register(reg, ReadTxnType, twopc.Coordinator{
			Begin:   y.readCalls,
			Decided: replyReadTxn,
			Bug:     twopc.Bug(y.cfg.Bug),
		}),
		saga.Register(reg, TransferSagaType, saga.Saga{
			Begin:   y.transferSteps,
			Decided: func(ctx runtime.Context, o saga.Outcome) { replyTransfer(ctx, o.Status.String(), o.Reason, o.Replies) },
			Mode:    y.cfg.SagaMode,
			Bug:     saga.Bug(y.cfg.Bug),
		}),
	}
	return errors.Join(errs...)
}

// Pipeline is the participant side of both protocols: 2PC's locks first,
// so that saga steps and plain messages queue behind them too.
func (y *ycsb) Pipeline() runtime.Pipeline {
	return &twopc.Participant{Conflict: y.cfg.Conflict, Next: &saga.Participant{}, Bug: twopc.Bug(y.cfg.Bug)}
}

var balanceOf = runtime.Value[int64]{Name: "balance", Codec: runtime.Int64Codec}

// record is the one business function: the same code runs plainly, as a
// 2PC participant and as a saga step. It answers a read with the whole
// record, and a balance change with the balance. A balance change made as
// a transaction's step, or a saga's compensation, is written in the
// record's ledger, the statement the checker audits at quiescence.
func (y *ycsb) record(ctx runtime.Context, msg runtime.Message) error {
	balance, ok := balanceOf.Get(ctx)
	if !ok {
		balance = y.cfg.InitialBalance
	}
	switch msg.Kind {
	case opRead:
		ctx.Reply(recordMessage(ctx, balance))
		return nil
	case opUpdate:
		field, value, _ := strings.Cut(string(msg.Body), "=")
		ctx.Set(field, []byte(value))
	case opDeposit, opWithdraw, opAdjust:
		amount, err := msg.Int64()
		if err != nil {
			return err
		}
		if msg.Kind == opWithdraw {
			amount = -amount
		}
		balance += amount
		balanceOf.Set(ctx, balance)
		if msg.Kind == opWithdraw && balance < 0 {
			return fmt.Errorf("%w: balance %d", errInsufficient, balance-amount)
		}
		if !ctx.Caller().IsZero() {
			appendLedger(ctx, ctx.Request(), amount, msg.Kind == opAdjust)
		}
		if msg.Kind == opAdjust {
			return nil // a compensation answers nobody
		}
	default:
		return fmt.Errorf("record: unknown operation %q", msg.Kind)
	}
	ctx.Reply(runtime.Int64Message("balance", balance))
	return nil
}

// recordResult is a read's answer: the balance and every field set.
type recordResult struct {
	Balance int64
	Fields  map[string]string `json:",omitempty"`
}

const opRecord = "record"

func recordMessage(ctx runtime.Context, balance int64) runtime.Message {
	r := recordResult{Balance: balance}
	for i := range fieldsMax {
		name := "f" + strconv.Itoa(i)
		if v, ok := ctx.Get(name); ok {
			if r.Fields == nil {
				r.Fields = map[string]string{}
			}
			r.Fields[name] = string(v)
		}
	}
	b, _ := json.Marshal(r)
	return runtime.Message{Kind: opRecord, Body: b}
}

func decodeTransfer(msg runtime.Message) (transferArgs, error) {
	a, err := unmarshalTransferArgs(msg.Body)
	if err != nil {
		return a, fmt.Errorf("%w: transfer: %v", runtime.ErrBadBody, err)
	}
	return a, nil
}

func (y *ycsb) transferCalls(_ runtime.Context, msg runtime.Message) ([]twopc.Call, error) {
	a, err := decodeTransfer(msg)
	if err != nil {
		return nil, err
	}
	return []twopc.Call{
		{To: y.recordAt(a.From), Msg: runtime.Int64Message(opWithdraw, a.Amount)},
		{To: y.recordAt(a.To), Msg: runtime.Int64Message(opDeposit, a.Amount)},
	}, nil
}

func (y *ycsb) transferSteps(_ runtime.Context, msg runtime.Message) ([]saga.Step, error) {
	a, err := decodeTransfer(msg)
	if err != nil {
		return nil, err
	}
	return []saga.Step{
		{To: y.recordAt(a.From), Msg: runtime.Int64Message(opWithdraw, a.Amount), Compensation: runtime.Int64Message(opAdjust, a.Amount)},
		{To: y.recordAt(a.To), Msg: runtime.Int64Message(opDeposit, a.Amount), Compensation: runtime.Int64Message(opAdjust, -a.Amount)},
	}, nil
}

// replyTransfer answers a transfer with its outcome as the message kind and
// the balances it read.
func replyTransfer(ctx runtime.Context, status, reason string, replies []*runtime.Message) {
	r := transferResult{Reason: reason}
	balances := []**int64{&r.From, &r.To}
	for i, m := range replies {
		if m != nil && i < len(balances) {
			if v, err := m.Int64(); err == nil {
				*balances[i] = &v
			}
		}
	}
	ctx.Reply(runtime.Message{Kind: status, Body: marshalTransferResult(r)})
}

// Retryable implements Workload: a 2PC transfer that lost a deadlock, or
// met a lock under no-wait.
func (y *ycsb) Retryable(r runtime.Response) bool { return r.Msg.Kind == twopc.Retryable.String() }

func (y *ycsb) key(rng *rand.Rand) int {
	if y.zipf != nil {
		return y.zipf.draw(rng)
	}
	return rng.IntN(y.cfg.Keys)
}

// Requests draws the paper's mix: TransferShare percent transfers between
// two distinct keys, the rest half reads and half single-field updates.
func (y *ycsb) Requests(c runtime.ClientID, n int, rng *rand.Rand) []runtime.Request {
	reqs := make([]runtime.Request, n)
	for i := range reqs {
		id := runtime.RequestID{Client: c, Seq: uint64(i + 1)}
		switch {
		case rng.IntN(100) < y.cfg.TransferShare && y.cfg.Keys > 1:
			reqs[i] = y.drawTransfer(rng, id)
		case rng.IntN(2) == 0:
			reqs[i] = y.drawRead(rng, id)
		default:
			field := fmt.Sprintf("f%d=v%d.%d", rng.IntN(fieldsMax), c, i+1)
			reqs[i] = runtime.Request{ID: id, To: recordAddress(y.key(rng)), Msg: runtime.Message{Kind: opUpdate, Body: []byte(field)}}
		}
	}
	return reqs
}

func (y *ycsb) drawTransfer(rng *rand.Rand, id runtime.RequestID) runtime.Request {
	coordinator := Transfer2PCType
	if y.cfg.Protocol == protocolSaga {
		coordinator = TransferSagaType
	}
	from := y.key(rng)
	to := y.key(rng)
	for to == from {
		to = rng.IntN(y.cfg.Keys)
	}
	body := marshalTransferArgs(transferArgs{From: from, To: to, Amount: 1 + rng.Int64N(y.cfg.AmountMax)})
	return runtime.Request{ID: id, To: runtime.Address{Type: coordinator}, Msg: runtime.Message{Kind: opTransfer, Body: body}}
}

// drawRead draws a plain read of one record or, with ReadKeys > 1, a 2PC
// transaction reading that many distinct records at one point in the
// serial order.
func (y *ycsb) drawRead(rng *rand.Rand, id runtime.RequestID) runtime.Request {
	if y.cfg.ReadKeys <= 1 {
		return runtime.Request{ID: id, To: recordAddress(y.key(rng)), Msg: runtime.Message{Kind: opRead}}
	}
	keys := make([]int, 0, y.cfg.ReadKeys)
	for len(keys) < y.cfg.ReadKeys {
		k := y.key(rng)
		for slices.Contains(keys, k) {
			k = rng.IntN(y.cfg.Keys)
		}
		keys = append(keys, k)
	}
	body, _ := json.Marshal(keys)
	return runtime.Request{ID: id, To: runtime.Address{Type: ReadTxnType}, Msg: runtime.Message{Kind: opRead, Body: body}}
}

// readCalls are a read transaction's calls: one read per record, read-only
// (a shared lock) when the scenario asks for shared locks.
func (y *ycsb) readCalls(_ runtime.Context, msg runtime.Message) ([]twopc.Call, error) {
	keys, err := decodeReadTxn(msg)
	if err != nil {
		return nil, err
	}
	calls := make([]twopc.Call, len(keys))
	for i, k := range keys {
		calls[i] = twopc.Call{To: recordAddress(k), Msg: runtime.Message{Kind: opRead}, ReadOnly: y.cfg.SharedLocks}
	}
	return calls, nil
}

func decodeReadTxn(msg runtime.Message) ([]int, error) {
	var keys []int
	if err := json.Unmarshal(msg.Body, &keys); err != nil {
		return nil, fmt.Errorf("%w: read transaction: %v", runtime.ErrBadBody, err)
	}
	return keys, nil
}

// replyReadTxn answers a read transaction with its outcome as the message
// kind and, if it committed, the balances it read, in call order.
func replyReadTxn(ctx runtime.Context, o twopc.Outcome) {
	var balances []int64
	if o.Status == twopc.Committed {
		for _, m := range o.Replies {
			var r recordResult
			if m == nil || json.Unmarshal(m.Body, &r) != nil {
				balances = nil
				break
			}
			balances = append(balances, r.Balance)
		}
	}
	b, _ := json.Marshal(balances)
	ctx.Reply(runtime.Message{Kind: o.Status.String(), Body: b})
}
