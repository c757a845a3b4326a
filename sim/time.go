package sim

import (
	"fmt"
	"strconv"
)

// Time is a point in virtual time, in microseconds since the start of a run.
// It is also used for spans of virtual time; the unit is always microseconds.
type Time int64

// Convenient spans of virtual time.
const (
	Microsecond Time = 1
	Millisecond Time = 1000 * Microsecond
	Second      Time = 1000 * Millisecond
)

// Never is later than any event a run can schedule.
const Never Time = 1<<63 - 1

// String renders t with the largest unit that keeps it exact, e.g. "1.5ms".
func (t Time) String() string {
	switch {
	case t == Never:
		return "never"
	case t%Second == 0 && t != 0:
		return fmt.Sprintf("%ds", t/Second)
	case t >= Millisecond:
		return strconv.FormatFloat(float64(t)/float64(Millisecond), 'f', -1, 64) + "ms"
	default:
		return fmt.Sprintf("%dus", int64(t))
	}
}
