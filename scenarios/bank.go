package scenarios

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"sort"
	"strconv"

	"github.com/flowtx/flowtx/runtime"
	"github.com/flowtx/flowtx/sim"
)

// The bank scenario: accounts that take deposits and withdrawals, where a
// withdrawal larger than the balance is a business failure, driven by
// closed-loop clients. Its invariant: each account's balance is the sum of
// the deposits and the successful withdrawals its clients were told of, and
// no balance is ever negative.
func init() {
	register(scenario{
		name:  "bank",
		about: "accounts with deposit, withdraw (fails on insufficient funds) and read; balances must match what clients were told",
		defaults: Config{
			Workers:   4,
			Clients:   8,
			Ops:       50,
			Keys:      16,
			TimeLimit: 10 * sim.Second,
		},
		workload: func(cfg Config) Workload { return &bank{cfg: cfg} },
	})
}

// AccountType is the function type of a bank account.
const AccountType runtime.FuncType = "bank/account"

// Bank operations, as message kinds.
const (
	opDeposit  = "deposit"
	opWithdraw = "withdraw"
	opRead     = "read"
	amountMax  = 100
)

// ErrInsufficientFunds is the business failure of a withdrawal larger than
// the balance.
var ErrInsufficientFunds = errors.New("insufficient funds")

var balanceState = runtime.Value[int64]{Name: "balance", Codec: runtime.Int64Codec}

// account is the bank's only function: it answers every operation with the
// balance after it.
func account(ctx runtime.Context, msg runtime.Message) error {
	balance, _ := balanceState.Get(ctx)
	switch msg.Kind {
	case opDeposit, opWithdraw:
		amount, err := msg.Int64()
		if err != nil {
			return err
		}
		if msg.Kind == opWithdraw {
			amount = -amount
		}
		// Write first, validate after: the runtime discards the writes of
		// an invocation that fails, and this is what relies on it.
		balanceState.Set(ctx, balance+amount)
		if balance+amount < 0 {
			return fmt.Errorf("%w: balance %d, withdraw %d", ErrInsufficientFunds, balance, -amount)
		}
		balance += amount
	case opRead:
	default:
		return fmt.Errorf("account: unknown operation %q", msg.Kind)
	}
	ctx.Reply(runtime.Int64Message("balance", balance))
	return nil
}

type bank struct {
	cfg Config
}

// Retryable implements Workload: nothing in this scenario is retried.
func (b *bank) Retryable(runtime.Response) bool { return false }

func (b *bank) Register(reg *runtime.Registry) error { return reg.Register(AccountType, account) }

func accountAddress(k int) runtime.Address {
	return runtime.Address{Type: AccountType, ID: "acct-" + strconv.Itoa(k)}
}

// Requests draws deposits, withdrawals and reads (2:2:1) of 1..amountMax on
// the client's accounts: all of them, or with Disjoint only those k with
// k mod clients = c.
func (b *bank) Requests(c runtime.ClientID, n int, rng *rand.Rand) []runtime.Request {
	reqs := make([]runtime.Request, n)
	for i := range reqs {
		k := rng.IntN(b.cfg.Keys)
		if b.cfg.Disjoint {
			k = int(c) + b.cfg.Clients*rng.IntN((b.cfg.Keys-int(c)+b.cfg.Clients-1)/b.cfg.Clients)
		}
		var msg runtime.Message
		switch amount := 1 + rng.Int64N(amountMax); rng.IntN(5) {
		case 0, 1:
			msg = runtime.Int64Message(opDeposit, amount)
		case 2, 3:
			msg = runtime.Int64Message(opWithdraw, amount)
		default:
			msg = runtime.Message{Kind: opRead}
		}
		reqs[i] = runtime.Request{ID: runtime.RequestID{Client: c, Seq: uint64(i + 1)}, To: accountAddress(k), Msg: msg}
	}
	return reqs
}

// Check compares every account's balance with the deposits and successful
// withdrawals clients were told of, and rejects negative balances anywhere.
func (b *bank) Check(o Outcome) []string {
	want := map[runtime.Address]int64{}
	var v []string
	for _, h := range o.Histories {
		for _, op := range h {
			if !op.Answered || op.Response.Failure != "" {
				continue
			}
			amount, _ := op.Request.Msg.Int64()
			switch op.Request.Msg.Kind {
			case opDeposit:
				want[op.Request.To] += amount
			case opWithdraw:
				want[op.Request.To] -= amount
			}
			if got, err := op.Response.Msg.Int64(); err != nil || got < 0 {
				v = append(v, fmt.Sprintf("bank: %v answered %v", op.Request, op.Response))
			}
		}
	}
	got := map[runtime.Address]int64{}
	for a, state := range o.State { // order-independent: fills a map
		if a.Type != AccountType {
			continue
		}
		bal, err := runtime.Int64Codec.Decode(state[balanceState.Name])
		if err != nil {
			v = append(v, fmt.Sprintf("bank: %v has no readable balance", a))
			continue
		}
		got[a] = bal
	}
	return append(v, compareBalances(want, got)...)
}

func compareBalances(want, got map[runtime.Address]int64) []string {
	var v []string
	for _, a := range sortedAddresses(want, got) {
		if got[a] != want[a] {
			v = append(v, fmt.Sprintf("bank: %v balance %d, clients were told of %d", a, got[a], want[a]))
		}
		if got[a] < 0 {
			v = append(v, fmt.Sprintf("bank: %v balance %d is negative", a, got[a]))
		}
	}
	return v
}

// sortedAddresses returns the keys of both maps, sorted by their string
// form, so that checks report in a stable order.
func sortedAddresses(a, b map[runtime.Address]int64) []runtime.Address {
	var out []runtime.Address
	for k := range a {
		out = append(out, k)
	}
	for k := range b { // order-independent: sorted below
		if _, ok := a[k]; !ok {
			out = append(out, k)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Less(out[j]) })
	return out
}
