// Package cli is the command-line machinery of memlsm, free of its
// domain: command groups with "did you mean" dispatch, usage errors that
// print one line and a hint, and flag sets that explain a bad flag in
// words (the flag as --name, the nearest known flag, the kind of value it
// takes) instead of printing every flag.
package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/memlsm/memlsm/internal/suggest"
)

// Command is one command of a program, or one subcommand of a group.
type Command struct {
	Name    string
	Summary string
	Run     func(ctx context.Context, args []string, stdout, stderr io.Writer) error
}

// Group is a set of commands under one name: a program itself, and
// "prog data", "prog macro", ...
type Group struct {
	path     string // "memlsm", "memlsm data"
	about    string // printed above the command list
	footer   string // printed below it
	commands map[string]Command
}

// NewGroup returns an empty group; path names it in usage ("memlsm
// data"), about and footer frame its command list.
func NewGroup(path, about, footer string) *Group {
	return &Group{path: path, about: about, footer: footer, commands: map[string]Command{}}
}

// Register adds a command; a name registered twice panics.
func (g *Group) Register(c Command) {
	if _, dup := g.commands[c.Name]; dup {
		panic(g.path + ": command registered twice: " + c.Name)
	}
	g.commands[c.Name] = c
}

// AsCommand makes the group a command of its parent.
func (g *Group) AsCommand(summary string) Command {
	return Command{Name: g.path[strings.LastIndexByte(g.path, ' ')+1:], Summary: summary, Run: g.Run}
}

// Has reports whether the group has a command of that name.
func (g *Group) Has(name string) bool { _, ok := g.commands[name]; return ok }

// Names lists the group's command names in order.
func (g *Group) Names() []string { return g.names() }

func (g *Group) names() []string {
	n := make([]string, 0, len(g.commands))
	for k := range g.commands {
		n = append(n, k)
	}
	slices.Sort(n)
	return n
}

// Usage prints the group's command list.
func (g *Group) Usage(w io.Writer) {
	if g.about != "" {
		fmt.Fprintln(w, g.about)
		fmt.Fprintln(w)
	}
	fmt.Fprintf(w, "Usage: %s <command> [arguments]\n\nCommands:\n", g.path)
	for _, n := range g.names() {
		fmt.Fprintf(w, "  %-10s %s\n", n, g.commands[n].Summary)
	}
	if g.footer != "" {
		fmt.Fprintf(w, "\n%s\n", g.footer)
	}
	fmt.Fprintf(w, "\nRun '%s <command> -h' for a command's flags.\n", g.path)
}

// Run dispatches args to one of the group's commands. An unknown command
// is a usage error that suggests the nearest name.
func (g *Group) Run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		return UsageError{Cmd: g.path, Err: fmt.Errorf("no command given (want %s)", strings.Join(g.names(), ", "))}
	}
	name := args[0]
	switch name {
	case "help", "-h", "-help", "--help":
		if len(args) > 1 {
			if c, ok := g.commands[args[1]]; ok {
				return c.Run(ctx, []string{"-h"}, stdout, stderr)
			}
		}
		g.Usage(stdout)
		return nil
	}
	c, ok := g.commands[name]
	if !ok {
		msg := fmt.Sprintf("unknown command %q", name)
		if s := suggest.Closest(name, g.names()); s != "" {
			msg += fmt.Sprintf("; did you mean '%s %s'?", g.path, s)
		} else {
			msg += fmt.Sprintf(" (want %s)", strings.Join(g.names(), ", "))
		}
		return UsageError{Cmd: g.path, Err: errors.New(msg)}
	}
	err := c.Run(ctx, args[1:], stdout, stderr)
	if IsUsage(err) {
		// The hint names the innermost command: fill it in on the way out.
		var u UsageError
		if !errors.As(err, &u) {
			return UsageError{Cmd: g.path + " " + name, Err: err}
		}
		if u.Cmd == "" {
			return UsageError{Cmd: g.path + " " + name, Err: err}
		}
	}
	return err
}

// UsageError marks an error as a usage error: exit code 2. Cmd is the
// command whose -h the hint names ("" until the dispatcher fills it in).
type UsageError struct {
	Cmd string
	Err error
}

func (e UsageError) Error() string { return e.Err.Error() }
func (e UsageError) Unwrap() error { return e.Err }

// Usagef returns a usage error.
func Usagef(format string, args ...any) error {
	return UsageError{Err: fmt.Errorf(format, args...)}
}

// UsageSentinels are errors that libraries return for bad arguments found
// before any work (a malformed data source, a configuration that cannot
// run): IsUsage counts errors matching them as usage errors. A program
// sets them once in init.
var UsageSentinels []error

// IsUsage reports whether err is a usage error: a UsageError, or an error
// matching one of UsageSentinels.
func IsUsage(err error) bool {
	var u UsageError
	if errors.As(err, &u) {
		return true
	}
	for _, s := range UsageSentinels {
		if errors.Is(err, s) {
			return true
		}
	}
	return false
}

// Hint returns the command whose -h a usage error's hint should name:
// the innermost the dispatch filled in, else def.
func Hint(err error, def string) string {
	var u UsageError
	if errors.As(err, &u) && u.Cmd != "" {
		return u.Cmd
	}
	return def
}

// WithCmd names cmd in the hint of a usage error that names none.
func WithCmd(cmd string, err error) error {
	var u UsageError
	if errors.As(err, &u) && u.Cmd == "" || err != nil && !errors.As(err, &u) && IsUsage(err) {
		return UsageError{Cmd: cmd, Err: err}
	}
	return err
}
