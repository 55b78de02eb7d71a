package cli

import (
	"fmt"
	"io"
	"strconv"
	"strings"
	"unicode"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/dockyard-lab/dockyard/lessons/i18n"
	"github.com/dockyard-lab/dockyard/lessons/screen"
)

// HelpWidth is the terminal width translated help is wrapped for: a
// Korean character takes two columns, and a line that runs past the edge
// wraps at column 0 under the indented text.
const HelpWidth = 80

// LocalizeHelp makes `--help` and `dockyard help` show the help of root and
// of every command under it but Docker's in the language lang returns
// (asked when a help is shown, after the command line's --lang is read),
// from that language's help catalog (i18n.Help). The catalog's keys are a
// command's path after "dockyard", dotted, then what the text is:
//
//	learn.short, learn.long, learn.example
//	learn.use                 the Use line, its placeholders translated
//	learn.flag.watch          a flag's usage; flag.lessons is any command's
//	                          --lessons with no text of its own
//	dockyard.short            the root command's
//	cobra.usage, cobra.flags  cobra's headings and words
//
// A text the catalog lacks is shown in English. English, and Docker's
// commands, whose help is Docker's and in English as Docker's CLI is, keep
// cobra's help unchanged.
func LocalizeHelp(root *cobra.Command, lang func() string) {
	// texts is the catalog for cmd's help, nil when cobra's is to be shown.
	texts := func(cmd *cobra.Command) HelpText {
		if IsDocker(cmd.CommandPath()) {
			return nil
		}
		return HelpText(i18n.Help(lang()))
	}
	englishHelp, englishUsage := root.HelpFunc(), root.UsageFunc()
	root.SetHelpFunc(func(cmd *cobra.Command, args []string) {
		if h := texts(cmd); len(h) > 0 {
			h.Write(cmd.OutOrStdout(), cmd)
			return
		}
		englishHelp(cmd, args)
	})
	// The usage alone: what `dockyard help nosuch` shows after its error.
	root.SetUsageFunc(func(cmd *cobra.Command) error {
		if h := texts(cmd); len(h) > 0 {
			h.WriteUsage(cmd.OutOrStderr(), cmd)
			return nil
		}
		return englishUsage(cmd)
	})
}

// HelpText is one language's help catalog (see LocalizeHelp).
type HelpText map[string]string

// Key is the catalog key of what (short, long, flag.NAME...) of cmd.
func Key(cmd *cobra.Command, what string) string {
	path := strings.Fields(cmd.CommandPath())
	if len(path) > 1 {
		path = path[1:] // the root's own texts are under its name
	}
	return strings.Join(path, ".") + "." + what
}

// text is the translation of what of cmd, else english.
func (h HelpText) text(cmd *cobra.Command, what, english string) string {
	if s, ok := h[Key(cmd, what)]; ok {
		return s
	}
	return english
}

// word is the translation of one of cobra's words (cobra.KEY), else
// english.
func (h HelpText) word(key, english string) string {
	if s, ok := h["cobra."+key]; ok {
		return s
	}
	return english
}

// Short is cmd's one-line description.
func (h HelpText) Short(cmd *cobra.Command) string { return h.text(cmd, "short", cmd.Short) }

// FlagUsage is the usage of f, a flag of cmd (its own or inherited): the
// command's text for it, else the one every command shares (flag.NAME).
func (h HelpText) FlagUsage(cmd *cobra.Command, f *pflag.Flag) string {
	if s, ok := h[Key(cmd, "flag."+f.Name)]; ok {
		return s
	}
	if s, ok := h["flag."+f.Name]; ok {
		return s
	}
	return f.Usage
}

// Write prints cmd's help as cobra's default help does (its
// defaultHelpFunc and defaultUsageFunc), in h's words.
func (h HelpText) Write(w io.Writer, cmd *cobra.Command) {
	desc := h.text(cmd, "long", cmd.Long)
	if desc == "" {
		desc = h.Short(cmd)
	}
	if desc = strings.TrimRightFunc(desc, unicode.IsSpace); desc != "" {
		fmt.Fprintf(w, "%s\n\n", desc)
	}
	if cmd.Runnable() || cmd.HasSubCommands() {
		h.WriteUsage(w, cmd)
	}
}

