package runtime

import "fmt"

// StoreKind says what a checkpoint-store operation does.
type StoreKind uint8

// Checkpoint-store operations.
const (
	StorePut StoreKind = iota + 1
	StoreGet
	StoreDelete
	StoreList // Key is a prefix; the result lists the keys under it, sorted
)

// StoreRequest is an asynchronous operation on the durable checkpoint
// store. Its result comes back through Worker.Stored or Coordinator.Stored
// carrying Token.
type StoreRequest struct {
	Kind StoreKind
	Key  string
	// Value is a Put's value, handed to the store: the requester must not
	// change it afterwards (sim.StoreOp.Value).
	Value []byte
	Token uint64
}

// StoreResult is the completion of a StoreRequest. A failed Put or Delete
// changed nothing.
type StoreResult struct {
	Token uint64
	Value []byte
	Found bool
	Keys  []string
	Err   error
}

func (k StoreKind) String() string {
	switch k {
	case StorePut:
		return "put"
	case StoreGet:
		return "get"
	case StoreDelete:
		return "delete"
	case StoreList:
		return "list"
	}
	return fmt.Sprintf("store(%d)", uint8(k))
}
