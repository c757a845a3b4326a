package realtime

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/flowtx/flowtx/sim"
)

// script issues all its storage operations in Start, without waiting for
// results, and records the results in the order they arrive.
type script struct {
	inert
	ops     []sim.StoreOp
	results []sim.StoreResult
	done    *atomic.Bool
}

func (s *script) Start(env sim.Env) {
	for _, op := range s.ops {
		env.Store(op)
	}
}

func (s *script) Stored(r sim.StoreResult) {
	s.results = append(s.results, r)
	if len(s.results) == len(s.ops) {
		s.done.Store(true)
	}
}

// runScript runs ops on one node of a driver with cfg, numbering their
// tokens 0, 1, 2..., and returns the results, checked to have come back in
// issue order, and the stopped driver.
func runScript(t *testing.T, cfg Config, ops ...sim.StoreOp) ([]sim.StoreResult, *Driver) {
	t.Helper()
	for i := range ops {
		ops[i].Token = uint64(i)
	}
	d := New(cfg)
	defer d.Stop()
	var done atomic.Bool
	n := d.AddNode(func() sim.Process { return &script{ops: ops, done: &done} })
	d.Start()
	if err := d.RunUntil(done.Load, 2*time.Second); err != nil {
		t.Fatalf("script of %d ops: %v", len(ops), err)
	}
	d.Stop()
	results := d.Process(n).(*script).results
	for i, r := range results {
		if r.Op.Token != uint64(i) || r.Op.Kind != ops[i].Kind || r.Op.Key != ops[i].Key {
			t.Fatalf("result %d is for %v %q token %d; want %v %q token %d (issue order)",
				i, r.Op.Kind, r.Op.Key, r.Op.Token, ops[i].Kind, ops[i].Key, i)
		}
	}
	return results, d
}

func put(key, value string) sim.StoreOp {
	return sim.StoreOp{Kind: sim.StorePut, Key: key, Value: []byte(value)}
}
func get(key string) sim.StoreOp     { return sim.StoreOp{Kind: sim.StoreGet, Key: key} }
func del(key string) sim.StoreOp     { return sim.StoreOp{Kind: sim.StoreDelete, Key: key} }
func list(prefix string) sim.StoreOp { return sim.StoreOp{Kind: sim.StoreList, Key: prefix} }

// describe renders a result for comparison: what a Get found, what a List
// listed, or the error.
func describe(r sim.StoreResult) string {
	switch {
	case r.Err != nil:
		return "error"
	case r.Op.Kind == sim.StoreGet && !r.Found:
		return "missing"
	case r.Op.Kind == sim.StoreGet:
		return fmt.Sprintf("%q", r.Value)
	case r.Op.Kind == sim.StoreList:
		return fmt.Sprintf("%q", r.Keys)
	}
	return "ok"
}

// Operations issued back to back on one key must apply in issue order, in
// both stores: a Get sees the Put or Delete just before it.
func TestStoreAppliesOneNodesOpsInIssueOrder(t *testing.T) {
	forEachStore(t, func(t *testing.T, cfg Config) {
		results, d := runScript(t, cfg,
			put("k", "1"), put("k", "2"), get("k"), del("k"), get("k"), del("k"),
			put("k", "3"), put("k/sub", ""), list("k"), get("k/sub"), list("none"))
		var got []string
		for _, r := range results {
			got = append(got, describe(r))
		}
		want := []string{"ok", "ok", `"2"`, "ok", "missing", "ok",
			"ok", "ok", `["k" "k/sub"]`, `""`, "[]"}
		if !slices.Equal(got, want) {
			t.Errorf("results = %v; want %v", got, want)
		}
		if v := d.Store().Apply(get("k")); string(v.Value) != "3" {
			t.Errorf("Store() k = %q; want \"3\"", v.Value)
		}
	})
}

// oddKeys need escaping: separators, dots, escapes, case, control bytes,
// invalid UTF-8, and the longest plain key a file name holds.
var oddKeys = []string{
	"", "/", "//", "a/b/c", ".", "..", "../x", "%", "%2F", "k-", ".tmp-1",
	"A", "a", "\x00", "\xff\xfe", "ü/ß", " sp ace", "tab\t\n",
	strings.Repeat("\xff", 84), strings.Repeat("z", 253),
}

