// Package idindex resolves short id prefixes ("3f57d9", "sha256:3f57") to
// full ids, as Docker does for images, containers and networks: a prefix
// that matches one id names it, one that matches several is an error that
// lists them, so the student can type more characters.
package idindex

import (
	"errors"
	"fmt"
	"sort"
	"strings"
)

// ErrNotFound is returned when no id starts with the prefix.
var ErrNotFound = errors.New("no such id")

// AmbiguousError is returned when more than one id starts with the prefix.
type AmbiguousError struct {
	Prefix     string
	Candidates []string // full ids, sorted
}

func (e *AmbiguousError) Error() string {
	short := make([]string, len(e.Candidates))
	for i, c := range e.Candidates {
		short[i] = Short(c)
	}
	return fmt.Sprintf("id prefix %q is ambiguous: it matches %s (type more characters)", e.Prefix, strings.Join(short, ", "))
}

// Find returns the one id in ids that prefix names. Ids and the prefix may
// carry an algorithm ("sha256:"); it is ignored when comparing, so
// "sha256:3f57", "3f57" and the full id all name the same thing. An exact
// match wins over longer ids that share it as a prefix.
func Find(ids []string, prefix string) (string, error) {
	p := trimAlgo(prefix)
	if p == "" {
		return "", fmt.Errorf("%w: empty id", ErrNotFound)
	}
	var matches []string
	for _, id := range ids {
		h := trimAlgo(id)
		if h == p {
			return id, nil
		}
		if strings.HasPrefix(h, p) {
			matches = append(matches, id)
		}
	}
	switch len(matches) {
	case 0:
		return "", fmt.Errorf("%w: %s", ErrNotFound, prefix)
	case 1:
		return matches[0], nil
	}
	sort.Strings(matches)
	return "", &AmbiguousError{Prefix: prefix, Candidates: matches}
}

// IsHexPrefix reports whether s could be a (short) id: hex digits, with an
// optional "sha256:" in front.
func IsHexPrefix(s string) bool {
	s = strings.TrimPrefix(s, "sha256:")
	if s == "" || len(s) > 64 {
		return false
	}
	for _, r := range s {
		if !(r >= '0' && r <= '9' || r >= 'a' && r <= 'f') {
			return false
		}
	}
	return true
}

// Short returns the 12-character form Docker shows in listings.
func Short(id string) string {
	h := trimAlgo(id)
	if len(h) > 12 {
		return h[:12]
	}
	return h
}

// trimAlgo drops a digest algorithm ("sha256:") in front of an id. Only
// that: in "myapp:1" the part after the colon is a tag, and "1" taken for
// an id prefix would name whatever container's id starts with 1.
func trimAlgo(id string) string {
	for _, algo := range []string{"sha256:", "sha512:"} {
		if strings.HasPrefix(id, algo) {
			return id[len(algo):]
		}
	}
	return id
}
