package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/flowtx/flowtx/faults"
	"github.com/flowtx/flowtx/scenarios"
)

// corpusEntry is one kept run: the replay flags (without --faults), the
// fault schedule, and the verdict it must keep: the kind of its first
// violation, or "ok" for a bug that was fixed. `go test ./cmd/flowtx`
// replays every entry in testdata/corpus.
type corpusEntry struct {
	Args   []string        `json:"args"`
	Faults faults.Schedule `json:"faults"`
	Expect string          `json:"expect"`
	Note   string          `json:"note,omitempty"`
}

// corpusOK is the expectation of an entry that must pass.
const corpusOK = "ok"

// writeCorpusEntry keeps a failing run in dir, named after its scenario,
// seed and bug.
func writeCorpusEntry(dir string, res scenarios.Result) (string, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", fmt.Errorf("corpus: %w", err)
	}
	kind, _, _ := strings.Cut(res.Violations[0], ":")
	e := corpusEntry{Args: replayArgs(res.Config), Faults: res.Schedule, Expect: kind}
	if e.Faults == nil {
		e.Faults = faults.Schedule{}
	}
	name := fmt.Sprintf("%s-%d", res.Config.Scenario, res.Config.Seed)
	if res.Config.Bug != "" {
		name += "-" + string(res.Config.Bug)
	}
	path := filepath.Join(dir, name+".json")
	b, err := json.MarshalIndent(e, "", "  ")
	if err != nil {
		return "", err
	}
	return path, os.WriteFile(path, append(b, '\n'), 0o644)
}

// replayArgs are the flags of cfg's replay command, without --faults: the
// corpus keeps the schedule itself.
func replayArgs(cfg scenarios.Config) []string {
	if cfg.Faults == scenarios.FaultsSwarm {
		cfg.Faults = scenarios.FaultsGiven // every drawn parameter spelled out
	}
	fields := strings.Fields(replayCommand(cfg))[2:] // drop "flowtx replay"
	var out []string
	for i := 0; i < len(fields); i++ {
		if fields[i] == "--faults" {
			i++
			continue
		}
		out = append(out, fields[i])
	}
	return out
}

// readCorpusEntry reads one kept run.
func readCorpusEntry(path string) (corpusEntry, error) {
	var e corpusEntry
	b, err := os.ReadFile(path)
	if err != nil {
		return e, err
	}
	if err := json.Unmarshal(b, &e); err != nil {
		return e, fmt.Errorf("%s: %w", path, err)
	}
	return e, nil
}
