package runtime

import "fmt"

// assert panics with context when an invariant of the runtime is broken:
// that is a bug in flowtx, not a condition for callers to handle.
func assert(cond bool, format string, args ...any) {
	if !cond {
		panic("runtime: invariant broken: " + fmt.Sprintf(format, args...))
	}
}
