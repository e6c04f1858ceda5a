package main

import (
	"context"
	"fmt"
	"io"
	"os"

	"github.com/memlsm/memlsm/cost"
	"github.com/memlsm/memlsm/internal/cli"
)

var costGroup = cli.NewGroup("memlsm cost", "", "")

func init() {
	costGroup.Register(cli.Command{Name: "params", Summary: "the technology the cost model prices with: every key with its value, unit and source", Run: runCostParams})
	costGroup.Register(cli.Command{Name: "price", Summary: "price the inference a result's \"cost\" block records with another technology", Run: runCostPrice})
	register(costGroup.AsCommand("the cost model's technology table; price a result's inference again"))
}

// costFlags are the flags both cost commands share: the technology.
type costFlags struct {
	tech   string
	sets   []string
	asJSON bool
}

func (c *costFlags) register(fs *cli.FlagSet) {
	fs.StringVar(&c.tech, "tech", "", "technology file: JSON sections of keys over the defaults (partial)")
	fs.BoolVar(&c.asJSON, "json", false, "print one JSON object on stdout")
	fs.Func("set", "override one key, e.g. cost.chip.adc_bits=8 (repeatable, after --tech)", func(s string) error {
		c.sets = append(c.sets, s)
		return nil
	})
}

// technology is the defaults with --tech and --set applied.
func (c *costFlags) technology() (cost.Tech, error) {
	var file io.Reader
	if c.tech != "" {
		f, err := os.Open(c.tech)
		if err != nil {
			return cost.Tech{}, err
		}
		defer f.Close()
		file = f
	}
	tech, err := cost.Configure(file, c.sets)
	if err != nil {
		return tech, cli.UsageError{Err: err}
	}
	return tech, nil
}

func runCostParams(_ context.Context, args []string, stdout, _ io.Writer) error {
	fs := newFlagSet("cost params", "cost params [--tech FILE] [--set cost.KEY=VALUE ...] [--json]")
	var c costFlags
	c.register(fs)
	if err := fs.ParseNone(args, stdout); err != nil {
		return err
	}
	tech, err := c.technology()
	if err != nil {
		return err
	}
	if c.asJSON {
		return cli.WriteJSON(stdout, map[string]any{"keys": tech.Table()}) // one object, as every --json
	}
	_, err = io.WriteString(stdout, tech.Markdown())
	return err
}

func runCostPrice(_ context.Context, args []string, stdout, _ io.Writer) error {
	fs := newFlagSet("cost price", "cost price RESULT.json [--tech FILE] [--set cost.KEY=VALUE ...] [--json]")
	var c costFlags
	c.register(fs)
	arg, err := fs.ParseOne(args, stdout, "result file")
	if err != nil {
		return err
	}
	tech, err := c.technology()
	if err != nil {
		return err
	}
	f, err := os.Open(arg)
	if err != nil {
		return err
	}
	defer f.Close()
	w, err := cost.ReadWorkload(f)
	if err != nil {
		return fmt.Errorf("%s: %w", arg, err)
	}
	r, err := cost.Evaluate(w, tech)
	if err != nil {
		return err
	}
	if c.asJSON {
		return cli.WriteJSON(stdout, r)
	}
	_, err = io.WriteString(stdout, r.Markdown())
	return err
}
