package engine

import (
	"fmt"
	"regexp"
	"slices"
	"sort"
	"strings"
)

// Filters are a listing's or a prune's --filter values by key, as Docker's
// filters.Args: values of one key are alternatives (except label, where
// each must hold), different keys must all match.
type Filters map[string][]string

// ParseFilters reads --filter key=value flags.
func ParseFilters(flags []string) (Filters, error) {
	f := Filters{}
	for _, fl := range flags {
		k, v, ok := strings.Cut(fl, "=")
		if !ok {
			return nil, Invalid(fmt.Errorf("bad format of filter (expected name=value)"))
		}
		k = strings.ToLower(strings.TrimSpace(k))
		f[k] = append(f[k], strings.TrimSpace(v))
	}
	for k := range f {
		sort.Strings(f[k])
	}
	return f, nil
}

// Validate refuses keys other than accepted, as Docker's daemon does.
func (f Filters) Validate(accepted ...string) error {
	for k := range f {
		if !slices.Contains(accepted, k) {
			return Invalid(fmt.Errorf("invalid filter '%s'", k))
		}
	}
	return nil
}

// Has reports whether key is filtered on.
func (f Filters) Has(key string) bool { return len(f[key]) > 0 }

// Any reports whether some value of key satisfies fn (true when key is not
// filtered on).
func (f Filters) Any(key string, fn func(v string) bool) bool {
	vs := f[key]
	return len(vs) == 0 || slices.ContainsFunc(vs, fn)
}

// Exact matches key's values against s to the letter.
func (f Filters) Exact(key, s string) bool {
	return f.Any(key, func(v string) bool { return v == s })
}

// Match matches key's values, regular expressions as in Docker, against s.
func (f Filters) Match(key, s string) bool {
	return f.Any(key, func(v string) bool {
		ok, err := regexp.MatchString(v, s)
		return err == nil && ok
	})
}

// Labels reports whether labels satisfy every "label" filter ("key" or
// "key=value") and no "label!" filter.
func (f Filters) Labels(labels map[string]string) bool {
	for _, v := range f["label"] {
		if !hasLabel(labels, v) {
			return false
		}
	}
	for _, v := range f["label!"] {
		if hasLabel(labels, v) {
			return false
		}
	}
	return true
}

func hasLabel(labels map[string]string, filter string) bool {
	k, v, hasValue := strings.Cut(filter, "=")
	got, ok := labels[k]
	return ok && (!hasValue || got == v)
}

// Bool reads key's value as Docker's GetBoolOrDefault: "true"/"1" or
// "false"/"0"; def when the key is absent.
func (f Filters) Bool(key string, def bool) (bool, error) {
	vs := f[key]
	if len(vs) == 0 {
		return def, nil
	}
	switch strings.ToLower(vs[0]) {
	case "true", "1":
		return true, nil
	case "false", "0":
		return false, nil
	}
	return false, Invalid(fmt.Errorf("invalid filter '%s=%s'", key, vs[0]))
}
