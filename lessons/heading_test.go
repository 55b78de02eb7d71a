package lessons

import (
	"regexp"
	"testing"
)

// headingRE is what splitHeading reads a heading line as.
var headingRE = regexp.MustCompile(`^\s{0,3}#+\s*(.*?)\s*(\{[^}]*\})?\s*#*\s*$`)

func checkSplitHeading(t *testing.T, line string) {
	t.Helper()
	title, attrs, ok := splitHeading(line)
	m := headingRE.FindStringSubmatch(line)
	if ok != (m != nil) || ok && (title != m[1] || attrs != m[2]) {
		t.Errorf("splitHeading(%q) = %q, %q, %v; the regexp reads %q", line, title, attrs, ok, m)
	}
}

func TestSplitHeading(t *testing.T) {
	for _, line := range []string{
		"## Title {#id}", "## Title", "##", "#", "", "x", "    ## four spaces", "   ## three",
		"## Title ##", "## Title {#id} ##  ", "## C# ##", "## #", "##{a}", "## {a} {b}", "## a{b{c}",
		"## a}b}", "## a {b} c {#id}", "\n## a", "## a\n", "## a\nb", "## a\n{b}", "## {a\nb}",
		"## 컨테이너 {#containers}", "##\t탭\t{#t}\t#", "## a {#x .y z=1}", "## }{", "## {}", "###### six",
		"## a {b}#", "## a { b } # #",
	} {
		checkSplitHeading(t, line)
	}
}

func FuzzSplitHeading(f *testing.F) {
	for _, s := range []string{"## Title {#id}", "## a{b{c} ##", "  ## x\n{y}", "## a}b}"} {
		f.Add(s)
	}
	f.Fuzz(checkSplitHeading)
}
