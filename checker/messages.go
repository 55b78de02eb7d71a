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
		for key, m := range msgs {
			t, err := template.New(key).Option("missingkey=zero").Parse(m.Text)
			if err != nil {
				catalogsErr = fmt.Errorf("messages/%s.yaml: %s: %w", lang, key, err)
				return
			}
			c.messages[key] = t
			if m.Hint != "" {
				h, err := template.New(key).Option("missingkey=zero").Parse(m.Hint)
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

// render fills the text template of key.
func (c *catalog) render(key string, data map[string]any) string {
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
