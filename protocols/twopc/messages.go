package twopc

import "github.com/flowtx/flowtx/runtime"

// TxnID names a transaction: the address of its coordinator instance, which
// runs exactly one transaction.
type TxnID string

func txnOf(coordinator runtime.Address) TxnID { return TxnID(coordinator.String()) }

// Message kinds of the protocol. Business functions never see them.
const (
	kindPrepare = "2pc/prepare"
	kindCommit  = "2pc/commit"
	kindAbort   = "2pc/abort"
	kindVote    = "2pc/vote"
	kindBlocked = "2pc/blocked" // participant to a waiting coordinator: who holds the lock
	kindProbe   = "2pc/probe"   // Chandy-Misra-Haas probe between coordinators
)

// prepare asks a participant to lock, run Msg, keep its effects and vote.
type prepare struct {
	Txn         TxnID
	Coordinator runtime.Address
	Call        int // the participant's index among the transaction's calls
	Msg         runtime.Message
	Stamp       runtime.RequestID // the transaction's age, for wait-die
	ReadOnly    bool              `json:",omitempty"` // take the lock shared
}

// older reports whether a transaction stamped a is older than one stamped
// b: requests are numbered per client, so age is (sequence, client).
func older(a, b runtime.RequestID) bool {
	if a.Seq != b.Seq {
		return a.Seq < b.Seq
	}
	return a.Client < b.Client
}

// decision is a commit or an abort for one transaction.
type decision struct {
	Txn TxnID
}

// vote is a participant's answer to a prepare. Reply is what the business
// function answered its caller, on a yes, if it answered (Replied): held
// by value, so that decoding a vote allocates nothing.
type vote struct {
	Call    int
	Yes     bool
	Reason  string // why no: the business failure, or "conflict" under no-wait
	Replied bool
	Reply   runtime.Message
}

// blocked tells a coordinator that its prepare waits behind Holders (the
// coordinators of the lock's holders) at one participant.
type blocked struct {
	Call    int
	Holders []runtime.Address
}

// probe is a Chandy-Misra-Haas probe: it travels along waits-for edges and
// deadlocks its initiator if it comes back to it.
type probe struct {
	Initiator runtime.Address
	Seq       int // the initiator's edge count: each new edge chases anew
}
