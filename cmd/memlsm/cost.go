package main

import (
	"context"
	"fmt"
	"io"
	"os"

	"github.com/memlsm/memlsm/cost"
	"github.com/memlsm/memlsm/internal/cli"
)

func init() {
	register(cli.Command{Name: "cost", Summary: "the cost model's technology table; price a result's inference again", Run: runCost})
}

const costUsage = `cost params [--tech FILE] [--set cost.KEY=VALUE ...] [--json]
       cost price RESULT.json [--tech FILE] [--set cost.KEY=VALUE ...] [--json]`

// runCost prints the technology the cost model prices with ("params":
// every key with its value, unit and source), or prices the inference a
// result's "cost" block records with another technology ("price").
func runCost(_ context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("cost", costUsage)
	techFile := fs.String("tech", "", "technology file: JSON sections of keys over the defaults (partial)")
	asJSON := fs.Bool("json", false, "print one JSON object on stdout")
	var sets []string
	fs.Func("set", "override one key, e.g. cost.chip.adc_bits=8 (repeatable, after --tech)", func(s string) error {
		sets = append(sets, s)
		return nil
	})
	if len(args) == 0 || (args[0] != "params" && args[0] != "price") {
		if len(args) > 0 {
			return usagef("cost: unknown subcommand %q%s", args[0], cli.DidYouMean(args[0], []string{"params", "price"}))
		}
		return usagef("cost: want a subcommand: params or price")
	}
	pos, err := fs.ParseArgs(args[1:], stdout)
	if err != nil {
		return err
	}
	var file io.Reader
	if *techFile != "" {
		f, err := os.Open(*techFile)
		if err != nil {
			return err
		}
		defer f.Close()
		file = f
	}
	tech, err := cost.Configure(file, sets)
	if err != nil {
		return cli.UsageError{Err: err}
	}
	if args[0] == "params" {
		if len(pos) > 0 {
			return usagef("cost params: unexpected argument %q", pos[0])
		}
		if *asJSON {
			return cli.WriteJSON(stdout, map[string]any{"keys": tech.Table()}) // one object, as every --json
		}
		_, err := io.WriteString(stdout, tech.Markdown())
		return err
	}
	if len(pos) != 1 {
		return usagef("cost price: want one result file, got %d arguments", len(pos))
	}
	f, err := os.Open(pos[0])
	if err != nil {
		return err
	}
	defer f.Close()
	w, err := cost.ReadWorkload(f)
	if err != nil {
		return fmt.Errorf("%s: %w", pos[0], err)
	}
	r, err := cost.Evaluate(w, tech)
	if err != nil {
		return err
	}
	if *asJSON {
		return cli.WriteJSON(stdout, r)
	}
	_, err = io.WriteString(stdout, r.Markdown())
	return err
}
