package realtime

import (
	"testing"
	"time"
)

func TestMailboxPanicsPastItsLimit(t *testing.T) {
	b := newMailbox(3, 2)
	b.push(item{kind: itemTimer})
	b.push(item{kind: itemTimer})
	mustPanic(t, "mailbox of n3 full at 2 items", func() { b.push(item{kind: itemTimer}) })
}

func TestMailboxWakesTakerAndCloses(t *testing.T) {
	b := newMailbox(0, 10)
	got := make(chan item)
	go func() {
		for {
			it, ok := b.next()
			if !ok {
				close(got)
				return
			}
			got <- it
		}
	}()
	for i := range 3 {
		b.push(item{kind: itemDeliver, inc: uint32(i)})
		select {
		case it := <-got:
			if it.inc != uint32(i) {
				t.Fatalf("next = item for incarnation %d; want %d", it.inc, i)
			}
		case <-time.After(time.Second):
			t.Fatalf("push %d did not wake the taker", i)
		}
	}
	b.close()
	b.push(item{kind: itemDeliver}) // dropped
	select {
	case it, ok := <-got:
		if ok {
			t.Fatalf("next after close = %+v; want none", it)
		}
	case <-time.After(time.Second):
		t.Fatal("close did not wake the taker")
	}
}