// WriteUsage prints cmd's usage (usage line, examples, commands, flags) as
// cobra's defaultUsageFunc does, in h's words.
func (h HelpText) WriteUsage(w io.Writer, cmd *cobra.Command) {
	command := h.word("command", "[command]")
	fmt.Fprint(w, h.word("usage", "Usage:"))
	if cmd.Runnable() {
		fmt.Fprintf(w, "\n  %s", h.useLine(cmd))
	}
	if cmd.HasAvailableSubCommands() {
		fmt.Fprintf(w, "\n  %s %s", cmd.CommandPath(), command)
	}
	if len(cmd.Aliases) > 0 {
		fmt.Fprintf(w, "\n\n%s\n  %s", h.word("aliases", "Aliases:"), cmd.NameAndAliases())
	}
	if cmd.HasExample() {
		fmt.Fprintf(w, "\n\n%s\n%s", h.word("examples", "Examples:"), h.text(cmd, "example", cmd.Example))
	}
	if cmd.HasAvailableSubCommands() {
		// Groups are left out: no Dockyard command has any.
		fmt.Fprintf(w, "\n\n%s", h.word("commands", "Available Commands:"))
		for _, sub := range cmd.Commands() {
			if sub.IsAvailableCommand() || sub.Name() == "help" {
				fmt.Fprintf(w, "\n  %-*s %s", sub.NamePadding(), sub.Name(), h.Short(sub))
			}
		}
	}
	if cmd.HasAvailableLocalFlags() {
		fmt.Fprintf(w, "\n\n%s\n%s", h.word("flags", "Flags:"), h.flagUsages(cmd, cmd.LocalFlags()))
	}
	if cmd.HasAvailableInheritedFlags() {
		fmt.Fprintf(w, "\n\n%s\n%s", h.word("global-flags", "Global Flags:"), h.flagUsages(cmd, cmd.InheritedFlags()))
	}
	if cmd.HasAvailableSubCommands() {
		fmt.Fprintf(w, "\n\n%s", fmt.Sprintf(h.word("more", `Use "%s --help" for more information about a command.`),
			cmd.CommandPath()+" "+command))
	}
	fmt.Fprintln(w)
}

// useLine is cmd.UseLine() with cmd's translated Use and cobra's "[flags]"
// in h's words.
func (h HelpText) useLine(cmd *cobra.Command) string {
	line := cmd.UseLine()
	if use, ok := h[Key(cmd, "use")]; ok && cmd.HasParent() {
		prefix := cmd.Parent().CommandPath() + " "
		line = prefix + use + strings.TrimPrefix(line, prefix+cmd.Use)
	}
	return strings.Replace(line, "[flags]", h.word("flags-placeholder", "[flags]"), 1)
}

// flagUsages lays out flags as pflag's FlagUsages does, in h's words, each
// usage wrapped at HelpWidth under its own start.
func (h HelpText) flagUsages(cmd *cobra.Command, flags *pflag.FlagSet) string {
	type row struct{ names, usage string }
	var rows []row
	widest := 0
	flags.VisitAll(func(f *pflag.Flag) {
		if f.Hidden {
			return
		}
		names := "      --" + f.Name
		if f.Shorthand != "" && f.ShorthandDeprecated == "" {
			names = "  -" + f.Shorthand + ", --" + f.Name
		}
		if value, _ := pflag.UnquoteUsage(f); value != "" {
			names += " " + value
		}
		names += optionalValue(f)
		usage := h.FlagUsage(cmd, f)
		if def, ok := ShownDefault(f); ok {
			usage += fmt.Sprintf(h.word("default", " (default %s)"), def)
		}
		rows = append(rows, row{names, usage})
		widest = max(widest, len(names))
	})
	var b strings.Builder
	for i, r := range rows {
		if i > 0 {
			b.WriteByte('\n')
		}
		lead := r.names + strings.Repeat(" ", widest-len(r.names)+3)
		b.WriteString(strings.Join(screen.WrapAfter(lead, r.usage, HelpWidth), "\n"))
	}
	return b.String()
}

// optionalValue is what pflag's FlagUsages shows after a flag's name for
// the value it takes when given without one (NoOptDefVal).
func optionalValue(f *pflag.Flag) string {
	if f.NoOptDefVal == "" {
		return ""
	}
	switch f.Value.Type() {
	case "string":
		return fmt.Sprintf("[=%q]", f.NoOptDefVal)
	case "bool", "boolfunc":
		if f.NoOptDefVal == "true" {
			return ""
		}
	case "count":
		if f.NoOptDefVal == "+1" {
			return ""
		}
	}
	return "[=" + f.NoOptDefVal + "]"
}

// ShownDefault is the default pflag's FlagUsages shows after f's usage,
// and whether it shows one: not for the zero value of f's type (pflag's
// defaultIsZeroValue), quoted for a string.
func ShownDefault(f *pflag.Flag) (string, bool) {
	var zero bool
	switch f.Value.Type() {
	case "bool":
		zero = f.DefValue == "false" || f.DefValue == ""
	case "duration":
		zero = f.DefValue == "0" || f.DefValue == "0s"
	case "int", "int8", "int32", "int64", "uint", "uint8", "uint16", "uint32", "uint64", "count", "float32", "float64":
		zero = f.DefValue == "0"
	case "string":
		zero = f.DefValue == ""
	case "ip", "ipMask", "ipNet":
		zero = f.DefValue == "<nil>"
	case "intSlice", "stringSlice", "stringArray":
		zero = f.DefValue == "[]"
	default:
		zero = f.DefValue == "false" || f.DefValue == "<nil>" || f.DefValue == "" || f.DefValue == "0"
	}
	if zero {
		return "", false
	}
	if f.Value.Type() == "string" {
		return strconv.Quote(f.DefValue), true
	}
	return f.DefValue, true
}
