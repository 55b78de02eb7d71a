package apiserver

import (
	"encoding/json"
	"net/http"
	"slices"
	"sort"
	"strings"
)

// filters are a request's filters parameter: {"label":{"a=b":true}} (or
// the older {"label":["a=b"]}), as Docker's CLI sends them.
type filters map[string][]string

func parseFilters(r *http.Request) (filters, error) {
	raw := r.URL.Query().Get("filters")
	f := filters{}
	if raw == "" {
		return f, nil
	}
	var sets map[string]map[string]bool
	if err := json.Unmarshal([]byte(raw), &sets); err == nil {
		for k, vs := range sets {
			for v, on := range vs {
				if on {
					f[k] = append(f[k], v)
				}
			}
			sort.Strings(f[k])
		}
		return f, nil
	}
	var lists map[string][]string
	if err := json.Unmarshal([]byte(raw), &lists); err != nil {
		return nil, badRequest("invalid filters: %q is not JSON of the form {\"label\":{\"a=b\":true}}", raw)
	}
	return lists, nil
}

// only refuses filter keys other than those given, as Docker does.
func (f filters) only(keys ...string) error {
	for k := range f {
		if !slices.Contains(keys, k) {
			return badRequest("invalid filter '%s'", k)
		}
	}
	return nil
}

// match reports whether any value of key matches (true when key is not
// filtered on).
func (f filters) match(key string, fn func(v string) bool) bool {
	vs := f[key]
	if len(vs) == 0 {
		return true
	}
	if key == "label" { // every label filter must hold
		for _, v := range vs {
			if !fn(v) {
				return false
			}
		}
		return true
	}
	return slices.ContainsFunc(vs, fn)
}

// matchLabel matches "key" (present) or "key=value".
func matchLabel(labels map[string]string, filter string) bool {
	k, v, hasValue := strings.Cut(filter, "=")
	got, ok := labels[k]
	return ok && (!hasValue || got == v)
}
