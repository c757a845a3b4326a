package twopc_test

import (
	"testing"

	"github.com/flowtx/flowtx/protocols/protocoltest"
	"github.com/flowtx/flowtx/protocols/twopc"
	"github.com/flowtx/flowtx/runtime"
	"github.com/stretchr/testify/require"
)

// TestInteraction runs the 2PC scenarios in testdata/*.txt on the harness
// of package protocoltest: every message between instances waits on the
// host until a command delivers it. Regenerate the golden output with
//
//	go test ./protocols/twopc -run TestInteraction -rewrite
//
// Commands:
//
//	start [conflict=POLICY] [bug=NAME]         build the job (wait, no-wait, wait-die), print placement
//	submit client=C to=T/ID msg=OP[:N]         a plain request to an account
//	submit client=C to=T/ID ops=(ID:OP:N, ...) a transaction (2pc/...) or saga (saga/..., saga-seq/...);
//	                                           ID:OP:N:ro declares a 2PC call read-only (a shared lock)
//	deliver to=T/ID [from=T/ID] [kind=K]       deliver the oldest matching message in flight
//	stabilize                                  deliver everything in flight, oldest first
//	pending / state / responses                print messages in flight / instance state / responses
//
// Accounts start with a balance of 100 and hold no state until written.
func TestInteraction(t *testing.T) {
	protocoltest.RunFiles(t, protocoltest.Options{Addresses: ixAddresses})
}

// TestInteractionApplyAtPrepare is the known-bad run of no_vote_abort.txt:
// with BugApplyAtPrepare, bob's deposit is applied when bob prepares, and
// the abort cannot take it back, so the final state differs.
func TestInteractionApplyAtPrepare(t *testing.T) {
	const path = "testdata/no_vote_abort.txt"
	good := protocoltest.Replay(t, path, protocoltest.Options{Addresses: ixAddresses})
	bad := protocoltest.Replay(t, path, protocoltest.Options{Addresses: ixAddresses, TwoPCBug: twopc.BugApplyAtPrepare})
	require.NotEqual(t, good, bad)
	require.NotContains(t, good, "account/b:")
	require.Contains(t, bad, "account/b: balance=600\n")
}

// ixAddresses are the instances the 2PC scenarios use; start checks that
// each is on a worker of its own.
var ixAddresses = []runtime.Address{
	{Type: protocoltest.Account, ID: "a"}, {Type: protocoltest.Account, ID: "b"}, {Type: protocoltest.Account, ID: "c"}, {Type: protocoltest.Account, ID: "d"},
	{Type: protocoltest.TwoPC, ID: "t1"}, {Type: protocoltest.TwoPC, ID: "t2"}, {Type: protocoltest.TwoPC, ID: "t3"},
	{Type: protocoltest.TwoPC, ID: "r1"}, {Type: protocoltest.TwoPC, ID: "r2"}, {Type: protocoltest.TwoPC, ID: "r3"},
}

// TestInteractionQueueReordered is the known-bad run of queue_fifo.txt:
// with BugQueueReordered the read queued behind the deposit runs first and
// answers the balance before the deposit.
func TestInteractionQueueReordered(t *testing.T) {
	const path = "testdata/queue_fifo.txt"
	good := protocoltest.Replay(t, path, protocoltest.Options{Addresses: ixAddresses})
	bad := protocoltest.Replay(t, path, protocoltest.Options{Addresses: ixAddresses, TwoPCBug: twopc.BugQueueReordered})
	require.Contains(t, good, "released c3#1 from account/a: balance(75)\n")
	require.Contains(t, bad, "released c3#1 from account/a: balance(70)\n")
}

// TestInteractionSharedJoinsWriter is the known-bad run of
// shared_reader_waits_for_writer.txt: with BugSharedJoinsWriter the
// read-only prepare joins t1's exclusive lock and reads the balance t1's
// pending withdrawal is about to change.
func TestInteractionSharedJoinsWriter(t *testing.T) {
	const path = "testdata/shared_reader_waits_for_writer.txt"
	good := protocoltest.Replay(t, path, protocoltest.Options{Addresses: ixAddresses})
	bad := protocoltest.Replay(t, path, protocoltest.Options{Addresses: ixAddresses, TwoPCBug: twopc.BugSharedJoinsWriter})
	require.Contains(t, good, "c2#1 from 2pc/r1: committed{Replies:[balance(90)]}\n")
	require.Contains(t, bad, "c2#1 from 2pc/r1: committed{Replies:[balance(100)]}\n")
}
