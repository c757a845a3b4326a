package main

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"os"

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
