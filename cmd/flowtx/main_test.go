package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/flowtx/flowtx/faults"
	"github.com/flowtx/flowtx/scenarios"
)

func flowtx(args ...string) (code int, stdout, stderr string) {
	var out, errOut bytes.Buffer
	code = dispatch(args, &out, &errOut)
	return code, out.String(), errOut.String()
}

func TestRunCleanCampaignExitsZero(t *testing.T) {
	code, out, errOut := flowtx("run", "--seeds", "4")
	require.Equal(t, exitOK, code, errOut)
	lines := strings.Split(strings.TrimSpace(out), "\n")
	require.True(t, strings.HasPrefix(lines[0], "campaign: seeds 1..4 of scenario=bank "), lines[0])
	require.Contains(t, lines[0], "faults=crash", "the default campaign is a fault campaign")
	for i, l := range lines[1:5] {
		require.True(t, strings.HasPrefix(l, "seed="+string(rune('1'+i))+" ok "), "line %d: %s", i, l)
	}
	require.Equal(t, "faults by kind:                events      seeds", lines[5])
	require.Regexp(t, `^  crash-worker +\d+ +4$`, lines[7], "every seed of 1..4 crashes a worker")
	require.True(t, strings.HasPrefix(lines[len(lines)-1], "result: scenario=bank seeds=4 ok=4 violations=0"), lines[len(lines)-1])
	require.Empty(t, errOut, "no progress line when stderr is not a terminal")
}

func TestRunBugExitsOneWithReplayCommand(t *testing.T) {
	code, out, _ := flowtx("run", "--seeds", "2", "--bug", "keep-failed-effects")
	require.Equal(t, exitViolation, code)
	require.Contains(t, out, "replay: flowtx replay --scenario bank --seed 1 ")
	require.Contains(t, out, "violations=2")
}

func TestRunJSONIsOneObjectPerLine(t *testing.T) {
	code, out, _ := flowtx("run", "--seeds", "3", "--json", "--scenario", "chain")
	require.Equal(t, exitOK, code)
	lines := strings.Split(strings.TrimSpace(out), "\n")
	require.Len(t, lines, 4)
	for _, l := range lines[:3] {
		var v struct {
			Seed uint64 `json:"seed"`
			OK   bool   `json:"ok"`
			Hash string `json:"trace_hash"`
		}
		require.NoError(t, json.Unmarshal([]byte(l), &v), l)
		require.True(t, v.OK)
		require.Len(t, v.Hash, 16)
	}
	var sum struct {
		Result summary `json:"result"`
	}
	require.NoError(t, json.Unmarshal([]byte(lines[3]), &sum))
	require.Equal(t, 3, sum.Result.OK)
}

func TestReplayPrintsTheSameTraceHashAsRun(t *testing.T) {
	_, runOut, _ := flowtx("run", "--seed", "9", "--seeds", "1")
	code, out, _ := flowtx("replay", "--seed", "9")
	require.Equal(t, exitOK, code)
	hash := out[strings.Index(out, "trace-hash: ")+len("trace-hash: "):]
	hash = strings.TrimSpace(hash)
	require.Len(t, hash, 16)
	require.Contains(t, runOut, "trace-hash="+hash)
}

func TestBadInputExitsTwoWithOneLine(t *testing.T) {
	for _, args := range [][]string{
		{"run", "--workers", "x"},
		{"run", "--scenario", "nope"},
		{"run", "--seeds", "0"},
		{"run", "--clients", "-1"},
		{"run", "--bug", "nope"},
		{"run", "--parallel", "0"},
		{"replay", "stray"},
		{"replay", "--keys", "100000000"},
		{"nope"},
	} {
		code, out, errOut := flowtx(args...)
		require.Equal(t, exitUsage, code, "%v", args)
		require.Empty(t, out, "%v", args)
		require.Equal(t, 1, strings.Count(errOut, "\n"), "%v: %q", args, errOut)
	}
}

func TestHelpExitsZero(t *testing.T) {
	for _, args := range [][]string{{"help"}, {"run", "--help"}, {"replay", "-h"}, {}} {
		code, out, _ := flowtx(args...)
		require.Equal(t, exitOK, code, "%v", args)
		require.Contains(t, out, "flowtx", "%v", args)
	}
}

func TestSelftestCatchesEveryVariant(t *testing.T) {
	code, out, errOut := flowtx("selftest", "--seeds", "5")
	require.Equal(t, exitOK, code, "%s%s", out, errOut)
	require.Contains(t, out, "selftest passed")
	require.NotContains(t, out, " NO ")
	_, list, _ := flowtx("selftest", "--list")
	require.Equal(t, len(strings.Split(strings.TrimSpace(list), "\n")), strings.Count(out, " yes "), "every listed variant is in the table, caught")
}

// Zero is a real value for the flags whose config field uses zero for "the
// default": --transfer-share 0 runs a mix without transfers.
func TestExplicitZeroFlags(t *testing.T) {
	code, out, errOut := flowtx("replay", "--scenario", "ycsb", "--transfer-share", "0", "--initial-balance", "0", "--seed", "2")
	require.Equal(t, exitOK, code, errOut)
	require.Contains(t, out, "transfer-share=0%")
	require.Contains(t, out, "initial-balance=0 ")
	cfg, err := scenarios.Resolve(scenarios.Config{Scenario: "ycsb", TransferShare: scenarios.NoTransfers, InitialBalance: scenarios.NoBalance})
	require.NoError(t, err)
	require.Contains(t, replayCommand(cfg), "--transfer-share 0 --initial-balance 0", "the replay command keeps the zeros")
	code, _, errOut = flowtx("run", "--scenario", "ycsb", "--transfer-share", "101")
	require.Equal(t, exitUsage, code)
	require.Contains(t, errOut, "want 0..100")
}

