package source

import (
	"fmt"
	"net/url"
	"slices"
	"sort"
	"strconv"
	"strings"
)

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
				return fmt.Errorf("source: %s: unknown option %q (this scheme takes none)", scheme, k)
			}
			return fmt.Errorf("source: %s: unknown option %q (known: %s)", scheme, k, strings.Join(known, ", "))
		}
		if len(query[k]) > 1 {
			return fmt.Errorf("source: %s: option %q given %d times", scheme, k, len(query[k]))
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
		return false, fmt.Errorf("source: %s: option %s=%q is not a boolean", scheme, key, v)
	}
	return b, nil
}
