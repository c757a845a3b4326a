package realtime

import (
	"fmt"
	"sync"
	"sync/atomic"

	"github.com/flowtx/flowtx/sim"
)

// itemKind says which callback an item feeds.
type itemKind uint8

const (
	itemStart itemKind = iota + 1
	itemDeliver
	itemTimer
	itemStored
)

// item is one callback waiting for a node's goroutine. It carries the
// incarnations it was queued for, so the goroutine can drop it if the target
// (or, for a message, the sender) has crashed since.
type item struct {
	kind    itemKind
	inc     uint32     // the target's incarnation when the item was queued
	from    sim.NodeID // the sender, for itemDeliver
	fromInc uint32     // the sender's incarnation, for itemDeliver
	msg     sim.Message
	result  *sim.StoreResult // for itemStored; a pointer keeps items small
}

// mailbox is a node's queue of pending callbacks: a mutex-protected slice
// plus a wake channel. Any goroutine may push; only the node's goroutine
// takes, and it takes everything queued at once, under one lock, into a
// batch of its own that it then works through without the lock: one lock
// per batch instead of one per item, and the two slices trade places, so a
// busy mailbox stops reallocating. Pushes from one goroutine keep their
// order, which is what makes links FIFO.
type mailbox struct {
	owner sim.NodeID
	limit int // items queued at once, not counting the taker's batch; a push past it panics

	mu     sync.Mutex
	items  []item
	closed atomic.Bool // set under mu; the taker reads it without mu between items
	// wake has capacity 1 and every push and close sends to it without
	// blocking, so a wake-up pending while the taker is busy is never lost
	// and never piles up.
	wake chan struct{}

	batch []item // the taker's: the items it took last
	at    int    // the next item of batch
	// left is len(batch)-at, for readers other than the taker (queued).
	left atomic.Int32
}

func newMailbox(owner sim.NodeID, limit int) *mailbox {
	if limit <= 0 {
		panic(fmt.Sprintf("realtime: mailbox of %v with limit %d", owner, limit))
	}
	return &mailbox{owner: owner, limit: limit, wake: make(chan struct{}, 1)}
}

// push queues it, or drops it if the mailbox is closed. A full mailbox is a
// broken invariant (a stuck process, or senders that outrun it without
// flow control), so it panics rather than block the sender or lose a
// message a FIFO link promised to deliver.
func (b *mailbox) push(it item) {
	b.mu.Lock()
	if b.closed.Load() {
		b.mu.Unlock()
		return
	}
	if len(b.items) >= b.limit {
		b.mu.Unlock()
		panic(fmt.Sprintf("realtime: mailbox of %v full at %d items (kind %d): "+
			"its process is stuck or slower than its senders", b.owner, b.limit, it.kind))
	}
	b.items = append(b.items, it)
	b.mu.Unlock()
	b.signal()
}

// next blocks until an item is queued and returns it, or returns false once
// the mailbox is closed; the rest of a batch taken before the close is
// dropped.
func (b *mailbox) next() (item, bool) {
	for {
		if b.closed.Load() {
			b.batch, b.at = nil, 0
			b.left.Store(0)
			return item{}, false
		}
		if b.at < len(b.batch) {
			it := b.batch[b.at]
			b.batch[b.at] = item{} // let the message be collected
			b.at++
			b.left.Store(int32(len(b.batch) - b.at))
			return it, true
		}
		b.mu.Lock()
		if len(b.items) > 0 {
			b.batch, b.items, b.at = b.items, b.batch[:0], 0
			b.mu.Unlock()
			continue
		}
		closed := b.closed.Load()
		b.mu.Unlock()
		if !closed {
			<-b.wake
		}
	}
}

// queued returns how many items wait: queued, or taken but not yet
// returned by next.
func (b *mailbox) queued() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return len(b.items) + int(b.left.Load())
}

// close drops everything queued and makes the taker return; later pushes are
// dropped.
func (b *mailbox) close() {
	b.mu.Lock()
	b.closed.Store(true)
	b.items = nil
	b.mu.Unlock()
	b.signal()
}

func (b *mailbox) signal() {
	select {
	case b.wake <- struct{}{}:
	default:
	}
}
