package main

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/dockyard-lab/dockyard/cmd/cli"
	"github.com/dockyard-lab/dockyard/cmd/factory"
	"github.com/dockyard-lab/dockyard/cmd/iostreams"
	"github.com/dockyard-lab/dockyard/lessons/i18n"
	"github.com/dockyard-lab/dockyard/lessons/screen"
)

var update = flag.Bool("update", false, "rewrite testdata/help with the current output")

// cleanLocale gives the test a language of its own: no --lang remembered
// in a progress file, no DOCKYARD_LANG, and the locale lang.
func cleanLocale(t *testing.T, lang string) {
	t.Helper()
	t.Setenv("XDG_STATE_HOME", t.TempDir())
	t.Setenv("SUDO_USER", "")
	for _, v := range []string{i18n.LangEnv, "LC_ALL", "LC_MESSAGES"} {
		t.Setenv(v, "")
	}
	t.Setenv("LANG", lang)
}

// runHelp runs argv and returns its standard output, failing on an error.
func runHelp(t *testing.T, argv ...string) string {
	t.Helper()
	ios, _, out, errOut := iostreams.Test()
	f := &factory.Factory{IOStreams: ios, Root: factory.DefaultRoot, Version: "test"}
	if code := run(f, append([]string{"dockyard"}, argv...)); code != 0 {
		t.Fatalf("dockyard %s = %d, want 0 (stderr %q)", strings.Join(argv, " "), code, errOut)
	}
	return out.String()
}

func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", "help", name)
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (go test -update writes it)", err)
	}
	if got != string(want) {
		t.Errorf("help differs from %s (go test -update rewrites it):\n%s", path, got)
	}
}

// TestHelpGolden: the root's help and a student command's, in Korean and
// in English, as a student sees them.
func TestHelpGolden(t *testing.T) {
	cleanLocale(t, "C.UTF-8")
	golden(t, "root.ko", runHelp(t, "--lang", "ko", "--help"))
	golden(t, "learn.ko", runHelp(t, "--lang", "ko", "learn", "--help"))
	golden(t, "root.en", runHelp(t, "--help"))
	golden(t, "learn.en", runHelp(t, "learn", "--help"))
}

// TestHelpLanguage: the help speaks the language the lessons do, however
// it is asked for and whichever way the language is chosen; Docker's
// commands keep Docker's English.
func TestHelpLanguage(t *testing.T) {
	const ko, en = "사용법:", "Usage:"
	for _, tc := range []struct {
		locale string
		argv   []string
		want   string
	}{
		{"C.UTF-8", []string{"--lang", "ko", "--help"}, ko},
		{"C.UTF-8", []string{"--lang", "ko"}, ko},
		{"C.UTF-8", []string{"--lang", "ko", "help"}, ko},
		{"C.UTF-8", []string{"--lang", "ko", "learn", "--help"}, ko},
		{"C.UTF-8", []string{"check", "--help", "--lang", "ko"}, ko},
		{"ko_KR.UTF-8", []string{"--help"}, ko},
		{"ko_KR.UTF-8", []string{"help", "check"}, ko},
		{"ko_KR.UTF-8", []string{"vm", "run", "-h"}, ko},
		{"ko_KR.UTF-8", []string{"help", "nosuch"}, ko},
		{"ko_KR.UTF-8", []string{"--lang", "en", "--help"}, en},
		{"ko_KR.UTF-8", []string{"--lang", "fr", "--help"}, en},
		{"ko_KR.UTF-8", []string{"docker", "--help"}, en},
		{"ko_KR.UTF-8", []string{"docker", "run", "--help"}, en},
		{"ko_KR.UTF-8", []string{"help", "docker", "ps"}, en},
		{"C.UTF-8", []string{"--help"}, en},
	} {
		cleanLocale(t, tc.locale)
		got := runHelp(t, tc.argv...)
		if !strings.Contains(got, "\n"+tc.want+"\n") {
			t.Errorf("LANG=%s dockyard %s: want %q in\n%s", tc.locale, strings.Join(tc.argv, " "), tc.want, got)
		}
	}
	t.Run("the language a lesson was started in", func(t *testing.T) {
		cleanLocale(t, "C.UTF-8")
		ios, _, _, _ := iostreams.Test()
		f := &factory.Factory{IOStreams: ios, Root: t.TempDir(), Version: "test"}
		run(f, []string{"dockyard", "--lang", "ko", "progress"})
		if got := runHelp(t, "reset", "--help"); !strings.Contains(got, ko) {
			t.Errorf("after --lang ko progress, reset --help =\n%s\nwant it in Korean", got)
		}
	})
}

