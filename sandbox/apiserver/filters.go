package apiserver

import (
	"encoding/json"
	"net/http"
	"sort"

	"github.com/dockyard-lab/dockyard/sandbox/engine"
)

// parseFilters reads a request's filters parameter: {"label":{"a=b":true}}
// (or the older {"label":["a=b"]}), as Docker's CLI sends them.
func parseFilters(r *http.Request) (engine.Filters, error) {
	raw := r.URL.Query().Get("filters")
	f := engine.Filters{}
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
