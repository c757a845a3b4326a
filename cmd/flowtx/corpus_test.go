package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestCorpus replays every kept run in testdata/corpus and requires its
// recorded verdict: known-bad variants must still fail the same way, fixed
// bugs must now pass. Add entries with `flowtx shrink --corpus` or
// `flowtx run --corpus`.
func TestCorpus(t *testing.T) {
	paths, err := filepath.Glob("testdata/corpus/*.json")
	require.NoError(t, err)
	require.NotEmpty(t, paths)
	for _, path := range paths {
		t.Run(strings.TrimSuffix(filepath.Base(path), ".json"), func(t *testing.T) {
			e, err := readCorpusEntry(path)
			require.NoError(t, err)
			faultsPath := filepath.Join(t.TempDir(), "faults.json")
			require.NoError(t, writeSchedule(faultsPath, e.Faults))
			code, out, errOut := flowtx(append([]string{"replay", "--faults", faultsPath}, e.Args...)...)
			if e.Expect == corpusOK {
				require.Equal(t, exitOK, code, "%s%s", out, errOut)
				return
			}
			require.Equal(t, exitViolation, code, "%s%s", out, errOut)
			require.Contains(t, out, "\nviolation: ", out)
			kinds := map[string]bool{}
			for _, line := range strings.Split(out, "\n") {
				if v, ok := strings.CutPrefix(line, "violation: "); ok {
					kind, _, _ := strings.Cut(v, ":")
					kinds[kind] = true
				}
			}
			require.True(t, kinds[e.Expect], "expected a %s violation, got %v", e.Expect, kinds)
		})
	}
}

// The corpus test can fail: an entry whose recorded verdict no longer
// holds is reported.
func TestCorpusEntryRoundTrip(t *testing.T) {
	dir := t.TempDir()
	code, out, _ := flowtx("shrink", "--scenario", "bank", "--bug", "keep-failed-effects", "--seed", "1",
		"--out", filepath.Join(dir, "s.json"), "--corpus", dir)
	require.Equal(t, exitViolation, code, out)
	entries, err := filepath.Glob(filepath.Join(dir, "bank-*.json"))
	require.NoError(t, err)
	require.Len(t, entries, 1)
	e, err := readCorpusEntry(entries[0])
	require.NoError(t, err)
	require.Equal(t, "bank", e.Expect)
	require.NotContains(t, e.Args, "--faults")
	require.Contains(t, e.Args, "keep-failed-effects")
	_, err = os.Stat(entries[0])
	require.NoError(t, err)
}
