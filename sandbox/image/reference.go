package image

import (
	"errors"

	"github.com/distribution/reference"
)

// Reference is a parsed, normalised image reference: "busybox" becomes
// docker.io/library/busybox:latest, as on Docker.
type Reference struct {
	named reference.Named
}

// ParseReference parses and normalises s. A reference without a tag or
// digest gets the tag "latest". Uppercase names and malformed references
// are errors that say what is wrong.
func ParseReference(s string) (Reference, error) {
	if s == "" {
		return Reference{}, &InvalidReferenceError{Ref: s, Err: errors.New("invalid reference format: empty image name")}
	}
	named, err := reference.ParseNormalizedNamed(s)
	if err != nil {
		return Reference{}, &InvalidReferenceError{Ref: s, Err: err}
	}
	return Reference{named: reference.TagNameOnly(named)}, nil
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

// String is the full form: docker.io/library/busybox:latest.
func (r Reference) String() string { return r.named.String() }

// Familiar is the short form Docker shows: busybox:latest.
func (r Reference) Familiar() string { return reference.FamiliarString(r.named) }

// Name is the repository without tag or digest: docker.io/library/busybox.
func (r Reference) Name() string { return r.named.Name() }

// FamiliarName is the repository as Docker shows it: busybox.
func (r Reference) FamiliarName() string { return reference.FamiliarName(r.named) }

// Domain is the registry host: docker.io, localhost:5000.
func (r Reference) Domain() string { return reference.Domain(r.named) }

// Path is the repository inside the registry: library/busybox.
func (r Reference) Path() string { return reference.Path(r.named) }

// Tag is the tag, or "" for a digest reference.
func (r Reference) Tag() string {
	if t, ok := r.named.(reference.Tagged); ok {
		return t.Tag()
	}
	return ""
}

// Digest is the digest ("sha256:..."), or "" for a tag reference.
func (r Reference) Digest() string {
	if d, ok := r.named.(reference.Digested); ok {
		return d.Digest().String()
	}
	return ""
}

// familiarize turns a stored full reference back into Docker's short form;
// a string that does not parse is returned as it is.
func familiarize(full string) string {
	n, err := reference.ParseNormalizedNamed(full)
	if err != nil {
		return full
	}
	return reference.FamiliarString(n)
}
