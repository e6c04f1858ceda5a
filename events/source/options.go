package source

import (
	"github.com/memlsm/memlsm/audio"
	"net/url"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/memlsm/memlsm/internal/suggest"
)

// closest returns the candidate nearest to word (for "did you mean").
func closest(word string, candidates []string) string {
	return suggest.Closest(word, candidates)
}

// checkOptions fails if query holds a key that the scheme does not know, or
// a key given twice, so that a typo never silently changes what is read.
func checkOptions(scheme string, query url.Values, known ...string) error {
	keys := make([]string, 0, len(query))
	for k := range query {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if !slices.Contains(known, k) {
			if len(known) == 0 {
				return specErrorf("source: %s: unknown option %q (this scheme takes none)", scheme, k)
			}
			hint := ""
			if c := closest(k, known); c != "" {
				hint = "; did you mean " + c + "?"
			}
			return specErrorf("source: %s: unknown option %q (known: %s)%s", scheme, k, strings.Join(known, ", "), hint)
		}
		if len(query[k]) > 1 {
			return specErrorf("source: %s: option %q given %d times", scheme, k, len(query[k]))
		}
	}
	return nil
}

// boolOption parses an optional boolean option ("1", "true", "0", ...).
func boolOption(scheme string, query url.Values, key string) (bool, error) {
	if !query.Has(key) {
		return false, nil
	}
	v := query.Get(key)
	if v == "" {
		return true, nil // "?all" alone means true
	}
	b, err := strconv.ParseBool(v)
	if err != nil {
		return false, specErrorf("source: %s: option %s=%q is not a boolean", scheme, key, v)
	}
	return b, nil
}

// splitList parses a comma-separated option ("a,b"); absent is nil.
func splitList(scheme string, query url.Values, key string) ([]string, error) {
	if !query.Has(key) {
		return nil, nil
	}
	var out []string
	for _, s := range strings.Split(query.Get(key), ",") {
		if s = strings.TrimSpace(s); s == "" {
			return nil, specErrorf("source: %s: empty name in %s=%q", scheme, key, query.Get(key))
		}
		out = append(out, s)
	}
	return out, nil
}

// nonNegInt parses a non-negative integer option, def when absent.
func nonNegInt(scheme string, query url.Values, key string, def int) (int, error) {
	if !query.Has(key) {
		return def, nil
	}
	n, err := strconv.Atoi(query.Get(key))
	if err != nil || n < 0 {
		return 0, specErrorf("source: %s: %s=%q is not a non-negative integer", scheme, key, query.Get(key))
	}
	return n, nil
}

// conversionOptions applies the options every converting scheme takes,
// seed=N and workers=N, over opts.
func conversionOptions(scheme string, query url.Values, opts *Options) error {
	if query.Has("seed") {
		s, err := strconv.ParseUint(query.Get("seed"), 10, 64)
		if err != nil {
			return specErrorf("source: %s: seed=%q is not an unsigned integer", scheme, query.Get("seed"))
		}
		opts.Seed = &s
	}
	w, err := nonNegInt(scheme, query, "workers", opts.Workers)
	if err != nil {
		return err
	}
	opts.Workers = w
	return nil
}

// audioKeys are the options of every scheme that converts audio.
var audioKeys = []string{"channels", "perturb", "perturb_seed", "endpoint", "keep_audio"}

// audioOptions applies the options of every scheme that converts audio
// over opts: channels=N (cochleaChannels), perturb=CHAIN (audio.ParseChain,
// e.g. perturb=level=-20dB,noise=20dB), perturb_seed=N, endpoint=on|off and
// keep_audio=1.
func audioOptions(scheme string, query url.Values, opts *Options) error {
	if err := cochleaChannels(scheme, query, opts); err != nil {
		return err
	}
	if query.Has("perturb") {
		c, err := audio.ParseChain(query.Get("perturb"))
		if err != nil {
			return specErrorf("source: %s: %v", scheme, err)
		}
		opts.Perturb = c
	}
	if query.Has("perturb_seed") {
		s, err := strconv.ParseUint(query.Get("perturb_seed"), 10, 64)
		if err != nil {
			return specErrorf("source: %s: perturb_seed=%q is not an unsigned integer", scheme, query.Get("perturb_seed"))
		}
		opts.PerturbSeed = s
	}
	if query.Has("endpoint") {
		switch e := query.Get("endpoint"); e {
		case "on", "off":
			opts.Endpoint = e
		default:
			return specErrorf("source: %s: endpoint=%q is not on or off", scheme, e)
		}
	}
	if query.Has("keep_audio") {
		k, err := boolOption(scheme, query, "keep_audio")
		if err != nil {
			return err
		}
		opts.KeepAudio = k
	}
	return nil
}

// cochleaChannels reads the channels=N option of an audio scheme: the
// cochlea model with N channels over the same band (default 64, the
// CochleaAMS1b's). More channels resolve the band more finely, e.g. 192
// to feed an encoder of 192 inputs.
func cochleaChannels(scheme string, query url.Values, opts *Options) error {
	if !query.Has("channels") {
		return nil
	}
	n, err := strconv.Atoi(query.Get("channels"))
	if err != nil || n < 1 || n > 1<<15 {
		return specErrorf("source: %s: channels=%q is not in 1..32768", scheme, query.Get("channels"))
	}
	c := opts.cochlea()
	c.Channels = n
	opts.Cochlea = &c
	return nil
}
