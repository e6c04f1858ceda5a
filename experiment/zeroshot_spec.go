package experiment

import (
	"fmt"
	"os"
	"strconv"
	"strings"

	"github.com/memlsm/memlsm/descriptor"
	"github.com/memlsm/memlsm/projection"
)

// UnseenSpec is a choice of unseen classes as a user writes it: a class
// list ("8-9", "8,9") for one experiment, or a design over many: "all-pairs"
// (every pair of the classes), "all-K" (every K-subset). See
// ParseUnseen.
type UnseenSpec struct {
	// Classes is the list of a single experiment (nil for a design).
	Classes []string
	// K is the size of every unseen set of a design (0 for a list).
	K int
}

// Designs reports whether the spec runs many designs.
func (u UnseenSpec) Designs() bool { return u.K > 0 }

// ParseUnseen parses "all-pairs", "all-K" or a class list (ParseClasses);
// errors match ErrConfig.
func ParseUnseen(s string) (UnseenSpec, error) {
	s = strings.TrimSpace(s)
	if rest, ok := strings.CutPrefix(s, "all-"); ok {
		if rest == "pairs" {
			return UnseenSpec{K: 2}, nil
		}
		k, err := strconv.Atoi(rest)
		if err != nil || k < 1 {
			return UnseenSpec{}, configErrorf("experiment: unseen %q: want all-pairs, all-K with K ≥ 1, or a class list such as 8-9", s)
		}
		return UnseenSpec{K: k}, nil
	}
	cs, err := ParseClasses(s)
	if err != nil {
		return UnseenSpec{}, err
	}
	return UnseenSpec{Classes: cs}, nil
}

// ParseSideInfo parses side information as a user writes it:
// "MODALITY=SET,MODALITY=SET" for both modalities of names, each SET a
// built-in descriptor set (descriptor.Names: "phonetic", "shape") or a
// JSON file in descriptor.Load's format; "builtin" is
// "image=shape,audio=phonetic". "" or "none" returns nil. Errors match
// ErrConfig (a file that cannot be read is an ordinary error).
func ParseSideInfo(s string, names Modalities) (*SideInfo, error) {
	s = strings.TrimSpace(s)
	switch s {
	case "", "none":
		return nil, nil
	case "builtin":
		s = "image=shape,audio=phonetic"
	}
	sets := map[string]projection.Describer{}
	for _, part := range strings.Split(s, ",") {
		m, v, ok := strings.Cut(strings.TrimSpace(part), "=")
		if !ok || m == "" || v == "" {
			return nil, configErrorf("experiment: side information %q: want MODALITY=SET pairs such as image=shape,audio=phonetic", part)
		}
		if m != names.A && m != names.B {
			return nil, configErrorf("experiment: side information for %q: the modalities are %s and %s", m, names.A, names.B)
		}
		if _, dup := sets[m]; dup {
			return nil, configErrorf("experiment: side information for %s given twice", m)
		}
		var d *descriptor.Set
		var err error
		if strings.HasSuffix(v, ".json") {
			f, ferr := os.Open(v)
			if ferr != nil {
				return nil, fmt.Errorf("experiment: side information: %w", ferr)
			}
			d, err = descriptor.Load(f)
			f.Close()
			if err != nil {
				return nil, fmt.Errorf("%w (file %s)", err, v)
			}
		} else if d, err = descriptor.Builtin(v); err != nil {
			return nil, configErrorf("experiment: %w (or give a .json file)", err)
		}
		sets[m] = d
	}
	if len(sets) != 2 {
		return nil, configErrorf("experiment: side information %q: give a set for both %s and %s", s, names.A, names.B)
	}
	return &SideInfo{A: sets[names.A], B: sets[names.B]}, nil
}

// ParseFactors parses a list of positive numbers ("0.5,1,2"); errors
// match ErrConfig.
func ParseFactors(s string) ([]float64, error) {
	var out []float64
	for _, part := range strings.Split(s, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		v, err := strconv.ParseFloat(part, 64)
		if err != nil || !(v > 0) || v > 1e12 {
			return nil, configErrorf("experiment: %q in %q is not a positive number", part, s)
		}
		out = append(out, v)
	}
	if len(out) == 0 {
		return nil, configErrorf("experiment: empty list %q", s)
	}
	return out, nil
}

// ParseDesigns parses unseen sets separated by '/': "8,9/1,6/4-5"; each
// set is a class list (ParseClasses). Errors match ErrConfig.
func ParseDesigns(s string) ([][]string, error) {
	var out [][]string
	for _, part := range strings.Split(s, "/") {
		if strings.TrimSpace(part) == "" {
			continue
		}
		cs, err := ParseClasses(part)
		if err != nil {
			return nil, err
		}
		out = append(out, cs)
	}
	if len(out) == 0 {
		return nil, configErrorf("experiment: no unseen sets in %q", s)
	}
	return out, nil
}
