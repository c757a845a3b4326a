package runtime

import "fmt"

// broken panics with context when an invariant of the runtime is broken:
// that is a bug in flowtx, not a condition for callers to handle. Callers
// test the condition themselves (`if !ok { broken(...) }`) so that the hot
// path does not box the arguments.
func broken(format string, args ...any) {
	panic("runtime: invariant broken: " + fmt.Sprintf(format, args...))
}
