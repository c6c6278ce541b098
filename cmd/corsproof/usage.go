package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"sort"
	"strings"
)

// command is one subcommand and what its --help says about it.
type command struct {
	name    string
	summary string // one line, in the command list
	// usage are the synopsis lines, each after "corsproof ".
	usage []string
	// about is the one-paragraph summary --help opens with.
	about string
	// env are the environment variables the command reads (see envDocs).
	env      []string
	examples []string
	// details follow the flags in --help (explain's file format).
	details string
	run     func(e env, args []string) int
}

var commands = map[string]command{}

func register(c command) {
	if c.name == "" || c.summary == "" || c.about == "" || len(c.usage) == 0 || c.run == nil {
		panic("register: command " + c.name + " lacks a name, summary, about, usage or run")
	}
	for _, v := range c.env {
		if _, ok := envDocs[v]; !ok {
			panic("register: command " + c.name + " reads " + v + ", which envDocs does not describe")
		}
	}
	commands[c.name] = c
}

// commandNames are the registered commands, sorted.
func commandNames() []string {
	names := make([]string, 0, len(commands))
	for n := range commands {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// flags is a new FlagSet for the named command. The flag package prints
// nothing: parse reports errors and help in corsproof's own words.
func (e env) flags(name string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	return fs
}

// parse parses args into fs. When it returns done, the command returns
// code at once: --help was printed (0), a flag was wrong (2), or e only
// describes the command's flags (see env.describe). A command calls it
// before it does anything else.
func (e env) parse(fs *flag.FlagSet, args []string) (code int, done bool) {
	if e.describe != nil {
		e.describe(fs)
		return exitOK, true
	}
	err := fs.Parse(args)
	switch {
	case err == nil:
		return exitOK, false
	case errors.Is(err, flag.ErrHelp):
		printHelp(e.stdout, commands[fs.Name()], fs)
		return exitOK, true
	}
	fmt.Fprintf(e.stderr, "corsproof %s: %s\n", fs.Name(), flagError(fs, err))
	fmt.Fprintf(e.stderr, "run 'corsproof %s --help' for its flags\n", fs.Name())
	return exitUsage, true
}

// flagError rewrites the flag package's error in --flag spelling, and
// suggests the nearest flag for one that does not exist.
func flagError(fs *flag.FlagSet, err error) string {
	msg := err.Error()
	if name, ok := strings.CutPrefix(msg, "flag provided but not defined: -"); ok {
		var names []string
		fs.VisitAll(func(f *flag.Flag) { names = append(names, f.Name) })
		hint := ""
		if c, ok := nearest(name, names); ok {
			hint = fmt.Sprintf(" (did you mean --%s?)", c)
		}
		return fmt.Sprintf("unknown flag --%s%s", name, hint)
	}
	if name, ok := strings.CutPrefix(msg, "flag needs an argument: -"); ok {
		return fmt.Sprintf("--%s needs a value", name)
	}
	// invalid value "x" for flag -name: ..., invalid boolean value "x" for -name: ...
	for _, sep := range []string{" for flag -", " for -"} {
		if i := strings.LastIndex(msg, sep); i >= 0 && strings.HasPrefix(msg, "invalid ") {
			return msg[:i] + " for --" + msg[i+len(sep):]
		}
	}
	return msg
}

// helpWidth is where --help wraps its prose.
const helpWidth = 100

// printHelp is a command's --help: synopsis, summary, flags in --flag
// spelling with their value placeholder and default, the environment it
// reads, and examples.
func printHelp(w io.Writer, c command, fs *flag.FlagSet) {
	for i, u := range c.usage {
		lead := "usage: "
		if i > 0 {
			lead = "       "
		}
		fmt.Fprintf(w, "%scorsproof %s\n", lead, u)
	}
	fmt.Fprintln(w)
	fmt.Fprintln(w, wrap(c.about, "", helpWidth))
	if fs != nil && hasFlags(fs) {
		fmt.Fprintln(w, "\nflags:")
		printFlags(w, fs)
	}
	if len(c.env) > 0 {
		fmt.Fprintln(w, "\nenvironment:")
		for _, v := range c.env {
			fmt.Fprintf(w, "  %s\n%s\n", v, wrap(envDocs[v], "        ", helpWidth))
		}
	}
	if len(c.examples) > 0 {
		fmt.Fprintln(w, "\nexamples:")
		for _, ex := range c.examples {
			fmt.Fprintf(w, "  %s\n", ex)
		}
	}
	if c.details != "" {
		fmt.Fprintln(w)
		fmt.Fprint(w, strings.TrimLeft(c.details, "\n"))
	}
}

func hasFlags(fs *flag.FlagSet) bool {
	n := 0
	fs.VisitAll(func(*flag.Flag) { n++ })
	return n > 0
}

// printFlags lists fs's flags as --name PLACEHOLDER, the usage below it.
func printFlags(w io.Writer, fs *flag.FlagSet) {
	fs.VisitAll(func(f *flag.Flag) {
		placeholder, text := flagPlaceholder(f)
		line := "  --" + f.Name
		if placeholder != "" {
			line += " " + placeholder
		}
		if d := flagDefault(f); d != "" {
			text += " (default " + d + ")"
		}
		fmt.Fprintf(w, "%s\n%s\n", line, wrap(text, "        ", helpWidth))
	})
}

// flagPlaceholder is the value's name and the usage text without its
// backquotes: the first `WORD` of the usage, else the value's type ("" for
// a boolean flag).
func flagPlaceholder(f *flag.Flag) (placeholder, text string) {
	name, text := flag.UnquoteUsage(f)
	if strings.Contains(f.Usage, "`") {
		return name, text
	}
	switch name {
	case "":
		return "", text
	case "int", "uint":
		return "N", text
	case "value":
		return "VALUE", text
	}
	return strings.ToUpper(name), text
}

// isBoolFlag reports whether f takes no value (--all, not --all true).
func isBoolFlag(f *flag.Flag) bool {
	b, ok := f.Value.(interface{ IsBoolFlag() bool })
	return ok && b.IsBoolFlag()
}

// flagDefault is f's default as --help shows it; "" for a zero value,
// which says nothing the usage does not.
func flagDefault(f *flag.Flag) string {
	switch f.DefValue {
	case "", "false", "0", "0s", "[]":
		return ""
	}
	if _, ok := f.Value.(*multiFlag); ok {
		return ""
	}
	if g, ok := f.Value.(flag.Getter); ok {
		if _, ok := g.Get().(string); ok {
			return fmt.Sprintf("%q", f.DefValue)
		}
	}
	return f.DefValue
}

// wrap fills text to width, each line after indent.
func wrap(text, indent string, width int) string {
	var b strings.Builder
	for pi, para := range strings.Split(text, "\n") {
		if pi > 0 {
			b.WriteByte('\n')
		}
		n := 0
		for i, word := range strings.Fields(para) {
			switch {
			case i == 0:
				b.WriteString(indent)
				n = len(indent)
			case n+1+len(word) > width:
				b.WriteString("\n" + indent)
				n = len(indent)
			default:
				b.WriteByte(' ')
				n++
			}
			b.WriteString(word)
			n += len(word)
		}
	}
	return b.String()
}

func init() {
	register(command{
		name:    "help",
		summary: "a command's flags, environment and examples",
		usage:   []string{"help [COMMAND]"},
		about: "Prints a command's help, the same as 'corsproof COMMAND --help': what it does, its flags, " +
			"the environment variables it reads and examples. Without a command, lists the commands.",
		examples: []string{"corsproof help check", "corsproof help"},
		run:      cmdHelp,
	})
}

func cmdHelp(e env, args []string) int {
	fs := e.flags("help")
	if code, done := e.parse(fs, args); done {
		return code
	}
	switch fs.NArg() {
	case 0:
		usage(e.stdout)
		return exitOK
	case 1:
	default:
		fmt.Fprintf(e.stderr, "corsproof help: one command at a time, not %q\n", strings.Join(fs.Args(), " "))
		return exitUsage
	}
	name := fs.Arg(0)
	c, ok := commands[name]
	if !ok {
		fmt.Fprintf(e.stderr, "corsproof help: unknown command %q%s; 'corsproof help' lists them\n", name, didYouMean(name, commandNames()))
		return exitUsage
	}
	return c.run(e, []string{"--help"})
}

// commandFlags is the FlagSet c parses, read without running it.
func commandFlags(e env, c command) *flag.FlagSet {
	var got *flag.FlagSet
	e.stdout, e.stderr = io.Discard, io.Discard
	e.describe = func(fs *flag.FlagSet) { got = fs }
	c.run(e, nil)
	return got
}
