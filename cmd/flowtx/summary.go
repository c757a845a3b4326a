package main

import (
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strings"
	"time"

	"github.com/flowtx/flowtx/checker"
	"github.com/flowtx/flowtx/scenarios"
	"github.com/flowtx/flowtx/sim"
)

// summary is what a campaign prints at its end: the tables and the line
// beginning "result:", or one JSON object.
type summary struct {
	Scenario   string `json:"scenario"`
	Seeds      int    `json:"seeds"`
	OK         int    `json:"ok"`
	Violations int    `json:"violations"`
	Errors     int    `json:"errors"`
	// ByKind counts failing seeds per kind of violation: exactly-once,
	// liveness, invariant, or the scenario's own check.
	ByKind map[string]int `json:"violations_by_kind,omitempty"`
	// Verdicts counts the checker's verdicts per check, for the scenarios
	// it judges.
	Verdicts map[string]verdictCounts `json:"verdicts,omitempty"`
	// FaultsByKind counts fault-schedule events per kind over all seeds,
	// and FaultSeeds the seeds whose schedule has the kind: whatever kinds
	// package faults has, they appear here.
	FaultsByKind map[string]int `json:"faults_by_kind,omitempty"`
	FaultSeeds   map[string]int `json:"fault_seeds_by_kind,omitempty"`
	Checkpoints  int64          `json:"checkpoints"`
	Recoveries   int64          `json:"recoveries"` // after crashes; the start-up restore is not counted
	Events       int64          `json:"events"`
	SimTimeUS    int64          `json:"sim_time_us"`
	WallS        float64        `json:"wall_s"`
	Stopped      bool           `json:"stopped,omitempty"` // by Ctrl-C
	// BudgetEnded says that --time-budget ran out before every seed was
	// handed out: Seeds of Planned ran.
	BudgetEnded bool `json:"time_budget_ended,omitempty"`
	Planned     int  `json:"seeds_planned"`

	verdictOrder []string // checks in the order the checker gives them
	budget       time.Duration
}

// verdictCounts splits one check's verdicts over the seeds it judged.
type verdictCounts struct {
	OK        int `json:"ok"`
	Violation int `json:"violation"`
	Unknown   int `json:"unknown"`
}

// add counts one seed's result.
func (s *summary) add(res scenarios.Result) {
	s.Events += res.Events
	s.SimTimeUS += int64(res.SimTime)
	s.Checkpoints += res.Checkpoints.Completed
	s.Recoveries += max(res.Checkpoints.Recoveries-1, 0)
	if res.OK {
		s.OK++
	} else {
		s.Violations++
		s.countKinds(res.Violations)
	}
	for _, v := range res.Verdicts {
		s.countVerdict(v)
	}
	seen := map[string]bool{}
	for _, e := range res.Schedule {
		k := string(e.Kind)
		if s.FaultsByKind == nil {
			s.FaultsByKind, s.FaultSeeds = map[string]int{}, map[string]int{}
		}
		s.FaultsByKind[k]++
		if !seen[k] {
			seen[k] = true
			s.FaultSeeds[k]++
		}
	}
}

// countKinds adds one to each kind of violation a failing seed shows. A
// violation's kind is the word before its first colon.
func (s *summary) countKinds(violations []string) {
	if s.ByKind == nil {
		s.ByKind = map[string]int{}
	}
	seen := map[string]bool{}
	for _, v := range violations {
		kind, _, _ := strings.Cut(v, ":")
		if !seen[kind] {
			seen[kind] = true
			s.ByKind[kind]++
		}
	}
}

func (s *summary) countVerdict(v checker.Verdict) {
	if s.Verdicts == nil {
		s.Verdicts = map[string]verdictCounts{}
	}
	c, ok := s.Verdicts[v.Check]
	if !ok {
		s.verdictOrder = append(s.verdictOrder, v.Check)
	}
	switch v.Result {
	case checker.Ok:
		c.OK++
	case checker.Violation:
		c.Violation++
	default:
		c.Unknown++
	}
	s.Verdicts[v.Check] = c
}

// print writes the summary: as one JSON object wrapped in "result", or as
// the tables and the result line.
func (s summary) print(w io.Writer, asJSON bool) {
	if asJSON {
		line, _ := json.Marshal(struct {
			Result summary `json:"result"`
		}{s})
		fmt.Fprintf(w, "%s\n", line)
		return
	}
	if len(s.ByKind) > 0 {
		fmt.Fprint(w, "violations by kind:")
		for _, k := range sortedKeys(s.ByKind) {
			fmt.Fprintf(w, " %s=%d", k, s.ByKind[k])
		}
		fmt.Fprintln(w)
	}
	s.printTables(w)
	stopped := ""
	switch {
	case s.Stopped:
		stopped = " stopped=interrupted"
	case s.BudgetEnded:
		stopped = " stopped=time-budget"
		fmt.Fprintf(w, "time budget: %v ended the campaign after %d of %d seeds\n", s.budget, s.Seeds, s.Planned)
	}
	fmt.Fprintf(w, "result: scenario=%s seeds=%d ok=%d violations=%d errors=%d checkpoints=%d recoveries=%d events=%d sim-time=%v wall=%.2fs seeds/s=%.1f%s\n",
		s.Scenario, s.Seeds, s.OK, s.Violations, s.Errors, s.Checkpoints, s.Recoveries, s.Events,
		sim.Time(s.SimTimeUS), s.WallS, float64(s.Seeds)/max(s.WallS, 1e-9), stopped)
}

// printTables writes the checker's verdicts per check and the faults per
// kind, each table only when it has a row.
func (s summary) printTables(w io.Writer) {
	if len(s.verdictOrder) > 0 {
		fmt.Fprintf(w, "%-28s %8s %10s %8s\n", "verdicts by check:", "ok", "violation", "unknown")
		for _, k := range s.verdictOrder {
			c := s.Verdicts[k]
			fmt.Fprintf(w, "  %-26s %8d %10d %8d\n", k, c.OK, c.Violation, c.Unknown)
		}
	}
	if len(s.FaultsByKind) > 0 {
		fmt.Fprintf(w, "%-28s %8s %10s\n", "faults by kind:", "events", "seeds")
		for _, k := range sortedKeys(s.FaultsByKind) {
			fmt.Fprintf(w, "  %-26s %8d %10d\n", k, s.FaultsByKind[k], s.FaultSeeds[k])
		}
	}
}

func sortedKeys(m map[string]int) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
