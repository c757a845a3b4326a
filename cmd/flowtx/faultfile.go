package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"

	"github.com/flowtx/flowtx/faults"
	"github.com/flowtx/flowtx/scenarios"
)

// faultFileMax bounds what a fault file may hold.
const faultFileMax = 1 << 20

// readFaults turns --faults into a fault model and, for a file, the
// schedule it holds: a JSON array of events as flowtx shrink writes them.
func readFaults(arg string) (string, faults.Schedule, error) {
	if arg == scenarios.FaultsNone || arg == scenarios.FaultsCrash {
		return arg, nil, nil
	}
	b, err := os.ReadFile(arg)
	if err != nil {
		return "", nil, fmt.Errorf("faults %q: not none, crash or a readable file: %v", arg, err)
	}
	s, err := parseSchedule(b)
	if err != nil {
		return "", nil, fmt.Errorf("fault file %s: %v", arg, err)
	}
	return scenarios.FaultsGiven, s, nil
}

// parseSchedule decodes a fault schedule strictly: unknown fields and
// trailing data are errors. Whether the events make sense for the job
// (workers in range, crashes matched by restarts) is checked when the
// config is resolved.
func parseSchedule(b []byte) (faults.Schedule, error) {
	if len(b) > faultFileMax {
		return nil, fmt.Errorf("%d bytes, more than %d", len(b), faultFileMax)
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	s := faults.Schedule{}
	if err := dec.Decode(&s); err != nil {
		return nil, err
	}
	if dec.More() {
		return nil, fmt.Errorf("data after the schedule")
	}
	return s, nil
}

// writeSchedule writes a schedule as the JSON array readFaults reads.
func writeSchedule(path string, s faults.Schedule) error {
	if s == nil {
		s = faults.Schedule{}
	}
	b, err := json.MarshalIndent(s, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(path, append(b, '\n'), 0o644)
}
