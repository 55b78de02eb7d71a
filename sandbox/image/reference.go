package image

import "github.com/dockyard-lab/dockyard/sandbox/imageref"

// The store names images by Docker references, parsed in package imageref
// (which the command line and the checker use without the store).
type (
	Reference             = imageref.Reference
	InvalidReferenceError = imageref.InvalidReferenceError
)

// ParseReference parses and normalises s, adding the tag "latest" when it
// has no tag or digest (imageref.Parse).
func ParseReference(s string) (Reference, error) { return imageref.Parse(s) }

// ParseNormalized parses and normalises s without adding a tag
// (imageref.ParseNormalized).
func ParseNormalized(s string) (Reference, error) { return imageref.ParseNormalized(s) }

// familiarize turns a stored full reference back into Docker's short form;
// a string that does not parse is returned as it is.
func familiarize(full string) string {
	r, err := ParseNormalized(full)
	if err != nil {
		return full
	}
	return r.Familiar()
}
