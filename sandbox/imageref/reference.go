package imageref

import (
	"errors"
	"fmt"
	"strings"

	"github.com/opencontainers/go-digest"
)

// Docker Hub's names, as distribution/reference normalises them.
const (
	hubDomain       = "docker.io"
	hubLegacyDomain = "index.docker.io"
	officialPrefix  = "library/"
	defaultTag      = "latest"
	maxRepoPathLen  = 255
)

// The messages distribution/reference gives, which Docker prints.
var (
	errReferenceFormat = errors.New("invalid reference format")
	errNameUppercase   = errors.New("repository name must be lowercase")
	errNameEmpty       = errors.New("repository name must have at least one component")
	errNameTooLong     = fmt.Errorf("repository name must not be more than %v characters", maxRepoPathLen)
)

// Reference is a parsed, normalised image reference: "busybox" becomes
// docker.io/library/busybox:latest, as on Docker.
//
// The grammar and the normalisation are distribution/reference's (Docker's),
// parsed by hand here: that package compiles ten regular expressions when
// the program starts, which was a quarter of every dockyard start's
// package initialisation (FuzzReferenceMatchesDistribution keeps the two
// the same).
type Reference struct {
	domain, path, tag, digest string
}

// Parse parses and normalises s. A reference without a tag or
// digest gets the tag "latest". Uppercase names and malformed references
// are errors that say what is wrong.
func Parse(s string) (Reference, error) {
	if s == "" {
		return Reference{}, &InvalidReferenceError{Ref: s, Err: errors.New("invalid reference format: empty image name")}
	}
	r, err := ParseNormalized(s)
	if err != nil {
		return Reference{}, err
	}
	return r.WithDefaultTag(), nil
}

// ParseNormalized parses and normalises s as distribution/reference's
// ParseNormalizedNamed: "busybox" becomes docker.io/library/busybox, with
// no tag added.
func ParseNormalized(s string) (Reference, error) {
	invalid := func(err error) (Reference, error) { return Reference{}, &InvalidReferenceError{Ref: s, Err: err} }
	if len(s) == 64 && strings.Trim(s, "0123456789abcdef") == "" {
		return invalid(fmt.Errorf("invalid repository name (%s), cannot specify 64-byte hexadecimal strings", s))
	}
	domain, remainder := splitDockerDomain(s)
	remote, _, _ := strings.Cut(remainder, ":")
	if strings.ToLower(remote) != remote {
		return invalid(fmt.Errorf("invalid reference format: repository name (%s) must be lowercase", remote))
	}
	r, err := parse(domain + "/" + remainder)
	if err != nil {
		return invalid(err)
	}
	return r, nil
}

// splitDockerDomain splits name into its registry and the rest, Docker
// Hub's when the first part does not look like a host.
func splitDockerDomain(name string) (domain, remainder string) {
	first, rest, ok := strings.Cut(name, "/")
	switch {
	case !ok:
		return hubDomain, officialPrefix + name
	case first == "localhost":
		domain, remainder = first, rest
	case first == hubLegacyDomain:
		domain, remainder = hubDomain, rest
	case strings.ContainsAny(first, ".:"), strings.ToLower(first) != first:
		domain, remainder = first, rest
	default:
		domain, remainder = hubDomain, name
	}
	if domain == hubDomain && !strings.Contains(remainder, "/") {
		remainder = officialPrefix + remainder
	}
	return domain, remainder
}

// parse reads name[:tag][@digest] as distribution/reference's Parse.
func parse(s string) (Reference, error) {
	r, ok := split(s)
	if !ok {
		switch {
		case s == "":
			return Reference{}, errNameEmpty
		case isReference(strings.ToLower(s)):
			return Reference{}, errNameUppercase
		}
		return Reference{}, errReferenceFormat
	}
	if len(r.path) > maxRepoPathLen {
		return Reference{}, errNameTooLong
	}
	if r.digest != "" {
		if _, err := digest.Parse(r.digest); err != nil {
			return Reference{}, err
		}
	}
	return r, nil
}

func isReference(s string) bool {
	_, ok := split(s)
	return ok
}

// split takes s apart by the grammar alone: name, then ":" tag, then "@"
// digest. A tag holds neither "/" nor ":", so a ":" after the name's last
// "/" starts the tag; before it, a ":" can only be the registry's port.
func split(s string) (r Reference, ok bool) {
	name, dg, hasDigest := strings.Cut(s, "@")
	if hasDigest {
		if !isDigest(dg) {
			return r, false
		}
		r.digest = dg
	}
	last := name[strings.LastIndexByte(name, '/')+1:]
	if i := strings.IndexByte(last, ':'); i >= 0 {
		r.tag = last[i+1:]
		name = name[:len(name)-len(last)+i]
		if !isTag(r.tag) {
			return r, false
		}
	}
	if first, rest, found := strings.Cut(name, "/"); found && isDomain(first) && isPath(rest) {
		r.domain, r.path = first, rest
	} else if isPath(name) {
		r.path = name
	} else {
		return r, false
	}
	return r, true
}

