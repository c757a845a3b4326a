package scenarios

import (
	"strconv"
	"strings"
	"testing"

	"github.com/flowtx/flowtx/checker"
	"github.com/stretchr/testify/require"
)

// The fast path of parseLedger reads exactly what the general one reads,
// and leaves to it every line it does not take.
func TestParseLedgerLineMatchesFields(t *testing.T) {
	for _, line := range []string{"c1#2 -1", "c1#2 1 compensation", "c3#10 0", " c1#2 1", "c1#2  1", "c1#2 1 ", "c1\t2 1",
		"c1#2 +1", "c1#2 -0", "c1#2 01", "c1#2 1 compensation\r", "c1#2 1 other", "c1#2", "c1#2 x", "c1#2 1 compensation x"} {
		e, ok := parseLedgerLine(line)
		f := strings.Fields(line)
		general := len(f) >= 2 && len(f) <= 3 && (len(f) == 2 || f[2] == "compensation")
		if !ok {
			continue // the general parse decides
		}
		require.True(t, general, line)
		delta, err := strconv.ParseInt(f[1], 10, 64)
		require.NoError(t, err, line)
		require.Equal(t, checker.Entry{Txn: f[0], Delta: delta, Compensation: len(f) == 3}, e, line)
	}
}
