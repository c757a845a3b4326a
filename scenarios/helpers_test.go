package scenarios

import (
	"pgregory.net/rapid"

	"github.com/flowtx/flowtx/runtime"
)

func rapidMicros(t *rapid.T) runtime.Micros {
	return runtime.Micros(rapid.SampledFrom([]int64{0, 0, 1, 10, 250}).Draw(t, "invocation-cost"))
}
