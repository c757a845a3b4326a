package saga_test

import (
	"testing"

	"github.com/flowtx/flowtx/protocols/protocoltest"
	"github.com/flowtx/flowtx/protocols/saga"
	"github.com/flowtx/flowtx/runtime"
	"github.com/stretchr/testify/require"
)

// TestInteraction runs the saga scenarios in testdata/*.txt on the harness
// of package protocoltest: every message between instances waits on the
// host until a command delivers it. Sagas run behind the whole participant
// pipeline, 2PC's first. Regenerate the golden output with
//
//	go test ./protocols/saga -run TestInteraction -rewrite
//
// Commands:
//
//	start [conflict=POLICY] [bug=NAME]         build the job, print placement
//	submit client=C to=T/ID msg=OP[:N]         a plain request to an account
//	submit client=C to=T/ID ops=(ID:OP:N, ...) a saga (saga/... parallel, saga-seq/... sequential)
//	                                           or a transaction (2pc/...); each op is one step,
//	                                           compensated by adjust of the opposite amount
//	deliver to=T/ID [from=T/ID] [kind=K]       deliver the oldest matching message in flight
//	stabilize                                  deliver everything in flight, oldest first
//	pending / state / responses                print messages in flight / instance state / responses
//
// Accounts start with a balance of 100 and hold no state until written.
func TestInteraction(t *testing.T) {
	protocoltest.RunFiles(t, protocoltest.Options{Addresses: ixAddresses})
}

// TestInteractionSkipLateCompensation is the known-bad run of
// late_success_compensated.txt: with BugSkipLateCompensation, a's withdraw,
// whose success arrives after the saga failed, is never undone, so money
// is lost and the final state differs.
func TestInteractionSkipLateCompensation(t *testing.T) {
	const path = "testdata/late_success_compensated.txt"
	good := protocoltest.Replay(t, path, protocoltest.Options{Addresses: ixAddresses})
	bad := protocoltest.Replay(t, path, protocoltest.Options{Addresses: ixAddresses, SagaBug: saga.BugSkipLateCompensation})
	require.NotEqual(t, good, bad)
	require.Contains(t, good, "account/a: balance=100\n")
	require.Contains(t, bad, "account/a: balance=70\n")
}

// ixAddresses are the instances the saga scenarios use; start checks that
// each is on a worker of its own.
var ixAddresses = []runtime.Address{
	{Type: protocoltest.Account, ID: "a"}, {Type: protocoltest.Account, ID: "b"}, {Type: protocoltest.Account, ID: "c"}, {Type: protocoltest.Account, ID: "d"},
	{Type: protocoltest.Saga, ID: "s1"}, {Type: protocoltest.SagaSeq, ID: "s1"},
}

// TestInteractionCompensateEarly is the known-bad run of two_failures.txt:
// with BugCompensateEarly, b's pending step is compensated when a's fails;
// the step then fails too, and the compensation adds 500 to b that were
// never taken.
func TestInteractionCompensateEarly(t *testing.T) {
	const path = "testdata/two_failures.txt"
	good := protocoltest.Replay(t, path, protocoltest.Options{Addresses: ixAddresses})
	bad := protocoltest.Replay(t, path, protocoltest.Options{Addresses: ixAddresses, SagaBug: saga.BugCompensateEarly})
	require.NotEqual(t, good, bad)
	require.Contains(t, good, "no instance holds state\n")
	require.Contains(t, bad, "account/b: balance=600\n")
}
