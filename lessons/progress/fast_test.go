package progress

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"testing"
	"time"
)

// writtenSeeds are files parseWritten must read as encoding/json does, or
// leave to it: the written form, nulls, duplicated and differently cased
// keys, fields no version has, wrong types, odd numbers and strings, and
// broken JSON.
var writtenSeeds = []string{
	`{"version":1,"current":"intro","lang":"ko","lessons":{"intro":{"current":"a","steps":{"a":{"done":true,"solved":true,"hints":2,"at":"2026-12-05T10:00:00Z"}},` +
		`"answers":{"q":[1,3],"r":[]},"started":"2026-12-05T09:00:00Z","updated":"2026-12-05T10:00:00+09:00"}}}`,
	"{\n  \"version\": 1,\r\n\t\"lessons\": {}\n}\n", `{}`, `{"version":-0}`, `{"version":0}`, `{"lang":"한국어"}`,
	`{"version":1,"lessons":{"intro":null}}`, `{"version":1,"lessons":{"intro":{"steps":{"a":null},"answers":{"q":null,"s":[null,2]}}}}`,
	`{"version":1,"lessons":null}`, `{"version":null}`, `{"lessons":{"a":{"started":null}}}`,
	`{"Version":1}`, `{"lessons":{"a":{"Steps":{}}}}`, `{"version":1,"version":2}`,
	`{"version":1,"lessons":{"a":{"current":"x"},"a":{"current":"y"}}}`, `{"lessons":{"a":{"steps":{"s":{"done":true,"done":false}}}}}`,
	`{"version":1,"extra":true}`, `{"lessons":{"a":{"more":1}}}`,
	`{"version":1} trailing`, `{"version":1}{"version":2}`, `{"version":1} `,
	`{"version":1.0}`, `{"version":1e2}`, `{"version":01}`, `{"version":-}`, `{"version":99999999999999999999}`, `{"version":"1"}`,
	`{"current":5}`, `{"lessons":[]}`, `{"lessons":{"a":[]}}`, `{"lessons":{"a":{"steps":{"s":{"done":1}}}}}`,
	`{"lessons":{"a":{"steps":{"s":{"done":truex}}}}}`, `{"lessons":{"a":{"answers":{"q":["1"]}}}}`, `{"lessons":{"a":{"answers":{"q":[1,]}}}}`,
	`{"lessons":{"a":{"started":5}}}`, `{"lessons":{"a":{"started":"not a time"}}}`, `{"lessons":{"a":{"started":"2026-12-05T10:00:00\u005a"}}}`,
	`{"lang":"a\"b"}`, `{"lang":"\u00e9"}`, "{\"lang\":\"\xff\"}", "{\"lang\":\"a\tb\"}", "\ufeff{}",
	`null`, `[]`, `"x"`, `5`, `{`, `{"version":1,"lessons":{`, `{"version":1,}`, `{,}`, `{"a" 1}`, ``, `   `, "\x00\xff",
}

// TestParseWritten: what parseWritten takes it reads as encoding/json
// does; the written form it takes.
func TestParseWritten(t *testing.T) {
	for _, s := range writtenSeeds {
		checkWritten(t, []byte(s))
	}
	for _, s := range writtenSeeds[:6] {
		if _, ok := parseWritten([]byte(s)); !ok {
			t.Errorf("parseWritten(%q) leaves it to encoding/json, want it read", s)
		}
	}
	// What Update writes, it reads.
	path := filepath.Join(t.TempDir(), FileName)
	s := Open(path, NoOwner)
	if _, err := s.Update(func(p *Progress) error {
		p.Current, p.Lang = "intro", "ko"
		l := p.Lesson("intro")
		l.Current = "b"
		l.Step("a").Done = true
		l.Step("a").At = time.Date(2026, 12, 5, 10, 0, 0, 0, time.UTC)
		l.Step("b").Hints = 2
		l.Answer("q", []int{1, 2})
		p.Lesson("images")
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := parseWritten(data); !ok {
		t.Errorf("parseWritten(%s) leaves what Update wrote to encoding/json, want it read", data)
	}
	checkWritten(t, data)
}

func FuzzParseWritten(f *testing.F) {
	for _, s := range writtenSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(checkWritten)
}

func checkWritten(t *testing.T, data []byte) {
	got, ok := parseWritten(data)
	if !ok {
		return
	}
	want := &Progress{}
	if err := json.NewDecoder(bytes.NewReader(data)).Decode(want); err != nil {
		t.Fatalf("parseWritten(%q) = %+v, but encoding/json fails: %v", data, got, err)
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("parseWritten(%q) = %+v, want %+v (encoding/json's)", data, got, want)
	}
	var lang struct {
		Lang string `json:"lang"`
	}
	if err := json.Unmarshal(data, &lang); err != nil || lang.Lang != got.Lang {
		t.Fatalf("parseWritten(%q) lang = %q, json.Unmarshal's %q, %v", data, got.Lang, lang.Lang, err)
	}
}
