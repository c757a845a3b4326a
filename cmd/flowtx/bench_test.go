package main

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// A small open-loop bench on the real-time driver: every run line and the
// summary are JSON, every offered request is answered, nothing is wrong.
func TestBenchRunsAndReports(t *testing.T) {
	code, out, errOut := flowtx("bench", "--scenario", "transfer-saga", "--rate", "4000", "--duration", "100ms",
		"--clients", "8", "--keys", "100", "--runs", "2", "--json")
	require.Equal(t, exitOK, code, errOut)
	lines := strings.Split(strings.TrimSpace(out), "\n")
	require.Len(t, lines, 3, "two runs and the summary")
	var total benchResult
	require.NoError(t, json.Unmarshal([]byte(lines[2]), &total))
	require.Equal(t, 2*8*50, total.Committed, "4000/s for 100ms is 400 transfers a run, 50 per client, and no saga fails with 10,000 per record")
	require.Zero(t, total.Violations)
	require.Positive(t, total.PerSecond)
	require.Positive(t, total.P99Millis)
}

// Runs on a file store each get a store of their own: the second run must
// not restore the first one's checkpoints (it used to, and panicked).
func TestBenchRunsOnFreshFileStores(t *testing.T) {
	dir := t.TempDir()
	code, _, errOut := flowtx("bench", "--scenario", "transfer-saga", "--rate", "2000", "--duration", "100ms",
		"--clients", "4", "--keys", "100", "--runs", "2", "--json", "--store-dir", dir)
	require.Equal(t, exitOK, code, errOut)
	runs, err := filepath.Glob(filepath.Join(dir, "run-*"))
	require.NoError(t, err)
	require.Len(t, runs, 2)
}

func TestBenchRejectsBadFlags(t *testing.T) {
	for _, args := range [][]string{
		{"--runs", "0"}, {"--rate", "-1"}, {"--duration", "0s"}, {"--clients", "0"}, {"--scenario", "nope"}, {"--keys", "0"},
		{"--store-dir", "/proc/no-such-dir"}, {"--memprofile", "/proc/no-such-dir/heap.prof"}, {"--cpuprofile", "/proc/no-such-dir/cpu.prof"},
	} {
		code, out, errOut := flowtx(append([]string{"bench"}, args...)...)
		require.Equal(t, exitUsage, code, "%v", args)
		require.Empty(t, out, "%v", args)
		require.Equal(t, 1, strings.Count(errOut, "\n"), "%v: one line: %q", args, errOut)
	}
}