func TestFileStoreKeepsKeysWithSlashesAndOddBytes(t *testing.T) {
	dir := t.TempDir()
	var ops []sim.StoreOp
	for i, k := range oddKeys {
		ops = append(ops, put(k, fmt.Sprint("v", i)))
	}
	ops = append(ops, list(""), list("a/"), put(strings.Repeat("z", 254), "x"))
	for _, k := range oddKeys {
		ops = append(ops, get(k))
	}
	results, d := runScript(t, Config{StoreDir: dir}, ops...)

	sorted := slices.Sorted(slices.Values(oddKeys))
	if got := results[len(oddKeys)].Keys; !slices.Equal(got, sorted) {
		t.Errorf("List(\"\") = %q; want %q", got, sorted)
	}
	if got := results[len(oddKeys)+1].Keys; !slices.Equal(got, []string{"a/b/c"}) {
		t.Errorf("List(\"a/\") = %q; want [a/b/c]", got)
	}
	if err := results[len(oddKeys)+2].Err; !errors.Is(err, ErrKeyTooLong) {
		t.Errorf("Put of a 254-byte key: error %v; want ErrKeyTooLong", err)
	}
	for i, r := range results[len(oddKeys)+3:] {
		if want := fmt.Sprint("v", i); !r.Found || string(r.Value) != want || r.Err != nil {
			t.Errorf("Get(%q) = %q, found %v, err %v; want %q", oddKeys[i], r.Value, r.Found, r.Err, want)
		}
	}
	if got := d.Store().Keys(""); !slices.Equal(got, sorted) {
		t.Errorf("Store().Keys = %q; want %q", got, sorted)
	}
	if files := fileNames(t, dir); len(files) != len(oddKeys) {
		t.Errorf("%s holds %d files; want %d: %q", dir, len(files), len(oddKeys), files)
	}
}

// A second driver on the same StoreDir sees what the first wrote, as a
// process restarted after a crash would.
func TestFileStorePersistsAcrossDrivers(t *testing.T) {
	cfg := Config{StoreDir: filepath.Join(t.TempDir(), "made", "on", "first", "put")}
	runScript(t, cfg, put("ckpt/e1/w0", "state-1"), put("ckpt/e1/w1", "gone"),
		del("ckpt/e1/w1"), put("meta", "x"))

	again := New(cfg)
	if got := again.Store().Keys(""); !slices.Equal(got, []string{"ckpt/e1/w0", "meta"}) {
		t.Errorf("new driver's Store().Keys before Start = %q; want [ckpt/e1/w0 meta]", got)
	}
	again.Stop()
	results, _ := runScript(t, cfg, get("ckpt/e1/w0"), get("ckpt/e1/w1"), list("ckpt/"))
	if got := []string{describe(results[0]), describe(results[1]), describe(results[2])}; !slices.Equal(got,
		[]string{`"state-1"`, "missing", `["ckpt/e1/w0"]`}) {
		t.Errorf("second driver read %v; want the first driver's writes", got)
	}
}

// storeMany is a process that issues n Puts in Start and then says so.
type storeMany struct {
	inert
	n       int
	started *atomic.Bool
}

func (s *storeMany) Start(env sim.Env) {
	for i := range s.n {
		env.Store(put(fmt.Sprintf("many/%03d", i), "v"))
	}
	s.started.Store(true)
}

func (s *storeMany) Stored(sim.StoreResult) {}

func TestStopWaitsForQueuedWrites(t *testing.T) {
	const putsN = 50
	dir := t.TempDir()
	d := New(Config{StoreDir: dir})
	defer d.Stop()
	var started atomic.Bool
	d.AddNode(func() sim.Process { return &storeMany{n: putsN, started: &started} })
	d.Start()
	if err := d.RunUntil(started.Load, time.Second); err != nil {
		t.Fatalf("node never started: %v", err)
	}
	d.Stop() // most Puts are still queued here
	// Read the directory, not Store(), which would itself wait for the queue.
	if got := len(fileNames(t, dir)); got != putsN {
		t.Errorf("when Stop returned, %d of %d Puts were on disk", got, putsN)
	}
}

