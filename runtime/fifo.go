package runtime

// fifo is an unbounded ring-buffer queue. Workers keep their run queue in
// one; it grows by doubling and never shrinks below its high-water mark.
type fifo[T any] struct {
	items []T
	head  int
	n     int
}

func (q *fifo[T]) len() int { return q.n }

func (q *fifo[T]) push(x T) {
	if q.n == len(q.items) {
		q.grow()
	}
	q.items[(q.head+q.n)%len(q.items)] = x
	q.n++
}

func (q *fifo[T]) pop() T {
	if q.n == 0 {
		broken("pop from an empty queue")
	}
	var zero T
	x := q.items[q.head]
	q.items[q.head] = zero
	q.head = (q.head + 1) % len(q.items)
	q.n--
	return x
}

// each calls f on every queued item, oldest first.
func (q *fifo[T]) each(f func(T)) {
	for i := 0; i < q.n; i++ {
		f(q.items[(q.head+i)%len(q.items)])
	}
}

func (q *fifo[T]) grow() {
	items := make([]T, max(16, 2*len(q.items)))
	for i := 0; i < q.n; i++ {
		items[i] = q.items[(q.head+i)%len(q.items)]
	}
	q.items, q.head = items, 0
}