// fullTree is the command tree with every lazy command built and cobra's
// help and completion commands added, as `dockyard --help` lists them.
func fullTree(t *testing.T) *cobra.Command {
	t.Helper()
	ios, _, _, _ := iostreams.Test()
	root := NewCmdRoot(&factory.Factory{IOStreams: ios, Root: factory.DefaultRoot, Version: "test"})
	cli.ExpandAll(root)
	root.InitDefaultHelpCmd()
	root.InitDefaultCompletionCmd()
	return root
}

// each calls fn on cmd and every command under it, with cobra's help
// and version flags added as a help shows them.
func each(cmd *cobra.Command, fn func(*cobra.Command)) {
	cmd.InitDefaultHelpFlag()
	cmd.InitDefaultVersionFlag()
	fn(cmd)
	for _, sub := range cmd.Commands() {
		each(sub, fn)
	}
}

// underDocker reports whether cmd lies under `dockyard docker`, whose
// help is Docker's English; docker itself has a Short in the root's list.
func underDocker(cmd *cobra.Command) bool {
	return cli.IsDocker(cmd.CommandPath()) && cmd.Name() != "docker"
}

// shortOnly are the commands whose Korean help may stop at their Short:
// the instructors' tools and cobra's shell scripts.
func shortOnly(cmd *cobra.Command) bool {
	path := strings.Fields(cmd.CommandPath())
	return len(path) > 1 && (path[1] == "author" || path[1] == "completion" || path[1] == "docker")
}

// shownFlags are the flags cmd's help lists.
func shownFlags(cmd *cobra.Command) []*pflag.Flag {
	var flags []*pflag.Flag
	for _, set := range []*pflag.FlagSet{cmd.LocalFlags(), cmd.InheritedFlags()} {
		set.VisitAll(func(f *pflag.Flag) {
			if !f.Hidden {
				flags = append(flags, f)
			}
		})
	}
	return flags
}

// TestHelpKoreanComplete walks the command tree: a command a student can
// list has a Korean Short, and one whose help a student opens has Korean
// for all of it, so that a command added without Korean fails here.
func TestHelpKoreanComplete(t *testing.T) {
	ko := cli.HelpText(i18n.Help("ko"))
	each(fullTree(t), func(cmd *cobra.Command) {
		if underDocker(cmd) || !cmd.IsAvailableCommand() && cmd.Name() != "help" {
			return
		}
		has := func(what string) bool { _, ok := ko[cli.Key(cmd, what)]; return ok }
		if !has("short") {
			t.Errorf("help.ko.yaml lacks %s: %q", cli.Key(cmd, "short"), cmd.Short)
		}
		if shortOnly(cmd) {
			return
		}
		if cmd.Long != "" && !has("long") {
			t.Errorf("help.ko.yaml lacks %s: %q", cli.Key(cmd, "long"), cmd.Long)
		}
		for _, f := range shownFlags(cmd) {
			if ko.FlagUsage(cmd, f) == f.Usage {
				t.Errorf("help.ko.yaml lacks %s (or flag.%s): %q", cli.Key(cmd, "flag."+f.Name), f.Name, f.Usage)
			}
		}
		if use, ok := ko[cli.Key(cmd, "use")]; ok && strings.Fields(use)[0] != cmd.Name() {
			t.Errorf("%s = %q, want it to start with %q", cli.Key(cmd, "use"), use, cmd.Name())
		}
	})
}