// While one key is overwritten again and again, a reader of its file must
// only ever see whole values: the rename swaps complete files. A store that
// wrote in place would show a truncated or mixed file.
func TestFileStoreOverwriteIsAtomic(t *testing.T) {
	const (
		overwritesN = 20
		valueBytes  = 128 << 10
	)
	dir := t.TempDir()
	s := newFileStore(dir, storeQueueMax)
	name, _ := fileName("hot/key")
	var torn []string
	stop := make(chan struct{})
	var reader sync.WaitGroup
	reader.Go(func() {
		for {
			select {
			case <-stop:
				return
			default:
			}
			v, err := os.ReadFile(filepath.Join(dir, name))
			if err != nil {
				continue // not written yet
			}
			if len(v) != valueBytes || bytes.Count(v, v[:1]) != valueBytes {
				torn = append(torn, fmt.Sprintf("%d bytes starting %q", len(v), v[:min(len(v), 1)]))
			}
		}
	})
	for i := range overwritesN {
		value := bytes.Repeat([]byte{byte('a' + i%26)}, valueBytes)
		s.submit(sim.StoreOp{Kind: sim.StorePut, Key: "hot/key", Value: value}, func(r sim.StoreResult) {
			if r.Err != nil {
				t.Errorf("Put %d: %v", i, r.Err)
			}
		})
	}
	s.close()
	close(stop)
	reader.Wait()
	if len(torn) > 0 {
		t.Errorf("reader saw %d partial values, first %s", len(torn), torn[0])
	}
	if files := fileNames(t, dir); !slices.Equal(files, []string{name}) {
		t.Errorf("%s holds %q after the overwrites; want only %q (no temporary files)", dir, files, name)
	}
}

// A crash mid-Put leaves a temporary file: List must never report it, and
// the next store on the directory removes it.
func TestFileStoreIgnoresAndRemovesTemporaryFiles(t *testing.T) {
	dir := t.TempDir()
	stale := filepath.Join(dir, tempFilePrefix+"stale")
	if err := os.WriteFile(stale, []byte("half a val"), 0o600); err != nil {
		t.Fatal(err)
	}
	s := newFileStore(dir, storeQueueMax)
	var results []sim.StoreResult // appended on the worker, read after close
	record := func(r sim.StoreResult) { results = append(results, r) }
	s.submit(put("a", "1"), record)
	s.close() // the worker has started, so the stale file is gone

	fresh := filepath.Join(dir, tempFilePrefix+"k-b") // as if mid-Put right now
	if err := os.WriteFile(fresh, []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(stale); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("stale temporary file: Stat = %v; want it removed", err)
	}
	if keys, err := s.list(""); err != nil || !slices.Equal(keys, []string{"a"}) {
		t.Errorf("list = %q, %v; want [a] without the temporary file", keys, err)
	}
	if len(results) != 1 || results[0].Err != nil {
		t.Errorf("Put results = %+v; want one without error", results)
	}
}

// A StoreDir that cannot be a directory fails every operation with an error
// in its result; nothing panics and every result still arrives.
func TestFileStoreErrorsComeBackInResults(t *testing.T) {
	file := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(file, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	for _, dir := range []string{file, filepath.Join(file, "sub")} {
		cfg := Config{StoreDir: dir}
		results, d := runScript(t, cfg, put("k", "v"), get("k"), del("k"), list(""))
		for _, r := range results {
			if r.Err == nil || !strings.Contains(r.Err.Error(), r.Op.Kind.String()) || r.Found || r.Keys != nil {
				t.Errorf("%s: %v %q = %+v; want an error naming the op and nothing else", dir, r.Op.Kind, r.Op.Key, r)
			}
		}
		if _, err := d.StoreSnapshot(); err == nil {
			t.Errorf("%s: StoreSnapshot error = nil; want one", dir)
		}
		mustPanic(t, "realtime: Store: realtime: snapshot of "+dir, func() { d.Store() })
	}
}

// A full queue makes submit wait for the worker rather than fail or drop,
// and the results still come back in order.
func TestFileStoreSubmitBlocksWhenFullAndKeepsOrder(t *testing.T) {
	const opsN = 40
	s := newFileStore(t.TempDir(), 1)
	var got []string // appended on the worker, read after close
	for i := range opsN {
		op := put("k", fmt.Sprint(i))
		if i%2 == 1 {
			op = get("k")
		}
		s.submit(op, func(r sim.StoreResult) { got = append(got, describe(r)) })
	}
	s.close()
	for i := 1; i < opsN; i += 2 {
		if want := fmt.Sprintf("%q", fmt.Sprint(i-1)); got[i] != want {
			t.Fatalf("result %d = %s; want %s, the Put just before", i, got[i], want)
		}
	}
	mustPanic(t, `store op get "k" after Stop`, func() { s.submit(get("k"), func(sim.StoreResult) {}) })
}

// fileNames lists dir.
func fileNames(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	return names
}
