package screen

import (
	"strings"
	"testing"
)

func TestRender(t *testing.T) {
	tests := []struct {
		name  string
		md    string
		width int
		want  string
	}{
		{"prose wraps at the terminal's width", "one two three four five six seven eight nine ten", 22,
			"one two three four\nfive six seven eight\nnine ten"},
		{"prose wraps at most at the reading width", strings.Repeat("word ", 40), 140,
			strings.TrimSpace(strings.Repeat("word ", 19)) + "\n" + strings.TrimSpace(strings.Repeat("word ", 19)) + "\nword word"},
		{"a word is not split at its hyphen", "start the lesson named hello-intro now", 30,
			"start the lesson named\nhello-intro now"},
		{"inline code is never split and loses its backticks", "run `docker run --rm busybox true` now", 20,
			"run\ndocker run --rm busybox true\nnow"},
		{"punctuation stays with the code before it", "make `hello.txt`.", 80, "make hello.txt."},
		{"a code line is shown whole", "Run:\n\n```sh\ndocker inspect --format '{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}' web\n```", 40,
			"Run:\n\n  docker inspect --format '{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}' web"},
		{"list items indent their continuation lines", "- alpha beta gamma delta\n- one", 16,
			"• alpha beta\n  gamma delta\n• one"},
		{"numbered items too, under their text", "9. alpha beta gamma\n10. delta", 16,
			"9.  alpha beta\n    gamma\n10. delta"},
		{"Korean counts two columns a syllable", "컨테이너를 만들고 실행해요 이름을 지정해요", 22,
			"컨테이너를 만들고\n실행해요 이름을\n지정해요"},
		{"emphasis loses its markers", "a **bold** and *slanted* word", 80, "a bold and slanted word"},
		{"headings keep their level", "## Step 1 · A long title that wraps", 20,
			"## Step 1 · A long\n   title that wraps"},
		{"a quote has a bar", "> **Hint**\n>\n> do it", 80, "│ Hint\n│\n│ do it"},
		{"a table fits its columns", "| name | what |\n|---|---|\n| `-d` | detached |\n| `--rm` | remove it when it exits |", 80,
			"name  what\n────  ───────────────────────\n-d    detached\n--rm  remove it when it exits"},
		{"a table too wide wraps inside its columns", "| flag | meaning |\n|---|---|\n| `--network none` | a network namespace with loopback only |", 30,
			"flag            meaning\n──────────────  ──────────────\n--network none  a network\n                namespace with\n                loopback only"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Render(tt.md, Options{Width: tt.width + len(margin)})
			want := "\n" + indent(tt.want) + "\n\n"
			if got != want {
				t.Errorf("Render(%q, %d) =\n%s\nwant\n%s", tt.md, tt.width, got, want)
			}
		})
	}
}

func indent(s string) string {
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		if l != "" {
			lines[i] = margin + l
		}
	}
	return strings.Join(lines, "\n")
}

func TestRenderColor(t *testing.T) {
	got := Render("run `docker ps`", Options{Width: 80, Color: true})
	if want := "  run \x1b[38;5;203mdocker ps\x1b[0m\n"; !strings.Contains(got, want) {
		t.Errorf("Render with colour = %q, want it to contain %q", got, want)
	}
	if got := Render("run `docker ps` **now**", Options{Width: 80}); strings.Contains(got, "\x1b") {
		t.Errorf("Render without colour = %q, want no escape sequences", got)
	}
}

func TestInline(t *testing.T) {
	if got, want := Inline("It runs `docker kill` and **stops**.", false), "It runs docker kill and stops."; got != want {
		t.Errorf("Inline = %q, want %q", got, want)
	}
}

// A code span written over two source lines is one line on the screen,
// its line break a space (CommonMark), not a break in the middle.
func TestCodeSpanOverALineBreak(t *testing.T) {
	got := Render("if a service fails, `docker compose logs\ndb` shows why", Options{Width: 80})
	if want := "\n  if a service fails, docker compose logs db shows why\n\n"; got != want {
		t.Errorf("Render = %q, want %q", got, want)
	}
}

func TestWrap(t *testing.T) {
	got := Wrap("container postgres-sample is not running (it exited with code 0)\nsecond line", 30)
	want := []string{"container postgres-sample is", "not running (it exited with", "code 0)", "second line"}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("Wrap = %q, want %q", got, want)
	}
}

func TestWrapKeepsQuotedCommands(t *testing.T) {
	got := Wrap("fix it, then run `dockyard check` again", 22)
	want := []string{"fix it, then run", "`dockyard check` again"}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("Wrap = %q, want %q", got, want)
	}
}

// TestWrapBreaksLongQuotedCommands: a command wider than the line breaks
// between its words (the checker's hint to run a long docker exec ran
// past column 80 and the terminal wrapped it at column 0).
func TestWrapBreaksLongQuotedCommands(t *testing.T) {
	got := Wrap("run `docker exec shop sh -c 'test -e /app/app.sh'` yourself", 20)
	want := []string{"run `docker exec", "shop sh -c 'test -e", "/app/app.sh'`", "yourself"}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("Wrap = %q, want %q", got, want)
	}
	for _, l := range got {
		if Width(l) > 20 {
			t.Errorf("Wrap line %q is %d cells, want at most 20", l, Width(l))
		}
	}
}

func TestTruncate(t *testing.T) {
	for _, tc := range []struct {
		in    string
		width int
		want  string
	}{
		{"short", 10, "short"},
		{"exactly10!", 10, "exactly10!"},
		{"a longer line of text", 10, "a longer…"},
		{"이미지는 그대로예요", 9, "이미지는…"}, // two cells a syllable: never half of one
		{"이미지는 그대로예요", 10, "이미지는…"},
	} {
		if got := Truncate(tc.in, tc.width); got != tc.want || Width(got) > tc.width {
			t.Errorf("Truncate(%q, %d) = %q (%d cells), want %q", tc.in, tc.width, got, Width(got), tc.want)
		}
	}
}
