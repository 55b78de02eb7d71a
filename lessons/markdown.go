package lessons

import (
	"sync"

	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/extension"
	"github.com/yuin/goldmark/parser"
)

// markdown is the goldmark instance lessons are parsed with: CommonMark,
// GFM tables, and heading attributes for step ids (`## Title {#id}`). It is
// built on first use, not at start-up.
var markdown = sync.OnceValue(func() goldmark.Markdown {
	return goldmark.New(
		goldmark.WithExtensions(extension.Table),
		goldmark.WithParserOptions(parser.WithAttribute()),
	)
})
