package crossbar

import (
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"
)

// LoadParamsFile reads a parameter file (LoadParams), naming it in errors.
func LoadParamsFile(path string) (Params, error) {
	f, err := os.Open(path)
	if err != nil {
		return Params{}, err
	}
	defer f.Close()
	p, err := LoadParams(f)
	if err != nil {
		return p, fmt.Errorf("%s: %w", path, err)
	}
	return p, nil
}

// ErrChoice marks a choice that names no parameters: an unknown preset or
// a setting that does not apply (as opposed to a file that cannot be
// read).
var ErrChoice = errors.New("crossbar: bad parameter choice")

type choiceError struct{ error }

func (e choiceError) Is(target error) bool { return target == ErrChoice }
func (e choiceError) Unwrap() error        { return e.error }

// PresetOrFile returns the parameters of a preset name or, when s names
// no preset, of the parameter file s. A name that is neither matches
// ErrChoice.
func PresetOrFile(s string) (Params, error) {
	if slices.Contains(Presets(), s) {
		return Preset(s)
	}
	if _, err := os.Stat(s); err != nil {
		return Params{}, choiceError{fmt.Errorf("%q is neither a preset (%s) nor a readable file", s, strings.Join(Presets(), ", "))}
	}
	return LoadParamsFile(s)
}

// Choose returns the parameters a user names: the preset, or the
// parameter file when file is not "", with the settings applied, and a
// label saying where they came from ("lin2025 --set adc_bits=8"). An
// unknown preset or a bad setting matches ErrChoice.
func Choose(preset, file string, set Settings) (Params, string, error) {
	var p Params
	var err error
	label := preset
	if file != "" {
		p, label = Params{}, file
		if p, err = LoadParamsFile(file); err != nil {
			return Params{}, "", err
		}
	} else if p, err = Preset(preset); err != nil {
		return Params{}, "", choiceError{err}
	}
	if len(set) == 0 {
		return p, label, nil
	}
	if err := p.Apply(set...); err != nil {
		return Params{}, "", choiceError{fmt.Errorf("--set: %w", err)}
	}
	return p, label + " --set " + set.String(), nil
}
