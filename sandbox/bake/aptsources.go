package bake

import (
	"bufio"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// aptSource is one "deb URI SUITE" line of the host's apt configuration.
type aptSource struct {
	uri, suite string
}

// hostSources reads the Debian package sources of the host's apt (the
// one-line sources.list format and deb822 .sources files), so a base image
// is bootstrapped from wherever the host's own apt gets its packages.
func hostSources(aptDir string) []aptSource {
	var out []aptSource
	files := []string{filepath.Join(aptDir, "sources.list")}
	more, _ := filepath.Glob(filepath.Join(aptDir, "sources.list.d", "*"))
	sort.Strings(more)
	files = append(files, more...)
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			continue
		}
		switch {
		case strings.HasSuffix(f, ".sources"):
			out = append(out, parseDeb822(string(b))...)
		case strings.HasSuffix(f, ".list"):
			out = append(out, parseOneLine(string(b))...)
		}
	}
	return out
}

func parseOneLine(s string) []aptSource {
	var out []aptSource
	sc := bufio.NewScanner(strings.NewReader(s))
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if i := strings.IndexByte(line, '#'); i >= 0 {
			line = line[:i]
		}
		f := strings.Fields(line)
		if len(f) < 3 || f[0] != "deb" {
			continue
		}
		f = f[1:]
		if strings.HasPrefix(f[0], "[") { // [signed-by=... arch=...]
			for len(f) > 0 && !strings.HasSuffix(f[0], "]") {
				f = f[1:]
			}
			if len(f) > 0 {
				f = f[1:]
			}
		}
		if len(f) >= 2 {
			out = append(out, aptSource{uri: strings.TrimRight(f[0], "/"), suite: f[1]})
		}
	}
	return out
}

// parseDeb822 reads stanzas with Types, URIs and Suites fields.
func parseDeb822(s string) []aptSource {
	var out []aptSource
	for _, stanza := range strings.Split(strings.ReplaceAll(s, "\r\n", "\n"), "\n\n") {
		fields := map[string]string{}
		for _, line := range strings.Split(stanza, "\n") {
			if strings.HasPrefix(strings.TrimSpace(line), "#") {
				continue
			}
			k, v, ok := strings.Cut(line, ":")
			if ok && !strings.HasPrefix(line, " ") {
				fields[strings.ToLower(strings.TrimSpace(k))] = strings.TrimSpace(v)
			}
		}
		if !strings.Contains(" "+fields["types"]+" ", " deb ") || strings.EqualFold(fields["enabled"], "no") {
			continue
		}
		for _, uri := range strings.Fields(fields["uris"]) {
			for _, suite := range strings.Fields(fields["suites"]) {
				out = append(out, aptSource{uri: strings.TrimRight(uri, "/"), suite: suite})
			}
		}
	}
	return out
}

// mirrorFor returns the URI of the first source for exactly suite, or
// DefaultMirror.
func mirrorFor(sources []aptSource, suite string) string {
	for _, s := range sources {
		if s.suite == suite && strings.HasPrefix(s.uri, "http") {
			return s.uri
		}
	}
	return DefaultMirror
}