// TestHelpKoreanKeys: every key of help.ko.yaml names a command, a flag
// or a word of cobra's that is there, so a renamed command or flag does
// not leave its text behind; and a flag.NAME text shared by commands
// translates one English text, not two flags' that merely share a name.
func TestHelpKoreanKeys(t *testing.T) {
	ko := i18n.Help("ko")
	used := map[string]bool{}
	english := map[string][]string{} // flag.NAME -> the English it translates
	each(fullTree(t), func(cmd *cobra.Command) {
		if underDocker(cmd) {
			return
		}
		for _, what := range []string{"short", "long", "example", "use"} {
			used[cli.Key(cmd, what)] = true
		}
		for _, f := range shownFlags(cmd) {
			if key := cli.Key(cmd, "flag."+f.Name); ko[key] != "" {
				used[key] = true
				continue
			}
			used["flag."+f.Name] = true
			if f.Annotations[cobra.FlagSetByCobraAnnotation] == nil && !slices.Contains(english["flag."+f.Name], f.Usage) {
				english["flag."+f.Name] = append(english["flag."+f.Name], f.Usage)
			}
		}
	})
	for key := range ko {
		if !used[key] && !strings.HasPrefix(key, "cobra.") {
			t.Errorf("help.ko.yaml has %s, for no command or flag of that name", key)
		}
	}
	for key, texts := range english {
		if len(texts) > 1 && ko[key] != "" {
			t.Errorf("help.ko.yaml's %s translates flags of different English %q: give each command's its own key", key, texts)
		}
	}
}

// TestHelpKoreanFits: every line of every Korean help fits an 80-column
// terminal, a Korean character taking two columns.
func TestHelpKoreanFits(t *testing.T) {
	ko := cli.HelpText(i18n.Help("ko"))
	each(fullTree(t), func(cmd *cobra.Command) {
		if underDocker(cmd) || cmd.Name() == "docker" || cmd.HasParent() && cmd.Parent().Name() == "completion" {
			return // Docker's help, and cobra's English Long of a shell's script
		}
		var b bytes.Buffer
		ko.Write(&b, cmd)
		for line := range strings.Lines(b.String()) {
			line = strings.TrimSuffix(line, "\n")
			if w := screen.Width(line); w > cli.HelpWidth {
				t.Errorf("%s --help: a line of %d columns:\n%s", cmd.CommandPath(), w, line)
			}
		}
	})
}

// TestHelpEnglishUnchanged: in English, and for Docker's commands in any
// language, every command's help and usage are cobra's own.
func TestHelpEnglishUnchanged(t *testing.T) {
	cobraHelp, cobraUsage := (&cobra.Command{}).HelpFunc(), (&cobra.Command{}).UsageFunc()
	for _, lang := range []string{"en", "ko"} {
		cleanLocale(t, "C.UTF-8")
		t.Setenv(i18n.LangEnv, lang)
		each(fullTree(t), func(cmd *cobra.Command) {
			if lang == "ko" && !cli.IsDocker(cmd.CommandPath()) {
				return
			}
			var got, want bytes.Buffer
			cmd.SetOut(&got)
			cmd.HelpFunc()(cmd, nil)
			cmd.SetOut(&want)
			cobraHelp(cmd, nil)
			cmd.SetOut(nil)
			if got.String() != want.String() {
				t.Errorf("DOCKYARD_LANG=%s %s --help:\n%s\nwant cobra's:\n%s", lang, cmd.CommandPath(), got.String(), want.String())
			}
			got.Reset()
			want.Reset()
			cmd.SetOut(&got)
			_ = cmd.UsageFunc()(cmd)
			cmd.SetOut(&want)
			_ = cobraUsage(cmd)
			cmd.SetOut(nil)
			if got.String() != want.String() {
				t.Errorf("DOCKYARD_LANG=%s %s usage:\n%s\nwant cobra's:\n%s", lang, cmd.CommandPath(), got.String(), want.String())
			}
		})
	}
}

