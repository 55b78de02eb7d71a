package lessons

import (
	"sync"

	"github.com/yuin/goldmark/parser"
)

// markdown is the goldmark parser lessons are read with: CommonMark and
// heading attributes for step ids (`## Title {#id}`). Only headings and
// fenced blocks matter here, so no extension is needed (tables are found by
// the renderer, lessons/screen). It is built on first use, not at start-up.
var markdown = sync.OnceValue(func() parser.Parser {
	return parser.NewParser(
		parser.WithBlockParsers(parser.DefaultBlockParsers()...),
		parser.WithInlineParsers(parser.DefaultInlineParsers()...),
		parser.WithParagraphTransformers(parser.DefaultParagraphTransformers()...),
		parser.WithAttribute(),
	)
})
