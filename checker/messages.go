package checker

import (
	"bytes"
	"embed"
	"fmt"
	"sync"
	"text/template"

	"gopkg.in/yaml.v3"
)

// The message templates are data, one YAML file per language: each key has
// a text (what was found and what was expected) and a hint (the command to
// look at). Templates see the finding's data: subject, want, found, ...
//
//go:embed messages/*.yaml
var messageFiles embed.FS

type message struct {
	Text string `yaml:"text"`
	Hint string `yaml:"hint"`
}

type catalog struct {
	lang     string
	messages map[string]*template.Template
	hints    map[string]*template.Template
	fallback *catalog
}

var (
	catalogsOnce sync.Once
	catalogs     map[string]*catalog
	catalogsErr  error
)

// Languages are the languages the checker has messages in.
var Languages = []string{"en", "ko"}

func loadCatalogs() {
	catalogs = map[string]*catalog{}
	for _, lang := range Languages {
		raw, err := messageFiles.ReadFile("messages/" + lang + ".yaml")
		if err != nil {
			catalogsErr = err
			return
		}
		var msgs map[string]message
		if err := yaml.Unmarshal(raw, &msgs); err != nil {
			catalogsErr = fmt.Errorf("messages/%s.yaml: %w", lang, err)
			return
		}
		c := &catalog{lang: lang, messages: map[string]*template.Template{}, hints: map[string]*template.Template{}}
		funcs := template.FuncMap{}
		for name, f := range particles {
			funcs[name] = f
		}
		funcs["state"] = func(v any) string { return c.value("state.", fmt.Sprint(v)) }
		// q quotes a command, a query or output, so a particle after it
		// reads on the quoted text: "SELECT 1"이.
		funcs["q"] = func(v any) string { return `"` + fmt.Sprint(v) + `"` }
		for key, m := range msgs {
			t, err := template.New(key).Funcs(funcs).Option("missingkey=zero").Parse(m.Text)
			if err != nil {
				catalogsErr = fmt.Errorf("messages/%s.yaml: %s: %w", lang, key, err)
				return
			}
			c.messages[key] = t
			if m.Hint != "" {
				h, err := template.New(key).Funcs(funcs).Option("missingkey=zero").Parse(m.Hint)
				if err != nil {
					catalogsErr = fmt.Errorf("messages/%s.yaml: %s hint: %w", lang, key, err)
					return
				}
				c.hints[key] = h
			}
		}
		catalogs[lang] = c
	}
	for lang, c := range catalogs {
		if lang != "en" {
			c.fallback = catalogs["en"]
		}
	}
}

// catalogFor returns the messages in lang, falling back to English.
func catalogFor(lang string) *catalog {
	catalogsOnce.Do(loadCatalogs)
	if catalogsErr != nil {
		panic("checker: broken message catalog: " + catalogsErr.Error())
	}
	if c, ok := catalogs[lang]; ok {
		return c
	}
	return catalogs["en"]
}

// The values a finding shows when there is nothing to show; line and
// render put them in the catalog's language.
const (
	noneValue    = "(none)"
	noneWord     = "none"
	nothingValue = "(nothing)"
	notSetValue  = "(not set)"
	anyPortValue = "any port"
)

// value names v in the catalog's language: the message prefix+v when the
// catalog has one (state.exited: "종료됨"), else v itself.
func (c *catalog) value(prefix, v string) string {
	if _, ok := c.messages[prefix+v]; ok {
		return c.render(prefix+v, nil)
	}
	return v
}

// localize returns data with the placeholders for "nothing" in the
// catalog's language.
func (c *catalog) localize(data map[string]any) map[string]any {
	out := make(map[string]any, len(data))
	for k, v := range data {
		switch v {
		case noneValue:
			v = c.render("value.none", nil)
		case noneWord:
			v = c.render("value.none_word", nil)
		case nothingValue:
			v = c.render("value.nothing", nil)
		case notSetValue:
			v = c.render("value.not_set", nil)
		case anyPortValue:
			v = c.render("value.any_port", nil)
		}
		out[k] = v
	}
	return out
}

// render fills the text template of key.
func (c *catalog) render(key string, data map[string]any) string {
	data = c.localize(data)
	t, ok := c.messages[key]
	if !ok {
		if c.fallback != nil {
			return c.fallback.render(key, data)
		}
		return fmt.Sprintf("%s %v", key, data)
	}
	return execute(t, data)
}

// line renders key's text followed by its hint in parentheses.
func (c *catalog) line(key string, data map[string]any) string {
	text := c.render(key, data)
	data = c.localize(data)
	h, ok := c.hints[key]
	if !ok && c.fallback != nil {
		if _, own := c.messages[key]; !own {
			h, ok = c.fallback.hints[key]
		}
	}
	if !ok {
		return text
	}
	return text + " (" + execute(h, data) + ")"
}

func execute(t *template.Template, data map[string]any) string {
	var b bytes.Buffer
	if err := t.Execute(&b, data); err != nil {
		return fmt.Sprintf("%s: %v", t.Name(), err)
	}
	return b.String()
}

// Keys lists the message keys of a language, for tests.
func messageKeys(lang string) map[string]bool {
	c := catalogFor(lang)
	keys := map[string]bool{}
	for k := range c.messages {
		keys[k] = true
	}
	return keys
}
