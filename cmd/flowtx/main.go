// Command flowtx runs, replays and checks simulated runs of transactional
// stateful functions. See docs/cli.md, or `flowtx help`.
package main

import (
	"fmt"
	"io"
	"os"
)

// Exit codes, as docs/cli.md lists them.
const (
	exitOK        = 0
	exitViolation = 1
	exitUsage     = 2
	// exitInterrupted is a clean campaign stopped by Ctrl-C: 128+SIGINT.
	exitInterrupted = 130
)

type command struct {
	name  string
	about string
	run   func(args []string, stdout, stderr io.Writer) int
}

func commands() []command {
	return []command{
		{"run", "run a campaign of seeds of a scenario in the simulator", cmdRun},
		{"replay", "run one seed again, bit for bit, and print its trace hash", cmdReplay},
		{"shrink", "minimise a failing run's faults, clients and operations while it still fails", cmdShrink},
		{"selftest", "show that every known-bad variant is caught and the clean campaigns pass", cmdSelftest},
		{"bench", "run a scenario on the real-time driver and report throughput, latency and CPU", cmdBench},
	}
}

func main() {
	os.Exit(dispatch(os.Args[1:], os.Stdout, os.Stderr))
}

func dispatch(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] == "help" || args[0] == "-h" || args[0] == "--help" {
		usage(stdout)
		return exitOK
	}
	for _, c := range commands() {
		if c.name == args[0] {
			return c.run(args[1:], stdout, stderr)
		}
	}
	fmt.Fprintf(stderr, "flowtx: unknown command %q (try: flowtx help)\n", args[0])
	return exitUsage
}

func usage(w io.Writer) {
	fmt.Fprint(w, `flowtx: transactions across stateful functions, on a deterministic simulator.

Usage:
  flowtx <command> [flags]

Commands:
`)
	for _, c := range commands() {
		fmt.Fprintf(w, "  %-8s %s\n", c.name, c.about)
	}
	fmt.Fprint(w, `
Run "flowtx <command> --help" for a command's flags. The usual path: run a
campaign, replay a failing seed with --timeline, shrink it (docs/cli.md,
"Walk-through: from a campaign to a timeline").
Exit codes: 0 all seeds ok (also when --time-budget ended the campaign), 1 a
violation was found (or a seed could not run), 2 bad usage or input, 130
stopped by Ctrl-C with no violation so far.
`)
}