func isAlnumLower(c byte) bool { return 'a' <= c && c <= 'z' || '0' <= c && c <= '9' }
func isAlnum(c byte) bool      { return isAlnumLower(c) || 'A' <= c && c <= 'Z' }
func isWord(c byte) bool       { return isAlnum(c) || c == '_' }
func isHex(c byte) bool        { return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F' }

// isPath: components [a-z0-9]+ joined by ".", "_", "__" or a run of "-",
// the components joined by "/".
func isPath(s string) bool {
	for c := range strings.SplitSeq(s, "/") {
		if c == "" || !isAlnumLower(c[0]) || !isAlnumLower(c[len(c)-1]) {
			return false
		}
		for i := 0; i < len(c); {
			if isAlnumLower(c[i]) {
				i++
				continue
			}
			j := i
			for j < len(c) && !isAlnumLower(c[j]) {
				j++
			}
			if sep := c[i:j]; sep != "." && sep != "_" && sep != "__" && strings.Trim(sep, "-") != "" {
				return false
			}
			i = j
		}
	}
	return true
}

// isDomain: a host name (dot-separated [a-zA-Z0-9-] labels that neither
// start nor end with "-") or a bracketed IPv6 address, then an optional
// ":port".
func isDomain(s string) bool {
	host, port, hasPort := s, "", false
	if strings.HasPrefix(s, "[") {
		end := strings.IndexByte(s, ']')
		if end < 2 || strings.Trim(s[1:end], "0123456789abcdefABCDEF:") != "" {
			return false
		}
		host, port = s[:end+1], s[end+1:]
		if port != "" {
			if port[0] != ':' {
				return false
			}
			port, hasPort = port[1:], true
		}
	} else {
		host, port, hasPort = strings.Cut(s, ":")
		for label := range strings.SplitSeq(host, ".") {
			if label == "" || label[0] == '-' || label[len(label)-1] == '-' {
				return false
			}
			for i := 0; i < len(label); i++ {
				if !isAlnum(label[i]) && label[i] != '-' {
					return false
				}
			}
		}
	}
	if hasPort && (port == "" || strings.Trim(port, "0123456789") != "") {
		return false
	}
	return true
}

// isTag: [\w][\w.-]{0,127}.
func isTag(s string) bool {
	if s == "" || len(s) > 128 || !isWord(s[0]) {
		return false
	}
	for i := 1; i < len(s); i++ {
		if !isWord(s[i]) && s[i] != '.' && s[i] != '-' {
			return false
		}
	}
	return true
}

// isDigest: an algorithm ([A-Za-z][A-Za-z0-9]* parts joined by one of
// "-_+."), ":", and at least 32 hex digits.
func isDigest(s string) bool {
	alg, hex, ok := strings.Cut(s, ":")
	if !ok || len(hex) < 32 {
		return false
	}
	for i := 0; i < len(hex); i++ {
		if !isHex(hex[i]) {
			return false
		}
	}
	start := true
	for i := 0; i < len(alg); i++ {
		c := alg[i]
		switch {
		case start:
			if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z') {
				return false
			}
			start = false
		case strings.IndexByte("-_+.", c) >= 0:
			start = true
		case !isAlnum(c):
			return false
		}
	}
	return alg != "" && !start
}

// InvalidReferenceError is a name that is not an image reference. Its
// message is distribution/reference's, as Docker prints it:
// "invalid reference format: repository name (library/Busybox) must be lowercase".
type InvalidReferenceError struct {
	Ref string
	Err error
}

func (e *InvalidReferenceError) Error() string { return e.Err.Error() }
func (e *InvalidReferenceError) Unwrap() error { return e.Err }

// WithDefaultTag returns r, with the tag "latest" if it has neither tag nor
// digest.
func (r Reference) WithDefaultTag() Reference {
	if r.NameOnly() {
		r.tag = defaultTag
	}
	return r
}

// NameOnly reports whether r has neither tag nor digest.
func (r Reference) NameOnly() bool { return r.tag == "" && r.digest == "" }

// String is the full form: docker.io/library/busybox:latest.
func (r Reference) String() string { return r.Name() + r.suffix() }

// Familiar is the short form Docker shows: busybox:latest.
func (r Reference) Familiar() string { return r.FamiliarName() + r.suffix() }

func (r Reference) suffix() string {
	s := ""
	if r.tag != "" {
		s += ":" + r.tag
	}
	if r.digest != "" {
		s += "@" + r.digest
	}
	return s
}

// Name is the repository without tag or digest: docker.io/library/busybox.
func (r Reference) Name() string {
	if r.domain == "" {
		return r.path
	}
	return r.domain + "/" + r.path
}

// FamiliarName is the repository as Docker shows it: busybox.
func (r Reference) FamiliarName() string {
	if r.domain != hubDomain {
		return r.Name()
	}
	if rest, ok := strings.CutPrefix(r.path, officialPrefix); ok && !strings.Contains(rest, "/") {
		return rest
	}
	return r.path
}

// Domain is the registry host: docker.io, localhost:5000.
func (r Reference) Domain() string { return r.domain }

// Path is the repository inside the registry: library/busybox.
func (r Reference) Path() string { return r.path }

// Tag is the tag, or "" for a digest reference.
func (r Reference) Tag() string { return r.tag }

// Digest is the digest ("sha256:..."), or "" for a tag reference.
func (r Reference) Digest() string { return r.digest }
