package main

import (
	"fmt"
	"io"
	"os"
	"sync"
	"time"
)

// progressEvery bounds how often the progress line is redrawn.
const progressEvery = 250 * time.Millisecond

// progress is the one line a campaign keeps updating on a terminal: seeds
// done of planned, rate, violations so far and the time left. It is wall
// clock driver output, never part of a run, and is drawn only when stderr
// is a terminal and the output is not JSON.
type progress struct {
	mu     sync.Mutex
	w      io.Writer // stderr; nil draws nothing
	shared bool      // stdout is a terminal too: clear the line before stdout writes over it
	total  int
	budget time.Duration
	start  time.Time
	last   time.Time
	shown  bool
	now    func() time.Time
}

func newProgress(stderr, stdout io.Writer, total int, budget time.Duration, asJSON bool) *progress {
	p := &progress{total: total, budget: budget, now: time.Now}
	if !asJSON && isTerminal(stderr) {
		p.w, p.shared = stderr, isTerminal(stdout)
	}
	p.start = p.now()
	return p
}

// isTerminal reports whether w is a character device, as a terminal is.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	info, err := f.Stat()
	return err == nil && info.Mode()&os.ModeCharDevice != 0
}

// update redraws the line for the seeds reported so far, unless it was
// drawn less than progressEvery ago.
func (p *progress) update(sum summary) {
	p.mu.Lock()
	defer p.mu.Unlock()
	now := p.now()
	if p.w == nil || (p.shown && now.Sub(p.last) < progressEvery) {
		return
	}
	p.last, p.shown = now, true
	fmt.Fprintf(p.w, "\r%s\x1b[K", p.line(sum, now.Sub(p.start)))
}

func (p *progress) line(sum summary, elapsed time.Duration) string {
	rate := float64(sum.Seeds) / max(elapsed.Seconds(), 1e-9)
	s := fmt.Sprintf("flowtx run: %d/%d seeds (%d%%)  %.1f seeds/s  %d violations", sum.Seeds, p.total, 100*sum.Seeds/p.total, rate, sum.Violations)
	if sum.Errors > 0 {
		s += fmt.Sprintf("  %d errors", sum.Errors)
	}
	eta := time.Duration(-1)
	if sum.Seeds > 0 {
		eta = time.Duration(float64(p.total-sum.Seeds) / rate * float64(time.Second))
	}
	if p.budget > 0 && (eta < 0 || elapsed+eta > p.budget) {
		eta = max(p.budget-elapsed, 0)
	}
	if eta >= 0 {
		s += "  ETA " + eta.Round(time.Second).String()
	}
	return s
}

// clear erases the line, so that what comes next starts at column 0.
func (p *progress) clear() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.shown {
		fmt.Fprint(p.w, "\r\x1b[K")
		p.shown = false
	}
}

// under wraps stdout so that each write first clears the line when both
// go to the same terminal.
func (p *progress) under(stdout io.Writer) io.Writer {
	if p.w == nil || !p.shared {
		return stdout
	}
	return clearingWriter{p: p, w: stdout}
}

type clearingWriter struct {
	p *progress
	w io.Writer
}

func (c clearingWriter) Write(b []byte) (int, error) {
	c.p.clear()
	return c.w.Write(b)
}
