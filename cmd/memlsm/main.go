// Command memlsm is the one binary of the memlsm toolkit: event data,
// the simulated RRAM macro, the liquid state machine, hardware-in-the-loop
// runs and device calibration. Run "memlsm help" for the commands.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"

	"github.com/memlsm/memlsm/internal/process"
)

// command is one subcommand of memlsm. Each lives in its own file and
// registers itself in init, so the dispatch table never needs editing.
type command struct {
	name    string
	summary string
	run     func(ctx context.Context, args []string, stdout, stderr io.Writer) error
}

var commands = map[string]command{}

func register(c command) {
	if _, dup := commands[c.name]; dup {
		panic("memlsm: command registered twice: " + c.name)
	}
	commands[c.name] = c
}

// usageError marks an error as a usage error: exit code 2.
type usageError struct{ err error }

func (e usageError) Error() string { return e.err.Error() }
func (e usageError) Unwrap() error { return e.err }

// usagef returns a usage error (exit code 2).
func usagef(format string, args ...any) error {
	return usageError{fmt.Errorf(format, args...)}
}

// main wires run to the process: one context, cancelled by the first
// Ctrl-C or SIGTERM, reaches every reader, converter, encoder and training
// loop; a second signal exits at once; a crash never exits with the usage
// status (see internal/process).
func main() {
	process.CrashOnFatal()
	ctx, sig := process.Notify(context.Background(), process.Options{})
	err := process.Recover(func() error { return run(ctx, os.Args[1:], os.Stdout, os.Stderr) })
	sig.Stop()
	os.Exit(exitCode(err, sig.Signal(), os.Stderr))
}

// exitCode prints err (if any) and maps it to the exit codes of the CLI
// contract: 0 ok, 1 failure, 2 usage, and 128+N (130 for Ctrl-C, 143 for
// SIGTERM) when a signal stopped the command (sig is the first signal
// received, or nil).
func exitCode(err error, sig os.Signal, stderr io.Writer) int {
	if err == nil {
		return 0
	}
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	if sig != nil {
		if errors.Is(err, context.Canceled) {
			fmt.Fprintln(stderr, "memlsm: stopped:", process.Interrupted{Signal: sig})
		} else {
			fmt.Fprintln(stderr, "memlsm:", err)
		}
		return process.ExitCode(sig)
	}
	fmt.Fprintln(stderr, "memlsm:", err)
	var u usageError
	if errors.As(err, &u) {
		return 2
	}
	return 1
}

// run is the whole CLI: main only wires it to the process.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		printUsage(stderr)
		return usagef("no command given")
	}
	name := args[0]
	switch name {
	case "help", "-h", "-help", "--help":
		if len(args) > 1 {
			if c, ok := commands[args[1]]; ok {
				return c.run(ctx, []string{"-h"}, stdout, stderr)
			}
		}
		printUsage(stdout)
		return nil
	}
	c, ok := commands[name]
	if !ok {
		printUsage(stderr)
		return usagef("unknown command %q", name)
	}
	return c.run(ctx, args[1:], stdout, stderr)
}

func printUsage(w io.Writer) {
	fmt.Fprintln(w, "memlsm: RRAM-based liquid state machine toolkit (Lin et al., Nat. Comput. Sci. 2025)")
	fmt.Fprintln(w, "\nUsage: memlsm <command> [arguments]\n\nCommands:")
	names := make([]string, 0, len(commands))
	for n := range commands {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(w, "  %-10s %s\n", n, commands[n].summary)
	}
	fmt.Fprintln(w, "\nRun 'memlsm <command> -h' for a command's flags.")
}

// newFlagSet returns a flag set that reports errors instead of exiting, with
// a usage line naming the full command.
func newFlagSet(name, usage string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet("memlsm "+name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintf(stderr, "Usage: memlsm %s\n", usage)
		if strings.Contains(usage, "\n") {
			return
		}
		fs.PrintDefaults()
	}
	return fs
}

// parseFlags parses args, interleaving flags and positional arguments (so
// "memlsm data stats SRC --json" works as well as "--json SRC"), and wraps
// parse errors as usage errors.
func parseFlags(fs *flag.FlagSet, args []string) (positional []string, err error) {
	rest := args
	for {
		if err := fs.Parse(rest); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return nil, err
			}
			return nil, usageError{err}
		}
		rest = fs.Args()
		if len(rest) == 0 {
			return positional, nil
		}
		if rest[0] == "--" {
			return append(positional, rest[1:]...), nil
		}
		positional = append(positional, rest[0])
		rest = rest[1:]
	}
}