func TestShrinkWritesAScheduleThatReplays(t *testing.T) {
	path := filepath.Join(t.TempDir(), "s.json")
	code, out, errOut := flowtx("shrink", "--scenario", "chain", "--bug", "early-egress", "--seed", "1", "--out", path)
	require.Equal(t, exitViolation, code, errOut)
	require.Contains(t, out, "still failing with exactly-once")
	replay := out[strings.Index(out, "replay: flowtx ")+len("replay: flowtx "):]
	args := strings.Fields(strings.TrimSpace(replay))
	code, out, _ = flowtx(args...)
	require.Equal(t, exitViolation, code)
	require.Contains(t, out, "faults=given")
}

func TestBadFaultFilesExitTwoWithOneLine(t *testing.T) {
	dir := t.TempDir()
	for name, body := range map[string]string{
		"truncated":     `[{"at_us": 5, "kind": "crash-worker"`,
		"unknown field": `[{"at_us": 5, "kind": "crash-worker", "node": 1}]`,
		"no worker":     `[{"at_us": 5, "kind": "crash-worker", "worker": 9}]`,
		"unknown kind":  `[{"at_us": 5, "kind": "meteor"}]`,
		"out of order":  `[{"at_us": 9, "kind": "crash-coordinator"}, {"at_us": 5, "kind": "restart-coordinator"}]`,
		"trailing data": `[] []`,
	} {
		path := filepath.Join(dir, strings.ReplaceAll(name, " ", "-")+".json")
		require.NoError(t, os.WriteFile(path, []byte(body), 0o644))
		code, out, errOut := flowtx("replay", "--faults", path)
		require.Equal(t, exitUsage, code, name)
		require.Empty(t, out, name)
		require.Equal(t, 1, strings.Count(errOut, "\n"), "%s: %q", name, errOut)
	}
}

func FuzzParseSchedule(f *testing.F) {
	f.Add([]byte(`[{"at_us": 5, "kind": "crash-worker", "worker": 1}, {"at_us": 9, "kind": "restart-worker", "worker": 1}]`))
	f.Add([]byte(`[{"at_us": 5, "kind": "store-failure", "until_us": 20}]`))
	f.Fuzz(func(t *testing.T, b []byte) {
		s, err := parseSchedule(b)
		if err != nil {
			return
		}
		// Whatever parses either validates or is rejected with an error;
		// it never panics, and a valid one survives a round trip.
		if s.Validate(4) == nil {
			path := filepath.Join(t.TempDir(), "s.json")
			require.NoError(t, writeSchedule(path, s))
			again, err := readFileSchedule(path)
			require.NoError(t, err)
			require.Equal(t, s, again)
		}
	})
}

func readFileSchedule(path string) (faults.Schedule, error) {
	_, s, err := readFaults(path)
	return s, err
}

func TestReplayChecksDeterminismAndWritesTrace(t *testing.T) {
	path := filepath.Join(t.TempDir(), "trace.jsonl")
	code, out, errOut := flowtx("replay", "--scenario", "chain", "--seed", "3", "--check-determinism", "--trace", path)
	require.Equal(t, exitOK, code, errOut)
	require.Contains(t, out, "determinism: ok: two runs")
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	require.Greater(t, len(lines), 100)
	var e traceEvent
	require.NoError(t, json.Unmarshal([]byte(lines[0]), &e))
	require.Equal(t, "start", e.Kind)
}

// The comparison names the first differing event, whatever differs in it,
// and a trace that stops early.
func TestTraceFirstDifference(t *testing.T) {
	a := traceLog{events: []traceEvent{{At: 1, Kind: "start"}, {At: 5, Kind: "deliver", Msg: "x", Fingerprint: 7}, {At: 9, Kind: "timer"}}}
	b := traceLog{events: append([]traceEvent(nil), a.events...)}
	_, same := a.firstDifference(b)
	require.True(t, same)
	b.events[1].Fingerprint = 8
	i, same := a.firstDifference(b)
	require.False(t, same)
	require.Equal(t, 1, i)
	c := traceLog{events: a.events[:2]}
	i, same = a.firstDifference(c)
	require.False(t, same)
	require.Equal(t, 2, i)
	require.Equal(t, "(the run had ended)", c.at(2))
}

func TestRunKeepsArtifactsOfFailingSeeds(t *testing.T) {
	dir := t.TempDir()
	code, out, _ := flowtx("run", "--scenario", "transfer-2pc", "--keys", "20", "--initial-balance", "3", "--amount-max", "3",
		"--bug", "2pc-apply-at-prepare", "--seeds", "1", "--artifacts", dir)
	require.Equal(t, exitViolation, code)
	folder := filepath.Join(dir, "transfer-2pc-1-2pc-apply-at-prepare")
	require.Contains(t, out, "artifacts: "+folder)
	for _, name := range []string{"run.txt", "faults.json", "trace.jsonl", "timeline.json", "history.jsonl", "porcupine.html"} {
		info, err := os.Stat(filepath.Join(folder, name))
		require.NoError(t, err, name)
		require.Positive(t, info.Size(), name)
	}
	run, err := os.ReadFile(filepath.Join(folder, "run.txt"))
	require.NoError(t, err)
	require.Contains(t, string(run), "replay: flowtx replay --scenario transfer-2pc --seed 1 ")
}
