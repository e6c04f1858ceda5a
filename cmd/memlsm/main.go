// Command memlsm is the one binary of the memlsm toolkit: event data,
// the simulated RRAM macro, the liquid state machine, hardware-in-the-loop
// runs and device calibration. Run "memlsm help" for the commands.
//
// The CLI is a thin shell: each command parses its flags, makes one
// library call and prints the result (docs/cli.md is the contract).
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/memlsm/memlsm/board"
	"github.com/memlsm/memlsm/calibrate"
	"github.com/memlsm/memlsm/crossbar"
	"github.com/memlsm/memlsm/events/convert"
	"github.com/memlsm/memlsm/events/source"
	"github.com/memlsm/memlsm/experiment"
	"github.com/memlsm/memlsm/internal/cli"
	"github.com/memlsm/memlsm/internal/process"
)

// memlsm is the top-level group; every command file registers into it in
// init.
var memlsm = cli.NewGroup("memlsm", "memlsm: RRAM-based liquid state machine toolkit (Lin et al., Nat. Comput. Sci. 2025)", "")

func register(c cli.Command) { memlsm.Register(c) }

func init() {
	// The libraries' errors for bad arguments found before any work.
	cli.Sanitize = calibrate.JSONSafe
	cli.UsageSentinels = []error{source.ErrSpec, experiment.ErrConfig, board.ErrSpec, convert.ErrParams, crossbar.ErrChoice}
}

// usagef returns a usage error (exit code 2).
var usagef = cli.Usagef

// newFlagSet returns the flag set of "memlsm name".
func newFlagSet(name, usage string) *cli.FlagSet { return cli.NewFlagSet("memlsm "+name, usage) }

// main wires run to the process: one context, cancelled by the first
// Ctrl-C or SIGTERM, reaches every reader, converter, encoder and training
// loop; a second signal exits at once; a crash never exits with the usage
// status (see internal/process).
func main() { os.Exit(mainCode()) }

// mainCode is main without the exit, so tests can run it as the process.
func mainCode() int {
	process.CrashOnFatal()
	ctx, sig := process.Notify(context.Background(), process.Options{})
	err := process.Recover(func() error { return run(ctx, os.Args[1:], os.Stdout, os.Stderr) })
	sig.Stop()
	return exitCode(err, sig.Signal(), os.Stderr)
}

// exitCode prints err (if any) and maps it to the exit codes of the CLI
// contract: 0 ok, 1 failure, 2 usage, and 128+N (130 for Ctrl-C, 143 for
// SIGTERM) when a signal stopped the command (sig is the first signal
// received, or nil). A usage error prints one line and a hint naming the
// command's -h; nothing more.
func exitCode(err error, sig os.Signal, stderr io.Writer) int {
	if err == nil || errors.Is(err, flag.ErrHelp) {
		return 0
	}
	if sig != nil {
		if errors.Is(err, context.Canceled) {
			fmt.Fprintf(stderr, "memlsm: stopped (%v) in: %v\n", process.Interrupted{Signal: sig}, err)
		} else {
			fmt.Fprintln(stderr, "memlsm:", err)
		}
		return process.ExitCode(sig)
	}
	fmt.Fprintln(stderr, "memlsm:", err)
	if !cli.IsUsage(err) {
		return 1
	}
	fmt.Fprintf(stderr, "Run '%s -h' for usage.\n", cli.Hint(err, "memlsm"))
	return 2
}

// run is the whole CLI: main only wires it to the process.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	return memlsm.Run(ctx, args, stdout, stderr)
}
