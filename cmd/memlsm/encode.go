package main

// memlsm encode: LSM features of a data source, for other tools.

import (
	"context"
	"fmt"
	"io"
	"path/filepath"
	"strings"

	"github.com/memlsm/memlsm/experiment"
	"github.com/memlsm/memlsm/internal/atomicfile"
	"github.com/memlsm/memlsm/internal/cli"
)

func init() {
	register(cli.Command{Name: "encode", Summary: "encode a data source with the LSM and write the features (.npy or .csv)", Run: runEncode})
}

const encodeUsage = `encode --data SRC --out FILE.npy|FILE.csv [flags]

Bins every sample of SRC, encodes it with the LSM whose weights are read
from the macro, and writes one row per sample: the label and the spike-rate
features (windows × neurons, window-major). FILE.npy is a NumPy structured
array (a["label"], a["features"]); FILE.csv has a header
label,class,id,f0,f1,... The gain is calibrated on samples spread over the
whole source unless --gain is given.`

// encodeOutput is the JSON of memlsm encode.
type encodeOutput struct {
	*experiment.Features
	Out string `json:"out"`
}

func runEncode(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("encode", encodeUsage)
	data := fs.String("data", "", "data source SRC (e.g. nmnist:DIR, fsdd:DIR, embedded:images)")
	out := fs.String("out", "", "output file: .npy (NumPy) or .csv")
	var ef experimentFlags
	ef.register(fs)
	var enc encoderFlags
	enc.register(fs, "", "")
	pos, err := fs.ParseArgs(args, stdout)
	if err != nil {
		return err
	}
	if err := cli.NoArgs(pos); err != nil {
		return err
	}
	var write func(f *experiment.Features, w io.Writer) error
	switch strings.ToLower(filepath.Ext(*out)) {
	case ".npy":
		write = (*experiment.Features).WriteNPY
	case ".csv":
		write = (*experiment.Features).WriteCSV
	default:
		if *out == "" {
			return usagef("--out FILE.npy|FILE.csv is required")
		}
		return usagef("--out %q: want a .npy or .csv file", *out)
	}
	if err := cli.FirstErr(checkSource("data", *data), ef.check(fs), enc.check(fs),
		cli.CheckSources([]string{*data, ef.params.file}, cli.Out{Flag: "out", Path: *out})); err != nil {
		return err
	}
	d, err := openSource(ctx, "data", *data, stderr)
	if err != nil {
		return err
	}
	ec, err := enc.config(d.Sensor)
	if err != nil {
		return err
	}
	m, closeMacro, err := ef.openMacro(ctx, fs)
	if err != nil {
		return err
	}
	defer closeMacro()
	f, err := experiment.Encode(ctx, experiment.EncodeConfig{
		Data: d, Encoder: ec, Macro: m, Seed: ef.seed, Workers: ef.workers, Progress: progressFunc(stderr),
	})
	if err != nil {
		return err
	}
	warn(stderr, "encode", f.Macro.Warnings())
	if err := atomicfile.Write(*out, func(w io.Writer) error { return write(f, w) }); err != nil {
		return fmt.Errorf("encode: %w", err)
	}
	if ef.asJSON {
		return cli.WriteJSON(stdout, encodeOutput{f, *out})
	}
	return f.WriteText(stdout, *out)
}
