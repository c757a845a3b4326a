package sim

// eventKind says what an event does when the kernel pops it.
type eventKind uint8

const (
	evStart eventKind = iota + 1
	evDeliver
	evTimer
	evStore
	evCall
)

var eventKindNames = [...]string{
	evStart:   "start",
	evDeliver: "deliver",
	evTimer:   "timer",
	evStore:   "store",
	evCall:    "call",
}

func (k eventKind) String() string { return eventKindNames[k] }

// event is one entry of the kernel's queue. Events are ordered by (at, seq);
// seq is unique and increasing, so equal times keep scheduling order and the
// order is total.
type event struct {
	at      Time
	seq     uint64
	kind    eventKind
	node    NodeID // the process the event is for
	from    NodeID // the sender, for deliveries
	inc     uint32 // the target's incarnation when the event was scheduled
	fromInc uint32 // the sender's incarnation, for deliveries
	msg     Message
}

func (e *event) before(o *event) bool {
	return e.at < o.at || (e.at == o.at && e.seq < o.seq)
}

// eventQueue is a 4-ary min-heap of events by value: shallower than a
// binary heap and kind to the cache, which is what bare event throughput
// comes down to.
type eventQueue struct {
	items []event
}

func (q *eventQueue) len() int { return len(q.items) }

// push and siftDown move a hole instead of swapping: each level copies one
// event rather than two, which is most of the cost with 56-byte events.
func (q *eventQueue) push(e event) {
	q.items = append(q.items, e)
	items := q.items
	i := len(items) - 1
	for i > 0 {
		parent := (i - 1) / 4
		if !e.before(&items[parent]) {
			break
		}
		items[i] = items[parent]
		i = parent
	}
	items[i] = e
}

func (q *eventQueue) pop() event {
	top := q.items[0]
	last := len(q.items) - 1
	q.items[0] = q.items[last]
	q.items[last] = event{}
	q.items = q.items[:last]
	if last > 0 {
		q.siftDown(0)
	}
	return top
}

func (q *eventQueue) siftDown(i int) {
	items := q.items
	n := len(items)
	e := items[i]
	for {
		first := 4*i + 1
		if first >= n {
			break
		}
		kids := items[first:min(first+4, n)]
		smallest := 0
		for c := 1; c < len(kids); c++ {
			if kids[c].before(&kids[smallest]) {
				smallest = c
			}
		}
		if !kids[smallest].before(&e) {
			break
		}
		items[i] = kids[smallest]
		i = first + smallest
	}
	items[i] = e
}
