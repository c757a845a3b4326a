package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

type timelineFile struct {
	TraceEvents []struct {
		Name string         `json:"name"`
		Cat  string         `json:"cat"`
		Ph   string         `json:"ph"`
		Ts   int64          `json:"ts"`
		Dur  *int64         `json:"dur"`
		Pid  int            `json:"pid"`
		Tid  int            `json:"tid"`
		Args map[string]any `json:"args"`
	} `json:"traceEvents"`
}

func replayTimeline(t *testing.T, args ...string) []byte {
	t.Helper()
	path := filepath.Join(t.TempDir(), "timeline.json")
	code, out, errOut := flowtx(append([]string{"replay", "--timeline", path}, args...)...)
	require.Equal(t, exitOK, code, "%s%s", out, errOut)
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	return b
}

// A 2PC run with crashes: every worker has invocations and snapshots, the
// coordinator checkpoints, each client its requests with their 2PC phases,
// and the schedule's crashes are spans on the faults track and on the
// crashed workers' own.
func TestReplayTimelineIsATraceOfTheRun(t *testing.T) {
	var tl timelineFile
	require.NoError(t, json.Unmarshal(replayTimeline(t, "--scenario", "transfer-2pc", "--seed", "3"), &tl))
	names := map[int]string{}
	spans := map[string]int{} // by process name and category
	for _, e := range tl.TraceEvents {
		switch e.Ph {
		case "M":
			if e.Name == "process_name" {
				names[e.Pid] = e.Args["name"].(string)
			}
			continue
		case "X":
			require.NotNil(t, e.Dur, "%s: a complete event has a duration", e.Name)
			require.GreaterOrEqual(t, *e.Dur, int64(0), e.Name)
		case "i":
		default:
			t.Fatalf("event %q: phase %q", e.Name, e.Ph)
		}
		require.NotEmpty(t, names[e.Pid], "%s: metadata names process %d before its events", e.Name, e.Pid)
		require.Positive(t, e.Tid, e.Name)
		if e.Ph == "X" {
			spans[names[e.Pid]+"/"+e.Cat]++
		}
	}
	for w := range 4 {
		p := "worker w" + string(rune('0'+w))
		require.Positive(t, spans[p+"/invoke"], "%s: invocations", p)
		require.Positive(t, spans[p+"/checkpoint"], "%s: snapshots", p)
	}
	require.Positive(t, spans["checkpoint coordinator/checkpoint"])
	require.Positive(t, spans["checkpoint coordinator/recovery"])
	require.Positive(t, spans["client c0/request"])
	require.Positive(t, spans["client c0/2pc"], "the prepare and decision phases of c0's transfers")
	require.Positive(t, spans["faults (the schedule)/fault"], "the schedule's crashes")
	crashed := 0
	for k, n := range spans {
		if strings.HasPrefix(k, "worker ") && strings.HasSuffix(k, "/fault") {
			crashed += n
		}
	}
	require.Positive(t, crashed, "a crashed worker's down time on its own track")
}

// Without faults, nothing is drawn as one.
func TestReplayTimelineWithoutFaults(t *testing.T) {
	var tl timelineFile
	require.NoError(t, json.Unmarshal(replayTimeline(t, "--seed", "3", "--faults", "none"), &tl))
	for _, e := range tl.TraceEvents {
		require.NotEqual(t, "fault", e.Cat, "%s at %d", e.Name, e.Ts)
	}
	require.NotEmpty(t, tl.TraceEvents)
}

// Spans on one thread nest or follow one another, as the viewers require.
func TestReplayTimelineSpansNest(t *testing.T) {
	var tl timelineFile
	require.NoError(t, json.Unmarshal(replayTimeline(t, "--scenario", "ycsb", "--seed", "3"), &tl))
	require.Empty(t, nestingError(tl))
	bad := `{"traceEvents":[{"name":"a","ph":"X","ts":0,"dur":10,"pid":1,"tid":1},{"name":"b","ph":"X","ts":5,"dur":10,"pid":1,"tid":1}]}`
	require.NoError(t, json.Unmarshal([]byte(bad), &tl))
	require.Equal(t, "b at 5 on {1 1} overlaps its enclosing span", nestingError(tl), "the check catches a bad pair")
}

// nestingError names the first span, in file order, that overlaps the
// span it starts in without ending inside it.
func nestingError(tl timelineFile) string {
	type thread struct{ pid, tid int }
	open := map[thread][]int64{} // ends of the spans enclosing the last one
	for _, e := range tl.TraceEvents {
		if e.Ph != "X" {
			continue
		}
		th := thread{e.Pid, e.Tid}
		stack := open[th]
		for len(stack) > 0 && stack[len(stack)-1] <= e.Ts && !(stack[len(stack)-1] == e.Ts && *e.Dur == 0) {
			stack = stack[:len(stack)-1]
		}
		if len(stack) > 0 && e.Ts+*e.Dur > stack[len(stack)-1] {
			return fmt.Sprintf("%s at %d on %v overlaps its enclosing span", e.Name, e.Ts, th)
		}
		open[th] = append(stack, e.Ts+*e.Dur)
	}
	return ""
}

func TestReplayTimelineIsDeterministic(t *testing.T) {
	first := replayTimeline(t, "--scenario", "ycsb", "--seed", "7")
	second := replayTimeline(t, "--scenario", "ycsb", "--seed", "7")
	require.Equal(t, string(first), string(second), "one seed, one timeline, byte for byte")
	other := replayTimeline(t, "--scenario", "ycsb", "--seed", "8")
	require.NotEqual(t, string(first), string(other), "another seed, another run")
}

func TestAssignLanesSeparatesOverlaps(t *testing.T) {
	a := &slice{start: 0, end: 10}
	b := &slice{start: 5, end: 15}
	c := &slice{start: 10, end: 20}
	d := &slice{start: 12, end: 12}
	e := &slice{start: 3, end: 3, instant: true}
	l := assignLanes([]*slice{c, b, a, d, e})
	require.Equal(t, 2, l.count)
	require.Equal(t, 0, l.of[a])
	require.Equal(t, 1, l.of[b], "b overlaps a without nesting in it")
	require.Equal(t, 0, l.of[c], "c starts as a ends")
	require.Equal(t, 0, l.of[d])
	require.Equal(t, 0, l.of[e])
}
