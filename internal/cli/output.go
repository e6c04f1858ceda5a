package cli

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"

	"github.com/memlsm/memlsm/internal/atomicfile"
	"github.com/memlsm/memlsm/internal/figure"
	"github.com/memlsm/memlsm/internal/suggest"
)

// NoArgs rejects positional arguments.
func NoArgs(pos []string) error {
	if len(pos) > 0 {
		return Usagef("unexpected argument %q", pos[0])
	}
	return nil
}

// TextWriter is a result that prints itself for people.
type TextWriter interface{ WriteText(w io.Writer) error }

// Emit prints a result: one JSON object with --json, else its text.
func Emit(stdout io.Writer, asJSON bool, v TextWriter) error {
	if asJSON {
		return WriteJSON(stdout, v)
	}
	return v.WriteText(stdout)
}

// WriteJSON prints v as one indented JSON object. A value JSON cannot
// hold (NaN for "not measured") becomes null through Sanitize.
func WriteJSON(w io.Writer, v any) error {
	b, err := json.MarshalIndent(v, "", "  ")
	var unsupported *json.UnsupportedValueError
	if errors.As(err, &unsupported) {
		b, err = json.MarshalIndent(Sanitize(v), "", "  ")
	}
	if err != nil {
		return err
	}
	_, err = w.Write(append(b, '\n'))
	return err
}

// FirstErr returns the first non-nil error.
func FirstErr(errs ...error) error {
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

// Outputs are a result's optional files: a figure (--plot, in the
// format of its extension) and the Markdown report (--md).
type Outputs struct {
	plot, md string
}

func (o *Outputs) Register(fs *FlagSet, what string) {
	fs.StringVar(&o.plot, "plot", "", "write "+what+" to FILE: .png, .svg or .pdf")
	fs.StringVar(&o.md, "md", "", "write the Markdown report to FILE")
}

// Check validates the file names before any work.
func (o *Outputs) Check() error { return CheckFigure("plot", o.plot) }

// CheckFigure refuses a figure file whose extension is not a format
// memlsm writes.
func CheckFigure(flagName, path string) error {
	if path == "" {
		return nil
	}
	if _, err := figure.Format(path); err != nil {
		return Usagef("--%s: %v", flagName, err)
	}
	return nil
}

// Write writes the files asked for: the figure through save(path) and
// the Markdown report md.
func (o *Outputs) Write(save func(path string) error, md string) error {
	if o.plot != "" {
		if err := save(o.plot); err != nil {
			return fmt.Errorf("--plot: %w", err)
		}
	}
	if o.md != "" {
		if err := atomicfile.WriteFile(o.md, []byte(md)); err != nil {
			return fmt.Errorf("--md: %w", err)
		}
	}
	return nil
}

// DidYouMean is "; did you mean X?" for the candidate nearest to word, or
// "" when none is near.
func DidYouMean(word string, candidates []string) string {
	if s := suggest.Closest(word, candidates); s != "" {
		return "; did you mean " + s + "?"
	}
	return ""
}

// Sanitize makes a value that encoding/json refuses (NaN, ±Inf) encodable;
// WriteJSON calls it only when plain encoding fails. A program sets it in
// init; the default returns v unchanged.
var Sanitize = func(v any) any { return v }
