package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"sort"
	"strings"

	"github.com/flowtx/flowtx/faults"
	"github.com/flowtx/flowtx/scenarios"
	"github.com/flowtx/flowtx/sim"
)

// chromeEvent is one record of the Chrome trace-event format, which
// chrome://tracing and ui.perfetto.dev load: ph "X" a complete span (ts and
// dur in microseconds, here virtual ones), "i" an instant, "M" metadata
// naming a process or thread.
type chromeEvent struct {
	Name  string         `json:"name"`
	Cat   string         `json:"cat,omitempty"`
	Ph    string         `json:"ph"`
	Ts    int64          `json:"ts"`
	Dur   *int64         `json:"dur,omitempty"`
	Pid   int            `json:"pid"`
	Tid   int            `json:"tid"`
	Scope string         `json:"s,omitempty"`
	Args  map[string]any `json:"args,omitempty"`
}

// laidOut is a slice with the thread it is drawn on.
type laidOut struct {
	*slice
	tid int
	seq int // position in timeline.slices, the last tie-breaker
}

// write finishes the timeline with the run's result and writes the file.
func (t *timeline) write(path string, res scenarios.Result) error {
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("timeline: %w", err)
	}
	w := bufio.NewWriter(f)
	if err := t.render(w, res); err != nil {
		f.Close()
		return fmt.Errorf("timeline: %w", err)
	}
	if err := w.Flush(); err != nil {
		f.Close()
		return fmt.Errorf("timeline: %w", err)
	}
	return f.Close()
}

// render writes the timeline as one JSON object, one event per line. The
// output depends on the events alone: slices are sorted and maps are
// written with sorted keys, so one seed gives one file, byte for byte.
func (t *timeline) render(w *bufio.Writer, res scenarios.Result) error {
	t.finish(res.Schedule)
	events := t.layout()
	w.WriteString("{\"traceEvents\":[\n")
	for i, e := range events {
		line, err := json.Marshal(e)
		if err != nil {
			return err
		}
		w.Write(line)
		if i < len(events)-1 {
			w.WriteString(",")
		}
		w.WriteString("\n")
	}
	other, err := json.Marshal(map[string]any{
		"config": res.Config.String(), "trace_hash": res.Hash, "ok": res.OK, "violations": res.Violations,
		"time_unit": "ts and dur are microseconds of virtual time",
	})
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(w, "],\n\"displayTimeUnit\":\"ms\",\n\"otherData\":%s}\n", other)
	return err
}

// finish closes what the run left open and adds the fault schedule.
func (t *timeline) finish(schedule faults.Schedule) {
	t.finishRequests()
	for _, s := range t.slices {
		t.close(s, "unfinished at the end of the run")
	}
	t.addSchedule(schedule)
}

// addSchedule draws the fault schedule on the faults process, whatever
// kinds it holds: a "crash-X" and the next "restart-X" of the same target
// make one span, an event with an end (Until) is a window, anything else
// an instant.
func (t *timeline) addSchedule(schedule faults.Schedule) {
	used := make([]bool, len(schedule))
	for i, e := range schedule {
		if used[i] {
			continue
		}
		what := eventText(e)
		args := map[string]any{"event": e.String()}
		s := &slice{pid: t.faultsPid(), track: "schedule", name: what, cat: "fault", start: e.At, end: e.At, args: args}
		switch {
		case e.Until > e.At:
			s.name, _, _ = strings.Cut(what, " until ")
			s.end = e.Until
		case strings.HasPrefix(string(e.Kind), "crash-"):
			s.end = t.now
			args["result"] = "not restarted"
			for j := i + 1; j < len(schedule); j++ {
				r := schedule[j]
				if !used[j] && string(r.Kind) == "restart-"+strings.TrimPrefix(string(e.Kind), "crash-") && eventTarget(r) == eventTarget(e) {
					used[j], s.end = true, r.At
					args["result"], args["restart"] = "restarted", r.String()
					break
				}
			}
		default:
			s.instant = true
		}
		t.slices = append(t.slices, s)
	}
}

// eventText is a fault event's rendering without its leading time, and
// eventTarget the same without its kind: "crash-worker w1" and "w1".
func eventText(e faults.Event) string {
	_, rest, _ := strings.Cut(e.String(), " ")
	return rest
}

func eventTarget(e faults.Event) string {
	return strings.TrimPrefix(eventText(e), string(e.Kind))
}

