package main

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// A budget far shorter than the campaign stops the handing out of seeds;
// the seeds started are reported, and the exit code is a normal end's.
func TestRunTimeBudgetEndsTheCampaign(t *testing.T) {
	code, out, errOut := flowtx("run", "--seeds", "100000", "--parallel", "1", "--time-budget", "1ms")
	require.Equal(t, exitOK, code, errOut)
	last := out[strings.LastIndex(strings.TrimSpace(out), "\n")+1:]
	require.Contains(t, last, " stopped=time-budget", last)
	require.Regexp(t, `time budget: 1ms ended the campaign after \d+ of 100000 seeds`, out)
	require.NotContains(t, out, "seed=1000 ", "a budget of 1ms runs a handful of seeds")
}

func TestRunTimeBudgetInJSON(t *testing.T) {
	code, out, _ := flowtx("run", "--seeds", "100000", "--parallel", "1", "--time-budget", "1ms", "--json")
	require.Equal(t, exitOK, code)
	lines := strings.Split(strings.TrimSpace(out), "\n")
	var sum struct {
		Result summary `json:"result"`
	}
	require.NoError(t, json.Unmarshal([]byte(lines[len(lines)-1]), &sum))
	require.True(t, sum.Result.BudgetEnded)
	require.Equal(t, 100000, sum.Result.Planned)
	require.Equal(t, len(lines)-1, sum.Result.Seeds, "one line per seed run, then the summary")
}

func TestRunBadTimeBudgetExitsTwo(t *testing.T) {
	code, out, errOut := flowtx("run", "--time-budget", "-1s")
	require.Equal(t, exitUsage, code)
	require.Empty(t, out)
	require.Equal(t, "flowtx run: time budget -1s: want >= 0\n", errOut)
}

// The summary counts the checker's verdicts per check and the schedules'
// events per fault kind, in text and in JSON.
func TestRunSummaryCountsVerdictsAndFaults(t *testing.T) {
	code, out, _ := flowtx("run", "--scenario", "transfer-2pc", "--seeds", "2")
	require.Equal(t, exitOK, code)
	require.Regexp(t, `(?m)^verdicts by check: +ok +violation +unknown$`, out)
	require.Regexp(t, `(?m)^  strict-serializability +2 +0 +0$`, out)
	require.Regexp(t, `(?m)^  restart-worker +\d+ +2$`, out)

	code, out, _ = flowtx("run", "--scenario", "transfer-2pc", "--seeds", "2", "--json")
	require.Equal(t, exitOK, code)
	lines := strings.Split(strings.TrimSpace(out), "\n")
	var sum struct {
		Result summary `json:"result"`
	}
	require.NoError(t, json.Unmarshal([]byte(lines[len(lines)-1]), &sum))
	require.Equal(t, verdictCounts{OK: 2}, sum.Result.Verdicts["strict-serializability"])
	require.Positive(t, sum.Result.FaultsByKind["crash-worker"])
	require.Equal(t, sum.Result.FaultsByKind["crash-worker"], sum.Result.FaultsByKind["restart-worker"], "drawn crashes all restart")
	require.Equal(t, 2, sum.Result.FaultSeeds["crash-worker"])
}

// The progress line: seeds, rate, violations and ETA, redrawn at most
// every progressEvery, erased before stdout writes on the same terminal.
func TestProgressLine(t *testing.T) {
	var w bytes.Buffer
	now := time.Unix(0, 0)
	p := &progress{w: &w, shared: true, total: 100, start: now, now: func() time.Time { return now }}
	now = now.Add(2 * time.Second)
	p.update(summary{Seeds: 10, Violations: 1})
	require.Equal(t, "\rflowtx run: 10/100 seeds (10%)  5.0 seeds/s  1 violations  ETA 18s\x1b[K", w.String())
	w.Reset()
	now = now.Add(progressEvery / 2)
	p.update(summary{Seeds: 11})
	require.Empty(t, w.String(), "not redrawn within progressEvery")
	_, err := p.under(&bytes.Buffer{}).Write([]byte("seed=11 ok\n"))
	require.NoError(t, err)
	require.Equal(t, "\r\x1b[K", w.String(), "erased before a seed line")
	w.Reset()
	p.update(summary{Seeds: 11})
	require.Contains(t, w.String(), "11/100", "an erased line is drawn again at once")

	p.budget = 3 * time.Second
	require.Contains(t, p.line(summary{Seeds: 11}, 2*time.Second), "ETA 1s", "a budget shorter than the work bounds the ETA")
}

func TestNoProgressLineOffTerminal(t *testing.T) {
	var stderr, stdout bytes.Buffer
	p := newProgress(&stderr, &stdout, 10, 0, false)
	p.update(summary{Seeds: 1})
	require.Empty(t, stderr.String())
	require.Same(t, &stdout, p.under(&stdout).(*bytes.Buffer), "stdout is left alone")
}
