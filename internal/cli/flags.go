package cli

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/memlsm/memlsm/internal/suggest"
)

// FlagSet is a flag.FlagSet that prints nothing by itself: -h prints the
// usage text and the flags on stdout, errors come back as usage errors.
type FlagSet struct {
	*flag.FlagSet
	path, usage string
}

// NewFlagSet returns the flag set of the command path ("memlsm
// classify"); usage is the text -h prints after "Usage: " and the
// program's name.
func NewFlagSet(path, usage string) *FlagSet {
	fs := flag.NewFlagSet(path, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	return &FlagSet{FlagSet: fs, path: path, usage: usage}
}

// Help prints the usage text and every flag with its default.
func (fs *FlagSet) Help(w io.Writer) {
	fmt.Fprintf(w, "Usage: %s %s\n", fs.path[:strings.IndexByte(fs.path+" ", ' ')], fs.usage)
	n := 0
	fs.VisitAll(func(*flag.Flag) { n++ })
	if n > 0 {
		fmt.Fprintln(w, "\nFlags:")
		fs.SetOutput(w)
		fs.PrintDefaults()
		fs.SetOutput(io.Discard)
	}
}

// Given reports whether the flag was set on the command line.
func (fs *FlagSet) Given(name string) bool {
	found := false
	fs.Visit(func(f *flag.Flag) { found = found || f.Name == name })
	return found
}

// ParseArgs parses args, interleaving flags and positional arguments (so
// "memlsm data stats SRC --json" works as well as "--json SRC"). -h prints
// the help on stdout and returns flag.ErrHelp; a parse error comes back as
// a usage error of one line.
func (fs *FlagSet) ParseArgs(args []string, stdout io.Writer) (positional []string, err error) {
	rest := args
	for {
		if err := fs.Parse(rest); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				fs.Help(stdout)
				return nil, err
			}
			return nil, UsageError{Cmd: fs.path, Err: fs.explain(err)}
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

// explain rewrites the flag package's parse errors for people: the flag
// as --name, "did you mean" for an unknown flag, and what a bad value
// should have been.
func (fs *FlagSet) explain(err error) error {
	msg := err.Error()
	if name, ok := strings.CutPrefix(msg, "flag provided but not defined: -"); ok {
		var names []string
		fs.VisitAll(func(f *flag.Flag) { names = append(names, f.Name) })
		if s := suggest.Closest(strings.TrimLeft(name, "-"), names); s != "" {
			return fmt.Errorf("unknown flag --%s; did you mean --%s?", name, s)
		}
		return fmt.Errorf("unknown flag --%s", name)
	}
	if name, ok := strings.CutPrefix(msg, "flag needs an argument: -"); ok {
		return fmt.Errorf("--%s needs a value%s", name, fs.want(name))
	}
	// invalid value "abc" for flag -seed: parse error
	// invalid boolean value "x" for -json: parse error
	for _, pre := range []string{"invalid value ", "invalid boolean value "} {
		rest, ok := strings.CutPrefix(msg, pre)
		if !ok {
			continue
		}
		val, rest, _ := strings.Cut(rest, " for ")
		rest = strings.TrimPrefix(rest, "flag ")
		name, cause, _ := strings.Cut(strings.TrimPrefix(rest, "-"), ": ")
		if uq, err := strconv.Unquote(val); err == nil {
			val = uq
		}
		if cause == "parse error" || pre == "invalid boolean value " {
			return fmt.Errorf("--%s %s: not understood%s", name, val, fs.want(name))
		}
		if cause == "value out of range" {
			return fmt.Errorf("--%s %s: out of range%s", name, val, fs.want(name))
		}
		return fmt.Errorf("--%s %s: %s", name, val, cause)
	}
	return err
}

// kinds names the values of the flag package's types (flag.UnquoteUsage).
var kinds = map[string]string{"int": "an integer", "uint": "an unsigned integer", "float": "a number",
	"duration": "a duration such as 300ms", "string": "a text value"}

// want says what kind of value a flag takes, from its type.
func (fs *FlagSet) want(name string) string {
	f := fs.Lookup(name)
	if f == nil {
		return ""
	}
	if kind, _ := flag.UnquoteUsage(f); kinds[kind] != "" {
		return " (want " + kinds[kind] + ")"
	}
	if g, ok := f.Value.(flag.Getter); ok {
		if _, ok := g.Get().(bool); ok {
			return " (want true or false)"
		}
	}
	return ""
}

// AtLeastOne rejects any of the named int flags given with a value below 1.
func (fs *FlagSet) AtLeastOne(names ...string) error {
	for _, n := range names {
		if !fs.Given(n) {
			continue
		}
		if v, ok := fs.Lookup(n).Value.(flag.Getter).Get().(int); ok && v < 1 {
			return Usagef("--%s %d: want at least 1", n, v)
		}
	}
	return nil
}

// ParseNone is ParseArgs for a command that takes no positional argument.
func (fs *FlagSet) ParseNone(args []string, stdout io.Writer) error {
	pos, err := fs.ParseArgs(args, stdout)
	if err != nil {
		return err
	}
	return NoArgs(pos)
}

// ParseOne is ParseArgs for a command that takes exactly one positional
// argument; what names it in the error ("SRC", "a results folder").
func (fs *FlagSet) ParseOne(args []string, stdout io.Writer, what string) (string, error) {
	pos, err := fs.ParseArgs(args, stdout)
	if err != nil {
		return "", err
	}
	if len(pos) != 1 {
		return "", Usagef("want one %s, got %d arguments", what, len(pos))
	}
	return pos[0], nil
}
