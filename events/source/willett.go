package source

import (
	"context"
	"fmt"
	"net/url"

	"github.com/memlsm/memlsm/events"
)

func init() {
	register("willett", NoConverter, "Willett et al. 2021's singleLetters.mat (threshold crossings, 192 electrodes, 10 ms bins; MAT v5/v7 or v7.3)", openWillett)
}

// openWillett opens "willett:FILE", Willett et al. 2021's
// singleLetters.mat in any of MATLAB's layouts (events.ReadWillett).
// Options: letters=1 keeps the 26 letters a–z (the paper's classes) and
// drops the other characters.
func openWillett(ctx context.Context, path string, query url.Values, _ *Options) (*events.Dataset, error) {
	if err := checkOptions("willett", query, "letters"); err != nil {
		return nil, err
	}
	letters, err := boolOption("willett", query, "letters")
	if err != nil {
		return nil, err
	}
	if path == "" {
		return nil, specErrorf("source: willett: give the file, willett:singleLetters.mat")
	}
	d, err := events.ReadWillett(ctx, path)
	if err != nil {
		return nil, err
	}
	if letters {
		var keep []string
		for _, c := range d.Classes {
			if len(c) == 1 && c[0] >= 'a' && c[0] <= 'z' {
				keep = append(keep, c)
			}
		}
		if len(keep) == 0 {
			return nil, fmt.Errorf("source: willett: %s holds no letter a–z", path)
		}
		return d.Filter(keep...)
	}
	return d, nil
}
