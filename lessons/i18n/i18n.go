// Package i18n holds every message the guided lesson loop shows a student,
// and those of the Dockyard commands a lesson has them run (dockyard vm
// run), in English and Korean, as data: one YAML catalog per language embedded
// in the binary (en.yaml, ko.yaml). Messages are fmt format strings looked
// up by key; both catalogs have the same keys and the same verbs, which the
// package's tests enforce.
//
// The commands' help has a catalog of its own per language but English
// (help.ko.yaml), as English help is the commands' own text: see Help.
package i18n

import (
	_ "embed" // the catalogs
	"fmt"
	"os"
	"strings"
	"sync"
	"unicode/utf8"

	"gopkg.in/yaml.v3"
)

// The catalogs are strings, not an embed.FS: a file of an embed.FS is read
// as a copy, and in a command's start every page of new memory is a page
// fault; the messages parseFlat finds are parts of these strings.
var (
	//go:embed en.yaml
	enYAML string
	//go:embed ko.yaml
	koYAML string
	//go:embed help.ko.yaml
	helpKoYAML string
)

// source is the catalog named name (a language, or "help." and one) as
// written.
func source(name string) (string, bool) {
	switch name {
	case "en":
		return enYAML, true
	case "ko":
		return koYAML, true
	case "help.ko":
		return helpKoYAML, true
	}
	return "", false
}

// Default is the language used when nothing else is asked for.
const Default = "en"

// Supported lists the languages with a catalog.
var Supported = []string{"en", "ko"}

var loaded sync.Map // name -> map[string]string

// catalog parses the catalog name the first time it is asked for.
func catalog(name string) map[string]string {
	if m, ok := loaded.Load(name); ok {
		return m.(map[string]string)
	}
	m := map[string]string{}
	if data, found := source(name); found {
		var ok bool
		if m, ok = parseFlat(data); !ok {
			m = map[string]string{}
			if err := yaml.Unmarshal([]byte(data), &m); err != nil {
				// The catalogs are embedded and tested; this is a build defect.
				panic(fmt.Sprintf("i18n: catalog %s.yaml: %v", name, err))
			}
		}
	}
	loaded.Store(name, m)
	return m
}

// Help returns lang's texts of the commands' help, keyed by command path
// (cmd/cli's LocalizeHelp says how), parsed the first time a help is shown
// in lang; it is empty for English, whose help is the commands' own text.
// The map is shared: read it, do not change it.
func Help(lang string) map[string]string { return catalog("help." + lang) }

// parseFlat reads a catalog written as the shipped ones are, every line a
// comment, blank, or `key: "message"` with \" and \\ the only escapes, the
// way YAML would, several times faster (every command that prints a message
// reads one catalog). ok is false for anything else, which YAML then reads;
// TestFlatCatalogs holds the two to the same result.
func parseFlat(data string) (m map[string]string, ok bool) {
	if !printable(data) {
		return nil, false
	}
	m = make(map[string]string, 160)
	for line := range strings.Lines(data) {
		line = strings.TrimSuffix(line, "\n")
		if line == "" || line[0] == '#' {
			continue
		}
		key, value, found := strings.Cut(line, `: "`)
		if !found || !flatKey(key) || len(value) == 0 || value[len(value)-1] != '"' {
			return nil, false
		}
		value = value[:len(value)-1]
		if strings.ContainsAny(value, "\\\"") {
			var b strings.Builder
			for i := 0; i < len(value); i++ {
				c := value[i]
				if c == '"' {
					return nil, false // a quote ends the string early
				}
				if c == '\\' {
					if i++; i == len(value) || value[i] != '"' && value[i] != '\\' {
						return nil, false
					}
					c = value[i]
				}
				b.WriteByte(c)
			}
			value = b.String()
		}
		if _, dup := m[key]; dup {
			return nil, false // YAML's error
		}
		m[key] = value
	}
	return m, true
}

// printable reports whether s is valid UTF-8 of characters YAML takes
// as they are: no control characters but newlines, no byte order mark.
func printable(s string) bool {
	if !utf8.ValidString(s) {
		return false
	}
	for _, r := range s {
		if r < 0x20 && r != '\n' || r >= 0x7f && r <= 0x9f || r == 0xfeff || r == 0xfffe || r == 0xffff {
			return false
		}
	}
	return true
}

// flatKey reports whether key is a YAML key that can only be a string, as
// the catalogs' are: a dotted name of letters, digits, dots, dashes and
// underscores, starting with a letter (no number, bool or null), of at
// most 1024 characters.
func flatKey(key string) bool {
	// YAML refuses a simple (unquoted) key longer than 1024 characters.
	if len(key) > 1024 {
		return false
	}
	if key == "" || !('a' <= key[0] && key[0] <= 'z' || 'A' <= key[0] && key[0] <= 'Z') || !strings.Contains(key, ".") {
		return false
	}
	for _, c := range key {
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '.' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}

// Printer formats messages in one language.
type Printer struct{ lang string }

// For returns a printer for lang, falling back to English for an unknown
// language.
func For(lang string) *Printer {
	for _, l := range Supported {
		if l == lang {
			return &Printer{lang: lang}
		}
	}
	return &Printer{lang: Default}
}

// Lang is the printer's language.
func (p *Printer) Lang() string { return p.lang }

// T formats the message key with args. A key missing from the language's
// catalog falls back to English, then to the key itself, so a gap shows up
// instead of vanishing.
func (p *Printer) T(key string, args ...any) string {
	msg, ok := catalog(p.lang)[key]
	if !ok {
		msg, ok = catalog(Default)[key]
	}
	if !ok {
		msg = key
	}
	if len(args) == 0 {
		return msg
	}
	return fmt.Sprintf(msg, args...)
}

// LangEnv names the variable that chooses the language like --lang does;
// `dockyard shell` sets it so the commands typed inside keep the language.
const LangEnv = "DOCKYARD_LANG"

// Detect chooses the language: the --lang flag when given, else
// $DOCKYARD_LANG, else the locale (LC_ALL, LC_MESSAGES, LANG, the first one
// set), else English.
// It fails only for a flag value that is not a supported language.
func Detect(flag string, getenv func(string) string) (string, error) {
	if getenv == nil {
		getenv = os.Getenv
	}
	if flag == "" {
		flag = getenv(LangEnv)
	}
	if flag != "" {
		for _, l := range Supported {
			if strings.EqualFold(flag, l) {
				return l, nil
			}
		}
		return "", fmt.Errorf("unknown language %q for --lang: use %s", flag, strings.Join(Supported, " or "))
	}
	for _, v := range []string{"LC_ALL", "LC_MESSAGES", "LANG"} {
		loc := getenv(v)
		if loc == "" {
			continue
		}
		code := strings.ToLower(loc)
		if i := strings.IndexAny(code, "_.@"); i >= 0 {
			code = code[:i]
		}
		for _, l := range Supported {
			if code == l {
				return l, nil
			}
		}
		return Default, nil
	}
	return Default, nil
}