// layout gives each slice a thread and returns every event in file order:
// metadata, then slices by process, thread, start, longest first.
func (t *timeline) layout() []chromeEvent {
	threads := map[int][]string{} // per process, the thread names by tid-1
	tids := map[*slice]int{}
	var all []laidOut
	for _, g := range t.tracks() {
		lanes := assignLanes(g.slices)
		base := len(threads[g.pid])
		for lane := range lanes.count {
			threads[g.pid] = append(threads[g.pid], t.threadName(g.pid, g.track, lane))
		}
		for _, s := range g.slices {
			tids[s] = base + lanes.of[s] + 1
		}
	}
	for i, s := range t.slices {
		tid := tids[s]
		if s.parent != nil {
			tid = tids[s.parent]
		}
		all = append(all, laidOut{slice: s, tid: tid, seq: i})
	}
	sort.SliceStable(all, func(i, j int) bool {
		a, b := all[i], all[j]
		if a.pid != b.pid || a.tid != b.tid || a.start != b.start {
			return a.pid < b.pid || a.pid == b.pid && (a.tid < b.tid || a.tid == b.tid && a.start < b.start)
		}
		if a.end != b.end {
			return a.end > b.end // the enclosing span first
		}
		return a.seq < b.seq
	})
	out := t.metadata(threads)
	for _, s := range all {
		out = append(out, s.chrome())
	}
	return out
}

// track is every top-level slice of one track of one process.
type track struct {
	pid    int
	track  string
	slices []*slice
}

// tracks groups the top-level slices by process and track: the main track
// first, then the others by name.
func (t *timeline) tracks() []track {
	idx := map[[2]string]int{}
	var out []track
	for _, s := range t.slices {
		if s.parent != nil {
			continue
		}
		k := [2]string{fmt.Sprint(s.pid), s.track}
		i, ok := idx[k]
		if !ok {
			i = len(out)
			idx[k] = i
			out = append(out, track{pid: s.pid, track: s.track})
		}
		out[i].slices = append(out[i].slices, s)
	}
	sort.SliceStable(out, func(i, j int) bool {
		return out[i].pid < out[j].pid || out[i].pid == out[j].pid && out[i].track < out[j].track
	})
	return out
}

type lanes struct {
	count int
	of    map[*slice]int
}

// assignLanes puts spans that overlap on separate lanes, each span on the
// first lane free at its start, as the trace viewers need spans on one
// thread to nest. Zero-length slices and instants share lane 0 with
// nothing else on their tracks.
func assignLanes(slices []*slice) lanes {
	l := lanes{count: 1, of: map[*slice]int{}}
	order := append([]*slice(nil), slices...)
	sort.SliceStable(order, func(i, j int) bool { return order[i].start < order[j].start })
	var free []sim.Time // per lane, when its last span ends
	for _, s := range order {
		if s.instant || s.end == s.start {
			continue
		}
		lane := len(free)
		for i, at := range free {
			if at <= s.start {
				lane = i
				break
			}
		}
		if lane == len(free) {
			free = append(free, 0)
		}
		free[lane] = s.end
		l.of[s] = lane
	}
	l.count = max(len(free), 1)
	return l
}

func (t *timeline) actorName(p int) (process, short string) {
	n := sim.NodeID(p - 1)
	switch {
	case p == t.faultsPid():
		return "faults (the schedule)", "faults"
	case t.isWorker(n):
		return fmt.Sprintf("worker w%d", n), fmt.Sprintf("w%d", n)
	case n == t.coordinator():
		return "checkpoint coordinator", "coordinator"
	}
	c := int(n) - t.cfg.Workers - 1
	return fmt.Sprintf("client c%d", c), fmt.Sprintf("c%d", c)
}

func (t *timeline) threadName(p int, track string, lane int) string {
	_, name := t.actorName(p)
	if track != "" {
		name += " " + track
	}
	if lane > 0 {
		name += fmt.Sprintf(" (%d)", lane+1)
	}
	return name
}

// metadata names every process and thread, in pid and tid order, and
// sorts them in the viewer the same way.
func (t *timeline) metadata(threads map[int][]string) []chromeEvent {
	pids := make([]int, 0, len(threads))
	for p := range threads {
		pids = append(pids, p)
	}
	sort.Ints(pids)
	var out []chromeEvent
	for _, p := range pids {
		name, _ := t.actorName(p)
		out = append(out,
			chromeEvent{Name: "process_name", Ph: "M", Pid: p, Args: map[string]any{"name": name}},
			chromeEvent{Name: "process_sort_index", Ph: "M", Pid: p, Args: map[string]any{"sort_index": p}})
		for i, th := range threads[p] {
			out = append(out,
				chromeEvent{Name: "thread_name", Ph: "M", Pid: p, Tid: i + 1, Args: map[string]any{"name": th}},
				chromeEvent{Name: "thread_sort_index", Ph: "M", Pid: p, Tid: i + 1, Args: map[string]any{"sort_index": i + 1}})
		}
	}
	return out
}

func (s laidOut) chrome() chromeEvent {
	e := chromeEvent{Name: s.name, Cat: s.cat, Ts: int64(s.start), Pid: s.pid, Tid: s.tid, Args: s.args}
	if s.instant {
		e.Ph, e.Scope = "i", "t"
		return e
	}
	dur := int64(s.end - s.start)
	e.Ph, e.Dur = "X", &dur
	return e
}
