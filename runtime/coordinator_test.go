package runtime

import (
	"testing"

	"github.com/stretchr/testify/require"
)

// bootHost is a coordinator host whose store the test answers by hand.
type bootHost struct {
	ops  []StoreRequest
	told []Control
}

func (h *bootHost) Now() Micros                { return 0 }
func (h *bootHost) Tell(_ WorkerID, c Control) { h.told = append(h.told, c) }
func (h *bootHost) After(Micros, Timer)        {}
func (h *bootHost) Store(op StoreRequest)      { h.ops = append(h.ops, op) }
func (h *bootHost) last() StoreRequest         { return h.ops[len(h.ops)-1] }
func (h *bootHost) answer(c *Coordinator, r StoreResult) {
	r.Token = h.last().Token
	c.Stored(r)
}

// A restarted coordinator lists two completion records, but the older one
// is deleted (a previous incarnation's garbage collection landing late)
// before it reads it. It must go on and recover to the newest, not wait
// for the deleted record forever.
func TestCoordinatorBootSkipsCollectedCompletionRecords(t *testing.T) {
	h := &bootHost{}
	c, err := NewCoordinator(CoordinatorConfig{Workers: 2}, h)
	require.NoError(t, err)
	c.Start()
	require.Equal(t, StoreGet, h.last().Kind)
	h.answer(c, StoreResult{Found: true, Value: []byte{3}}) // generation 3
	require.Equal(t, StoreList, h.last().Kind)
	older, newer := checkpointID(3, 1), checkpointID(3, 2)
	h.answer(c, StoreResult{Keys: []string{completionKey(older), completionKey(newer)}})
	require.Equal(t, completionKey(older), h.last().Key)
	h.answer(c, StoreResult{Found: false})
	require.Equal(t, completionKey(newer), h.last().Key)
	h.answer(c, StoreResult{Found: true, Value: []byte{3}})
	require.Equal(t, generationKey, h.last().Key, "writes the new generation")
	h.answer(c, StoreResult{})
	require.Len(t, h.told, 2)
	require.Equal(t, Control{Kind: Restore, Gen: 4, Checkpoint: newer, Source: 3}, h.told[0])
}
