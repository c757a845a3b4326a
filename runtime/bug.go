package runtime

// Bug names a deliberately broken behaviour of the runtime. Bugs exist so
// that tests and `flowtx selftest` can show that the checks catch them; a
// job runs with NoBug unless a test asks otherwise.
type Bug string

// Known bugs.
const (
	NoBug Bug = ""
	// BugKeepFailedEffects applies the effects of an invocation that
	// returned a business failure, instead of discarding them.
	BugKeepFailedEffects Bug = "keep-failed-effects"
)

// Bugs lists the known bugs.
func Bugs() []Bug { return []Bug{BugKeepFailedEffects} }
