package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// badFaultFiles are malformed fault files, each with a part of the error
// it must give: the file is refused before anything runs, in one line that
// says what is wrong. FuzzFaultFile takes them as seeds.
var badFaultFiles = []struct {
	name, body, want string
}{
	{"empty", ``, "EOF"},
	{"bad json", `[{"at_us": 5,}]`, "invalid character"},
	{"not a list", `{"at_us": 5, "kind": "crash-worker"}`, "cannot unmarshal object"},
	{"time as a string", `[{"at_us": "5", "kind": "crash-coordinator"}]`, "cannot unmarshal string"},
	{"time overflows", `[{"at_us": 1e30, "kind": "crash-coordinator"}]`, "cannot unmarshal number"},
	{"unknown field", `[{"at_us": 5, "kind": "crash-worker", "node": 1}]`, `unknown field "node"`},
	{"trailing data", `[] []`, "data after the schedule"},
	{"unknown kind", `[{"at_us": 5, "kind": "meteor"}]`, `unknown kind "meteor"`},
	{"kind with a newline", `[{"at_us": 5, "kind": "crash-coordinator"}, {"at_us": 1, "kind": "x\ny"}]`, "earlier than the one before"},
	{"negative time", `[{"at_us": -5, "kind": "crash-coordinator"}]`, "negative time"},
	{"out of order", `[{"at_us": 9, "kind": "crash-coordinator"}, {"at_us": 5, "kind": "restart-coordinator"}]`, "earlier than the one before"},
	{"restart without crash", `[{"at_us": 5, "kind": "restart-worker", "worker": 1}]`, "already up"},
	{"coordinator restart without crash", `[{"at_us": 5, "kind": "restart-coordinator"}]`, "already up"},
	{"crash twice", `[{"at_us": 5, "kind": "crash-worker", "worker": 2}, {"at_us": 6, "kind": "crash-worker", "worker": 2}]`, "already down"},
	{"worker out of range", `[{"at_us": 5, "kind": "crash-worker", "worker": 9}]`, "no worker 9 in a job of 4"},
	{"negative worker", `[{"at_us": 5, "kind": "crash-worker", "worker": -1}]`, "no worker -1"},
	{"until before at", `[{"at_us": 10, "kind": "store-failure", "until_us": 5}]`, "window ends before it starts"},
	{"empty window", `[{"at_us": 10, "kind": "store-failure", "until_us": 10}]`, "window ends before it starts"},
	{"partition of one node", `[{"at_us": 1, "kind": "partition", "until_us": 9, "nodes": ["w0"]}]`, "two distinct nodes"},
	{"node out of range", `[{"at_us": 1, "kind": "partition", "until_us": 9, "nodes": ["w0", "w7"]}]`, "no node w7"},
	{"node misnamed", `[{"at_us": 1, "kind": "partition", "until_us": 9, "nodes": ["w0", "worker1"]}]`, `node "worker1"`},
	{"spike without latency", `[{"at_us": 1, "kind": "delay-spike", "until_us": 9}]`, "extra latency"},
	{"after the time limit", `[{"at_us": 99000000000, "kind": "crash-coordinator"}]`, "not before the time limit"},
}

// Every malformed fault file is refused with its one-line error, both when
// the config is resolved and at the command line: flowtx replay --faults
// FILE exits 2 with that line alone on stderr and nothing on stdout.
func TestMalformedFaultFiles(t *testing.T) {
	dir := t.TempDir()
	for i, c := range badFaultFiles {
		t.Run(c.name, func(t *testing.T) {
			path := filepath.Join(dir, strings.ReplaceAll(c.name, " ", "-")+".json")
			if err := os.WriteFile(path, []byte(c.body), 0o644); err != nil {
				t.Fatal(err)
			}
			_, err := faultFileConfig(t, path)
			if err == nil || !strings.Contains(err.Error(), c.want) || strings.Contains(err.Error(), "\n") {
				t.Fatalf("config(--faults file %d) = %v; want one line with %q", i, err, c.want)
			}
			code, out, errOut := flowtx("replay", "--faults", path)
			if code != exitUsage || out != "" || strings.Count(errOut, "\n") != 1 ||
				!strings.HasPrefix(errOut, "flowtx replay: ") || !strings.Contains(errOut, c.want) {
				t.Fatalf("flowtx replay --faults %s = exit %d, stdout %q, stderr %q; want exit %d, one line on stderr with %q",
					c.name, code, out, errOut, exitUsage, c.want)
			}
		})
	}
}

// A fault file too large, or missing, is refused the same way.
func TestUnreadableFaultFiles(t *testing.T) {
	dir := t.TempDir()
	big := filepath.Join(dir, "big.json")
	body := "[" + strings.Repeat(" ", faultFileMax) + "]"
	if err := os.WriteFile(big, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	for path, want := range map[string]string{
		big:                                "more than",
		filepath.Join(dir, "missing.json"): "not none, crash or a readable file",
	} {
		code, out, errOut := flowtx("replay", "--faults", path)
		if code != exitUsage || out != "" || strings.Count(errOut, "\n") != 1 || !strings.Contains(errOut, want) {
			t.Errorf("flowtx replay --faults %s = exit %d, stdout %q, stderr %q; want exit %d, one line with %q",
				filepath.Base(path), code, out, errOut, exitUsage, want)
		}
	}
}
