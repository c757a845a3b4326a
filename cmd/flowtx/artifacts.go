package main

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/anishathalye/porcupine"

	"github.com/flowtx/flowtx/checker"
	"github.com/flowtx/flowtx/scenarios"
)

// errNoHistory is returned when an artifact needs a history the scenario
// does not record.
var errNoHistory = errors.New("this scenario records no checker history (the YCSB scenarios do)")

// writeArtifacts writes what a replay was asked to keep: the history as
// JSON lines and porcupine's visualization.
func writeArtifacts(res scenarios.Result, historyPath, htmlPath string) error {
	if historyPath == "" && htmlPath == "" {
		return nil
	}
	if res.History == nil {
		return errNoHistory
	}
	if historyPath != "" {
		if err := writeHistory(*res.History, historyPath); err != nil {
			return err
		}
	}
	if htmlPath != "" {
		_, info, model := checker.CheckSerializable(*res.History, 0)
		if err := porcupine.VisualizePath(model, info, htmlPath); err != nil {
			return fmt.Errorf("visualize: %w", err)
		}
	}
	return nil
}

// writeHistory writes one JSON object per operation, in client order.
func writeHistory(h checker.History, path string) error {
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("history: %w", err)
	}
	w := bufio.NewWriter(f)
	enc := json.NewEncoder(w)
	for _, o := range h.Ops {
		if err := enc.Encode(o); err != nil {
			f.Close()
			return fmt.Errorf("history: %w", err)
		}
	}
	if err := w.Flush(); err != nil {
		f.Close()
		return fmt.Errorf("history: %w", err)
	}
	return f.Close()
}

// writeRunArtifacts keeps everything about a failing run in one folder,
// dir/SCENARIO-SEED[-BUG]: its config and replay command, fault schedule,
// every kernel event, a timeline of them for Perfetto, the history clients
// observed and porcupine's page.
// The run is replayed with tracing on to record the events; determinism
// makes it the same run.
func writeRunArtifacts(dir string, res scenarios.Result, replay string) (string, error) {
	name := fmt.Sprintf("%s-%d", res.Config.Scenario, res.Config.Seed)
	if res.Config.Bug != "" {
		name += "-" + string(res.Config.Bug)
	}
	folder := filepath.Join(dir, name)
	if err := os.MkdirAll(folder, 0o755); err != nil {
		return "", fmt.Errorf("artifacts: %w", err)
	}
	summary := fmt.Sprintf("%s\nreplay: %s\n", res.Describe(), replay)
	if err := os.WriteFile(filepath.Join(folder, "run.txt"), []byte(summary), 0o644); err != nil {
		return "", fmt.Errorf("artifacts: %w", err)
	}
	if err := writeSchedule(filepath.Join(folder, "faults.json"), res.Schedule); err != nil {
		return "", fmt.Errorf("artifacts: %w", err)
	}
	var trace traceLog
	tl := newTimeline(res.Config)
	if _, err := scenarios.RunTraced(res.Config, both(trace.record, tl.record)); err != nil {
		return "", fmt.Errorf("artifacts: %w", err)
	}
	if err := trace.write(filepath.Join(folder, "trace.jsonl")); err != nil {
		return "", err
	}
	if err := tl.write(filepath.Join(folder, "timeline.json"), res); err != nil {
		return "", err
	}
	if res.History != nil {
		if err := writeArtifacts(res, filepath.Join(folder, "history.jsonl"), filepath.Join(folder, "porcupine.html")); err != nil {
			return "", err
		}
	}
	return folder, nil
}