// TestShownDefault: the Korean help shows a flag's default exactly when
// pflag's English does, and the same value.
func TestShownDefault(t *testing.T) {
	ios, _, _, _ := iostreams.Test()
	root := NewCmdRoot(&factory.Factory{IOStreams: ios, Root: factory.DefaultRoot, Version: "test"})
	cli.ExpandAll(root)
	n := 0
	each(root, func(cmd *cobra.Command) {
		cmd.LocalFlags().VisitAll(func(f *pflag.Flag) {
			one := pflag.NewFlagSet("", pflag.ContinueOnError)
			one.AddFlag(&pflag.Flag{Name: f.Name, Usage: "USAGE", Value: f.Value, DefValue: f.DefValue})
			english := strings.TrimSpace(one.FlagUsages())
			_, tail, _ := strings.Cut(english, " USAGE")
			def, ok := cli.ShownDefault(f)
			if want := " (default " + def + ")"; ok && tail != want || !ok && tail != "" {
				t.Errorf("%s --%s: ShownDefault = %q, %v; pflag shows %q", cmd.CommandPath(), f.Name, def, ok, english)
			}
			n++
		})
	})
	if n < 500 {
		t.Errorf("checked %d flags, want the whole tree's", n)
	}
}

// TestUsageErrorsLanguage: the command line's own errors (an unknown
// command, a wrong number of arguments, an unknown flag) speak the help's
// language, with the same exit codes; Docker's stay Docker's English.
func TestUsageErrorsLanguage(t *testing.T) {
	for _, tc := range []struct {
		argv []string
		code int
		want string
	}{
		{[]string{"--lang", "ko", "chekc"}, 1, "오류: \"dockyard\"에는 \"chekc\"라는 명령이 없어요\n\n이 명령을 찾으셨나요?\n\tcheck\n\n"},
		{[]string{"--lang", "en", "chekc"}, 1, "Error: unknown command \"chekc\" for \"dockyard\"\n\nDid you mean this?\n\tcheck\n\n"},
		{[]string{"--lang", "ko", "step"}, 2, "dockyard: 'dockyard step'에는 인수가 1개 필요해요\n\n사용법:  dockyard step N\n\n자세한 내용은 'dockyard step --help'로 볼 수 있어요\n"},
		{[]string{"--lang", "en", "step"}, 2, "dockyard: 'dockyard step' requires 1 argument\n\nUsage:  dockyard step N\n\nRun 'dockyard step --help' for more information\n"},
		{[]string{"--lang", "ko", "learn", "--bogus"}, 2, "알 수 없는 옵션이에요: --bogus\n\n사용법:  dockyard learn [레슨]\n\n자세한 내용은 'dockyard learn --help'로 볼 수 있어요\n"},
		{[]string{"--lang", "en", "learn", "--bogus"}, 2, "unknown flag: --bogus\n\nUsage:  dockyard learn [lesson]\n\nRun 'dockyard learn --help' for more information\n"},
		{[]string{"--lang", "ko", "docker", "ps", "--bogus"}, 125, "unknown flag: --bogus\n\nUsage:  docker ps [OPTIONS]\n\nRun 'docker ps --help' for more information\n"},
	} {
		cleanLocale(t, "C.UTF-8")
		ios, _, _, errOut := iostreams.Test()
		f := &factory.Factory{IOStreams: ios, Root: t.TempDir(), Version: "test"}
		if code := run(f, append([]string{"dockyard"}, tc.argv...)); code != tc.code || errOut.String() != tc.want {
			t.Errorf("dockyard %s = %d, stderr\n%s\nwant %d, stderr\n%s", strings.Join(tc.argv, " "), code, errOut, tc.code, tc.want)
		}
	}
}
