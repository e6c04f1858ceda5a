package source

import (
	"context"
	"fmt"
	"net/url"
	"sort"
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
