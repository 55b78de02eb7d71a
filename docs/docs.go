// Package docs embeds the parts of the documentation that the binary
// reads: the authoring guide, whose Korean glossary `dockyard author lint`
// checks the Korean lessons against (lessons.ParseGlossary), so that the
// table authors read is the table lint enforces.
package docs

import _ "embed"

// Authoring is docs/authoring.md.
//
//go:embed authoring.md
var Authoring []byte
