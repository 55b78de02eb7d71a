package build

import (
	"sort"
	"strings"
)

// env is a set of variables in declaration order; it is the lookup the
// Dockerfile's word expansion ($VAR, ${VAR:-default}) reads.
type env struct {
	vals map[string]string
}

func newEnv() *env { return &env{vals: map[string]string{}} }

// envFrom reads KEY=VALUE pairs.
func envFrom(kvs []string) *env {
	e := newEnv()
	for _, kv := range kvs {
		k, v, _ := strings.Cut(kv, "=")
		e.set(k, v)
	}
	return e
}

func (e *env) set(k, v string) { e.vals[k] = v }

// Get implements shell.EnvGetter.
func (e *env) Get(k string) (string, bool) {
	v, ok := e.vals[k]
	return v, ok
}

// Keys implements shell.EnvGetter.
func (e *env) Keys() []string {
	keys := make([]string, 0, len(e.vals))
	for k := range e.vals {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// with returns e overlaid by o (o wins).
func (e *env) with(o *env) *env {
	out := newEnv()
	for k, v := range e.vals {
		out.set(k, v)
	}
	for k, v := range o.vals {
		out.set(k, v)
	}
	return out
}

// setEnv sets KEY=VALUE in a Docker-style environment list, replacing an
// earlier value of KEY in place.
func setEnv(list []string, k, v string) []string {
	for i, kv := range list {
		if key, _, _ := strings.Cut(kv, "="); key == k {
			list[i] = k + "=" + v
			return list
		}
	}
	return append(list, k+"="+v)
}
