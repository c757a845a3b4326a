package main

import (
	"encoding/json"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

var hashRe = regexp.MustCompile(`trace-hash[=:] ?([0-9a-f]{16})`)

// replayLine runs the replay command a failing seed printed and returns
// its output.
func replayLine(t *testing.T, out string) (code int, replayed string) {
	t.Helper()
	i := strings.Index(out, "replay: flowtx ")
	require.GreaterOrEqual(t, i, 0, "no replay command in:\n%s", out)
	line := strings.SplitN(out[i+len("replay: flowtx "):], "\n", 2)[0]
	code, replayed, errOut := flowtx(strings.Fields(line)...)
	require.Empty(t, errOut)
	return code, replayed
}

// A swarm campaign prints each seed's SEED= line before its result, and
// the replay command of a failing seed, `--faults swarm` with the seed,
// redraws the same run: the same SEED= line and the same trace hash.
func TestSwarmReplayCommandReproducesTheRun(t *testing.T) {
	code, out, errOut := flowtx("run", "--scenario", "bank", "--faults", "swarm", "--bug", "keep-failed-effects", "--seeds", "3")
	require.Equal(t, exitViolation, code, errOut)
	lines := strings.Split(out, "\n")
	require.Contains(t, lines[0], "faults=swarm")
	require.Contains(t, lines[0], "buggify=on", "swarm campaigns have BUGGIFY by default")
	var drawn, result string
	for i, l := range lines {
		if strings.Contains(l, " VIOLATION(") {
			drawn, result = lines[i-1], l
			break
		}
	}
	require.True(t, strings.HasPrefix(drawn, "SEED="), "the drawn parameters come before the result: %q", drawn)
	require.Contains(t, out, "--faults swarm --bug keep-failed-effects")
	code, replayed := replayLine(t, out)
	require.Equal(t, exitViolation, code)
	require.Equal(t, drawn, strings.SplitN(replayed, "\n", 2)[0], "replay prints the same draws first")
	require.Equal(t, hashRe.FindStringSubmatch(result)[1], hashRe.FindStringSubmatch(replayed)[1])
}

// A failing BUGGIFY campaign's replay command keeps --buggify, and so the
// same firings and the same trace hash.
func TestBuggifyReplayCommandKeepsBuggify(t *testing.T) {
	code, out, _ := flowtx("run", "--scenario", "bank", "--buggify", "--bug", "no-ingress-dedup", "--seeds", "3")
	require.Equal(t, exitViolation, code)
	require.Contains(t, out, " buggify=on\n")
	var result string
	for _, l := range strings.Split(out, "\n") {
		if strings.Contains(l, " VIOLATION(") {
			result = l
			break
		}
	}
	require.Contains(t, result, "duplicate-request:", "only duplicated requests break this variant")
	require.Contains(t, out, "--bug no-ingress-dedup --buggify")
	code, replayed := replayLine(t, out)
	require.Equal(t, exitViolation, code)
	require.True(t, strings.HasPrefix(replayed, "buggify: "), replayed)
	require.Equal(t, hashRe.FindStringSubmatch(result)[1], hashRe.FindStringSubmatch(replayed)[1])
}

// Flags that a swarm seed draws, and bad --buggify values, are usage
// errors: one line, exit 2.
func TestSwarmAndBuggifyBadFlagsExitTwo(t *testing.T) {
	for _, args := range [][]string{
		{"run", "--faults", "swarm", "--workers", "3"},
		{"replay", "--faults", "swarm", "--checkpoint-strategy", "aligned", "--zipf", "0.5"},
		{"run", "--buggify=maybe"},
	} {
		code, out, errOut := flowtx(args...)
		require.Equal(t, exitUsage, code, "%v", args)
		require.Empty(t, out)
		require.Equal(t, 1, strings.Count(errOut, "\n"), "%v: %q", args, errOut)
	}
	_, _, errOut := flowtx("run", "--faults", "swarm", "--workers", "3")
	require.Contains(t, errOut, "--workers: --faults swarm draws it")
}

// Each BUGGIFY firing is an instant on its node's track of the timeline,
// named after the point; without BUGGIFY there is none.
func TestReplayTimelineMarksBuggifyFirings(t *testing.T) {
	count := func(args ...string) map[string]int {
		var tl timelineFile
		require.NoError(t, json.Unmarshal(replayTimeline(t, args...), &tl))
		names := map[string]int{}
		for _, e := range tl.TraceEvents {
			if e.Cat == "buggify" {
				names[strings.Fields(e.Name)[0]]++
			}
		}
		return names
	}
	on := count("--scenario", "chain", "--seed", "1", "--buggify")
	require.Positive(t, on["slow-invocation"], "%v", on)
	require.Positive(t, on["early-checkpoint"], "%v", on)
	require.Empty(t, count("--scenario", "chain", "--seed", "1"))
}
