package scenarios

import (
	"encoding/json"
	"math"
	"testing"

	"github.com/stretchr/testify/require"
)

// The hand-written transfer bodies are byte for byte encoding/json's, and
// read back what encoding/json reads, malformed bodies included.
func TestTransferJSONMatchesEncodingJSON(t *testing.T) {
	for _, a := range []transferArgs{{}, {From: 1, To: 2, Amount: 1}, {From: 9999, To: 0, Amount: -7}, {From: -3, To: math.MaxInt32, Amount: math.MinInt64}} {
		want, _ := json.Marshal(a)
		require.Equal(t, string(want), string(marshalTransferArgs(a)))
		got, err := unmarshalTransferArgs(want)
		require.NoError(t, err)
		require.Equal(t, a, got)
	}
	for _, body := range []string{``, `{}`, `{"From":01,"To":2,"Amount":1}`, `{"From":1,"To":2,"Amount":1} `, `{"To":2,"From":1,"Amount":3}`,
		`{"From":-0,"To":2,"Amount":1}`, `{"From":1e2,"To":2,"Amount":1}`, `{"From":1,"To":2,"Amount":"x"}`, `[1,2]`} {
		var want transferArgs
		wantErr := json.Unmarshal([]byte(body), &want)
		got, err := unmarshalTransferArgs([]byte(body))
		require.Equal(t, wantErr == nil, err == nil, body)
		require.Equal(t, want, got, body)
	}
	v, w := int64(10_001), int64(-4)
	for _, r := range []transferResult{{}, {Reason: "conflict"}, {From: &v, To: &w}, {Reason: "a<b & \"c\"", From: &v}, {To: &w}, {Reason: "é\n"}} {
		want, _ := json.Marshal(r)
		require.Equal(t, string(want), string(marshalTransferResult(r)))
		var wantBack transferResult
		require.NoError(t, json.Unmarshal(want, &wantBack))
		got, err := unmarshalTransferResult(want)
		require.NoError(t, err)
		require.Equal(t, wantBack, got)
	}
}
