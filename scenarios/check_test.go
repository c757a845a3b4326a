package scenarios

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/flowtx/flowtx/runtime"
)

// Each workload check is shown to fail on a corrupted outcome of a clean
// run: ok and bad outcomes in pairs.

func cleanOutcome(t *testing.T, scenario string) (Outcome, Workload) {
	t.Helper()
	res, err := Run(Config{Scenario: scenario, Seed: 5})
	require.NoError(t, err)
	require.True(t, res.OK, res.Describe())
	cfg, err := Resolve(Config{Scenario: scenario, Seed: 5})
	require.NoError(t, err)
	wl := registered[scenario].workload(cfg)
	require.Empty(t, wl.Check(res.Outcome))
	return res.Outcome, wl
}

// someAddress returns the first instance of type ft in sorted order.
func someAddress(t *testing.T, o Outcome, ft runtime.FuncType) runtime.Address {
	t.Helper()
	for _, a := range sortedAddresses(map[runtime.Address]int64{}, addressSet(o)) {
		if a.Type == ft {
			return a
		}
	}
	t.Fatalf("no instance of %s", ft)
	return runtime.Address{}
}

func addressSet(o Outcome) map[runtime.Address]int64 {
	m := map[runtime.Address]int64{}
	for a := range o.State {
		m[a] = 0
	}
	return m
}

func TestBankCheckCatchesWrongBalance(t *testing.T) {
	o, wl := cleanOutcome(t, "bank")
	a := someAddress(t, o, AccountType)
	bal, _ := runtime.Int64Codec.Decode(o.State[a]["balance"])
	o.State[a]["balance"] = runtime.Int64Codec.Encode(bal + 1)
	require.NotEmpty(t, wl.Check(o))
}

func TestBankCheckCatchesLostDeposit(t *testing.T) {
	o, wl := cleanOutcome(t, "bank")
	for c, h := range o.Histories {
		for i, op := range h {
			if op.Request.Msg.Kind == opDeposit && op.Response.Failure == "" {
				o.Histories[c][i].Answered = false
				require.NotEmpty(t, wl.Check(o))
				return
			}
		}
	}
	t.Fatal("no successful deposit in the history")
}

func TestChainCheckCatchesLostVisit(t *testing.T) {
	o, wl := cleanOutcome(t, "chain")
	a := someAddress(t, o, LinkType)
	n, _ := runtime.Int64Codec.Decode(o.State[a]["visits"])
	o.State[a]["visits"] = runtime.Int64Codec.Encode(n - 1)
	require.NotEmpty(t, wl.Check(o))
}

func TestChainCheckCatchesWrongAnswer(t *testing.T) {
	o, wl := cleanOutcome(t, "chain")
	o.Histories[0][0].Response.Msg = runtime.Int64Message("visited", -1)
	require.NotEmpty(t, wl.Check(o))
}

func TestJobCatchesUnansweredAndDuplicateResponses(t *testing.T) {
	log := &clientLog{ops: []Op{{Answered: true}, {Answered: false}}, done: true}
	require.Len(t, checkClient(0, log, 2), 1, "one unanswered request")
	log = &clientLog{ops: []Op{{Answered: true}}, done: true, unexpected: []runtime.Response{{}}}
	require.Len(t, checkClient(0, log, 1), 1, "one duplicate response")
	require.Empty(t, checkClient(0, &clientLog{ops: []Op{{Answered: true}}, done: true}, 1))
}
