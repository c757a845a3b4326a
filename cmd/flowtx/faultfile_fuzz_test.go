package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/flowtx/flowtx/scenarios"
)

// faultFileConfig resolves `--faults path` as every command that runs a
// scenario does, with every other flag at its default.
func faultFileConfig(t *testing.T, path string) (scenarios.Config, error) {
	t.Helper()
	var sf scenarioFlags
	fs := newFlagSet("replay", "")
	sf.register(fs)
	if err := fs.Parse([]string{"--faults", path}); err != nil {
		t.Fatalf("fs.Parse(--faults %s) = %v", path, err)
	}
	return sf.config(sf.seed)
}

// faultFileSeeds are well-formed schedules of every kind and malformed
// files of every sort badFaultFiles names.
func faultFileSeeds() [][]byte {
	seeds := [][]byte{
		[]byte(`[]`),
		[]byte(`[{"at_us": 5, "kind": "crash-worker", "worker": 1}, {"at_us": 9, "kind": "restart-worker", "worker": 1}]`),
		[]byte(`[{"at_us": 5, "kind": "crash-coordinator"}, {"at_us": 5, "kind": "store-failure", "until_us": 20}, {"at_us": 7, "kind": "restart-coordinator"}]`),
		[]byte(`[{"at_us": 1, "kind": "store-latency", "until_us": 50, "extra_us": 9}]`),
		[]byte(`[{"at_us": 1, "kind": "partition", "until_us": 50, "nodes": ["w0", "coordinator"]}]`),
		[]byte(`[{"at_us": 1, "kind": "partition-one-way", "until_us": 50, "nodes": ["w3", "w1"]}]`),
		[]byte(`[{"at_us": 1, "kind": "swizzle-clog", "until_us": 90, "links": [{"from": "w0", "to": "w1", "at_us": 2, "until_us": 80}]}]`),
		[]byte(`[{"at_us": 1, "kind": "delay-spike", "until_us": 50, "extra_us": 400, "nodes": []}]`),
	}
	for _, c := range badFaultFiles {
		seeds = append(seeds, []byte(c.body))
	}
	return seeds
}

// FuzzFaultFile feeds arbitrary bytes to `--faults FILE`: the file is read
// (readFaults) and the config resolved, as `flowtx replay` does before it
// runs anything. Nothing panics, and either
//   - the file is rejected with a one-line error, and flowtx replay exits 2
//     with that line alone on stderr; or
//   - its schedule is valid for the job, every event prints on one line
//     (replay prints one "fault:" line each), and the schedule survives a
//     round trip through the file format flowtx shrink writes: read back,
//     it resolves again and writes the same bytes.
//
// go test runs the seed corpus; go test -run '^$' -fuzz FuzzFaultFile
// ./cmd/flowtx searches further.
func FuzzFaultFile(f *testing.F) {
	for _, b := range faultFileSeeds() {
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		dir := t.TempDir()
		path := filepath.Join(dir, "faults.json")
		if err := os.WriteFile(path, b, 0o644); err != nil {
			t.Fatal(err)
		}
		cfg, err := faultFileConfig(t, path)
		if err != nil {
			if msg := err.Error(); msg == "" || strings.Contains(msg, "\n") {
				t.Fatalf("config(--faults %q) error = %q; want one line", b, msg)
			}
			code, out, errOut := flowtx("replay", "--faults", path)
			if code != exitUsage || out != "" || strings.Count(errOut, "\n") != 1 {
				t.Fatalf("flowtx replay --faults %q = exit %d, stdout %q, stderr %q; want exit %d and one line on stderr", b, code, out, errOut, exitUsage)
			}
			return
		}
		if err := cfg.Schedule.Validate(cfg.Workers); err != nil {
			t.Fatalf("config(--faults %q) resolved a schedule that Validate rejects: %v", b, err)
		}
		for _, e := range cfg.Schedule {
			if s := e.String(); strings.Contains(s, "\n") {
				t.Fatalf("Event.String() = %q; want one line", s)
			}
		}
		again := filepath.Join(dir, "again.json")
		if err := writeSchedule(again, cfg.Schedule); err != nil {
			t.Fatalf("writeSchedule = %v", err)
		}
		cfg2, err := faultFileConfig(t, again)
		if err != nil {
			t.Fatalf("config(--faults written %q) = %v; want the schedule to resolve again", b, err)
		}
		// Bytes, not values: a round trip may turn an empty list into an
		// absent one (omitempty), which means the same.
		first, _ := json.Marshal(cfg.Schedule)
		second, _ := json.Marshal(cfg2.Schedule)
		if !bytes.Equal(first, second) {
			t.Fatalf("round trip of %q: wrote %s, read back %s", b, first, second)
		}
	})
}
