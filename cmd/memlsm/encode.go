package main

// memlsm encode: LSM features of a data source, for other tools.

import (
	"context"
	"io"
	"strings"

	"github.com/memlsm/memlsm/experiment"
	"github.com/memlsm/memlsm/internal/cli"
)

func init() {
	register(cli.Command{Name: "encode", Summary: "encode a data source with the LSM and write the features (.npy or .csv)", Run: runEncode})
}

const encodeUsage = `encode --data SRC --out FILE.npz|FILE.npy|FILE.csv [flags]

Bins every sample of SRC, encodes it with the LSM whose weights are read
from the macro, and writes one row per sample: its ID, its label and the
spike-rate features (windows × neurons, window-major), with the metadata
(source, seed, encoder, binning, macro, calibration):

  FILE.npz  one NumPy archive: z["features"], z["labels"], z["ids"],
            z["classes"], json.loads(z["meta"][()])
  FILE.npy  a NumPy structured array (a["id"], a["label"], a["features"])
            and the metadata in FILE.meta.json
  FILE.csv  a header label,class,id,f0,f1,... and FILE.meta.json

The gain is calibrated on samples spread over the whole source unless
--gain is given.`

// encodeOutput is the JSON of memlsm encode.
type encodeOutput struct {
	*experiment.Features
	Out   string   `json:"out"`
	Files []string `json:"files"` // the features and the metadata sidecar, if any
}

func runEncode(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("encode", encodeUsage)
	data := fs.String("data", "", "data source SRC (e.g. nmnist:DIR, fsdd:DIR, embedded:images)")
	out := fs.String("out", "", "output file: .npz, .npy or .csv")
	var ef experimentFlags
	ef.register(fs)
	var enc encoderFlags
	enc.register(fs, "", "")
	if err := fs.ParseNone(args, stdout); err != nil {
		return err
	}
	if *out == "" {
		return usagef("--out FILE.npz|FILE.npy|FILE.csv is required")
	}
	if _, err := experiment.FeatureFormat(*out); err != nil {
		return err
	}
	if err := cli.FirstErr(checkSource("data", *data), ef.check(fs), enc.check(fs),
		cli.CheckSources([]string{*data, ef.params.file}, cli.Out{Flag: "out", Path: *out}, cli.Out{Flag: "out", Path: experiment.SidecarPath(*out)})); err != nil {
		return err
	}
	stderr = ef.stderr(stderr)
	d, err := openSource(ctx, ef.runFlags, "data", *data, stderr)
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
	files, err := f.Save(*out)
	if err != nil {
		return err
	}
	if ef.asJSON {
		return cli.WriteJSON(stdout, encodeOutput{f, *out, files})
	}
	return f.WriteText(stdout, strings.Join(files, " + "))
}
