// Package content carries Dockyard's course material as data, embedded in
// the binary: the lessons (Markdown, one file per language) and, beside this
// file, the image recipes. Go code reads it through the fs.FS values here.
package content

import (
	"embed"
	"io/fs"
)

//go:embed lessons
var lessons embed.FS

//go:embed outlines.txt
var outlines string

// LessonOutlines is the index of the lessons (lessons.WriteIndex), read to
// list the course without reading every lesson. TestBuiltinIndex in
// package lessons fails when it is out of date; go generate rewrites it.
func LessonOutlines() string { return outlines }

//go:generate go test ../lessons -run ^TestBuiltinIndex$ -update

// Lessons returns the embedded lessons folder: one directory per lesson id,
// each holding lesson.en.md and lesson.ko.md.
func Lessons() fs.FS {
	sub, err := fs.Sub(lessons, "lessons")
	if err != nil {
		// fs.Sub fails only on an invalid path; "lessons" is valid.
		panic(err)
	}
	return sub
}
