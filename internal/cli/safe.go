package cli

import (
	"os"
	"path/filepath"
	"strings"
)

// Out is one output file a command was asked to write: the flag that named
// it and its path.
type Out struct{ Flag, Path string }

// Outs returns the files o will write.
func (o *Outputs) Outs() []Out {
	return []Out{{"plot", o.plot}, {"md", o.md}}
}

// SourcePath returns the file system path a data source spec names
// ("nmnist:DIR?split=train" → "DIR"), or "" for sources that name none
// ("embedded:images", "mnist:train").
func SourcePath(spec string) string {
	scheme, rest, ok := strings.Cut(spec, ":")
	if !ok || scheme == "embedded" {
		return ""
	}
	path, _, _ := strings.Cut(rest, "?")
	if scheme == "mnist" && (path == "" || path == "train" || path == "test") {
		return ""
	}
	return path
}

// CheckOutputs refuses, before any work, outputs that would destroy data:
// an output that is an existing file among the inputs (a file the command
// reads, or any file inside a folder it reads), an output that is a
// folder, and two outputs naming the same file. inputs are file or folder
// paths ("" entries are ignored); an output that does not exist yet is
// fine. The error is a usage error naming the flag.
func CheckOutputs(inputs []string, outs ...Out) error {
	seen := map[string]string{}
	for _, o := range outs {
		if o.Path == "" {
			continue
		}
		abs, err := filepath.Abs(o.Path)
		if err != nil {
			return Usagef("--%s %s: %v", o.Flag, o.Path, err)
		}
		if other, dup := seen[abs]; dup {
			return Usagef("--%s %s: also the output of --%s", o.Flag, o.Path, other)
		}
		seen[abs] = o.Flag
		oi, err := os.Stat(o.Path)
		if err != nil {
			continue // a new file
		}
		if oi.IsDir() {
			return Usagef("--%s %s is a folder, not a file", o.Flag, o.Path)
		}
		for _, in := range inputs {
			if in == "" {
				continue
			}
			ii, err := os.Stat(in)
			if err != nil {
				continue
			}
			if !ii.IsDir() {
				if os.SameFile(oi, ii) {
					return Usagef("--%s %s is an input of this command (%s): memlsm never overwrites its input; choose another file", o.Flag, o.Path, in)
				}
				continue
			}
			inAbs, err := filepath.Abs(in)
			if err != nil {
				continue
			}
			if rel, err := filepath.Rel(inAbs, abs); err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
				return Usagef("--%s %s would replace a file of the input folder %s: memlsm never overwrites its input; write it elsewhere", o.Flag, o.Path, in)
			}
		}
	}
	return nil
}

// CheckSources is CheckOutputs with the inputs given as data source specs
// or plain paths.
func CheckSources(specs []string, outs ...Out) error {
	var in []string
	for _, s := range specs {
		if p := SourcePath(s); p != "" {
			in = append(in, p)
			// nmnist:DIR/LIST.txt reads the recordings beside the list.
			if strings.HasPrefix(s, "nmnist:") {
				if fi, err := os.Stat(p); err == nil && !fi.IsDir() {
					in = append(in, filepath.Dir(p))
				}
			}
		} else if !strings.Contains(s, ":") {
			in = append(in, s)
		}
	}
	return CheckOutputs(in, outs...)
}
