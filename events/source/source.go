package source

import (
	"context"
	"fmt"
	"github.com/memlsm/memlsm/audio"
	"net/url"
	"sort"
	"strconv"
	"strings"

	"github.com/memlsm/memlsm/events"
)

// opener opens one scheme's data source. path is the part after "scheme:"
// and before "?"; query holds the options after "?".
type opener func(ctx context.Context, path string, query url.Values) (*events.Dataset, error)

// schemes maps a scheme name to its opener. Files of this package register
// their schemes in init.
var schemes = map[string]opener{}

// Open opens the data source named by spec, "scheme:path[?key=value&...]",
// e.g. "nmnist:../data/NMNISTsmall", "fsdd:recordings?speakers=theo,george",
// "embedded:images".
func Open(ctx context.Context, spec string) (*events.Dataset, error) {
	scheme, rest, ok := strings.Cut(spec, ":")
	if !ok || scheme == "" {
		return nil, fmt.Errorf("source: %q is not scheme:path (schemes: %s)", spec, strings.Join(Schemes(), ", "))
	}
	open, ok := schemes[scheme]
	if !ok {
		return nil, fmt.Errorf("source: unknown scheme %q in %q (schemes: %s)", scheme, spec, strings.Join(Schemes(), ", "))
	}
	path, rawQuery, _ := strings.Cut(rest, "?")
	query, err := url.ParseQuery(rawQuery)
	if err != nil {
		return nil, fmt.Errorf("source: bad options %q in %q: %w", rawQuery, spec, err)
	}
	d, err := open(ctx, path, query)
	if err != nil {
		return nil, err
	}
	d.Name = spec
	return d, nil
}

// Schemes lists the registered schemes, sorted.
func Schemes() []string {
	s := make([]string, 0, len(schemes))
	for k := range schemes {
		s = append(s, k)
	}
	sort.Strings(s)
	return s
}

// WithOptions returns spec with the options kv (key, value, key, value…)
// set, replacing any the spec already gives: e.g. the same recordings
// perturbed, WithOptions("fsdd:DIR?speakers=theo", "perturb",
// "level=-20dB") → "fsdd:DIR?perturb=level%3D-20dB&speakers=theo".
func WithOptions(spec string, kv ...string) (string, error) {
	if len(kv)%2 != 0 {
		return "", fmt.Errorf("source: WithOptions needs key, value pairs, got %d strings", len(kv))
	}
	scheme, rest, ok := strings.Cut(spec, ":")
	if !ok || scheme == "" {
		return "", fmt.Errorf("source: %q is not scheme:path", spec)
	}
	path, rawQuery, _ := strings.Cut(rest, "?")
	query, err := url.ParseQuery(rawQuery)
	if err != nil {
		return "", fmt.Errorf("source: bad options %q in %q: %w", rawQuery, spec, err)
	}
	for i := 0; i < len(kv); i += 2 {
		query.Set(kv[i], kv[i+1])
	}
	return scheme + ":" + path + "?" + query.Encode(), nil
}

// OpenPerturbed opens spec's recordings perturbed in the time domain
// before conversion (audio.Chain, seeded per recording from seed): the
// same samples in the same order as Open(spec), each as a new recording
// would have changed it. Only sources that convert audio (fsdd:) take a
// perturbation.
func OpenPerturbed(ctx context.Context, spec string, chain audio.Chain, seed uint64) (*events.Dataset, error) {
	scheme, _, _ := strings.Cut(spec, ":")
	if scheme != "fsdd" {
		return nil, fmt.Errorf("source: %q: only fsdd: sources (audio converted by the cochlea) can be perturbed", spec)
	}
	s, err := WithOptions(spec, "perturb", chain.String(), "perturb_seed", strconv.FormatUint(seed, 10))
	if err != nil {
		return nil, err
	}
	return Open(ctx, s)
}
