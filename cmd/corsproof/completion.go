package main

import (
	"flag"
	"fmt"
	"io"
	"strings"

	"github.com/corsproof/corsproof"
	"github.com/corsproof/corsproof/mockapi"
)

func init() {
	register(command{
		name:    "completion",
		summary: "print a bash, zsh or fish completion script",
		usage:   []string{"completion bash|zsh|fish"},
		about: "Prints a script that completes corsproof's commands, each command's flags and the values of the flags " +
			"that take a fixed set (--fault, --browsers, --profile, ...). It is generated from the commands' own flag " +
			"definitions, so it always matches this binary.",
		examples: []string{
			"source <(corsproof completion bash)      # in ~/.bashrc",
			`corsproof completion zsh > "${fpath[1]}/_corsproof"   # then restart zsh`,
			"corsproof completion fish > ~/.config/fish/completions/corsproof.fish",
		},
		run: cmdCompletion,
	})
}

var completionShells = []string{"bash", "zsh", "fish"}

func cmdCompletion(e env, args []string) int {
	fs := e.flags("completion")
	if code, done := e.parse(fs, args); done {
		return code
	}
	if fs.NArg() != 1 {
		fmt.Fprintln(e.stderr, "corsproof completion: which shell? bash, zsh or fish, e.g. 'source <(corsproof completion bash)'")
		return exitUsage
	}
	cmds := completionCommands(e)
	switch sh := fs.Arg(0); sh {
	case "bash":
		writeBash(e.stdout, cmds)
	case "zsh":
		writeZsh(e.stdout, cmds)
	case "fish":
		writeFish(e.stdout, cmds)
	default:
		fmt.Fprintf(e.stderr, "corsproof completion: unknown shell %q%s: bash, zsh or fish\n", sh, didYouMean(sh, completionShells))
		return exitUsage
	}
	return exitOK
}

// compCommand is one command as a completion script sees it.
type compCommand struct {
	name, summary string
	flags         []compFlag
	// args are the values of its positional argument (help: the
	// commands; completion: the shells).
	args []string
}

type compFlag struct {
	name, usage string
	placeholder string // "" for a boolean flag
	file        bool   // the value is a path
	repeatable  bool
	values      []string // the value's fixed choices, if any
}

// flagChoices are the fixed values of flags, by flag name.
func flagChoices() map[string][]string {
	var faults []string
	for _, f := range mockapi.Faults() {
		faults = append(faults, f.Name)
	}
	engines := make([]string, len(corsproof.Engines))
	for i, e := range corsproof.Engines {
		engines[i] = string(e)
	}
	return map[string][]string{
		"fault":       faults,
		"browsers":    engines,
		"profile":     append([]string{"standard"}, engines...),
		"credentials": {"omit", "same-origin", "include"},
		"mode":        {"cors", "no-cors", "same-origin"},
		"redirect":    {"follow", "error", "manual"},
	}
}

// completionCommands reads every registered command's flags.
func completionCommands(e env) []compCommand {
	choices := flagChoices()
	var out []compCommand
	for _, name := range commandNames() {
		c := commands[name]
		cc := compCommand{name: name, summary: c.summary}
		switch name {
		case "help":
			cc.args = commandNames()
		case "completion":
			cc.args = completionShells
		}
		commandFlags(e, c).VisitAll(func(f *flag.Flag) {
			placeholder, usage := flagPlaceholder(f)
			if isBoolFlag(f) {
				placeholder = ""
			}
			_, repeatable := f.Value.(*multiFlag)
			cc.flags = append(cc.flags, compFlag{
				name: f.Name, usage: usage, placeholder: placeholder, repeatable: repeatable,
				file:   placeholder == "FILE" || placeholder == "DIR" || placeholder == "BINARY",
				values: choices[f.Name],
			})
		})
		out = append(out, cc)
	}
	return out
}

// shortText is a description fit for a completion menu: the usage's first
// clause, on one line, without the brackets, colons and backquotes the
// shells' completion syntax gives meaning to. Quote it for the shell.
func shortText(s string) string {
	for _, cut := range []string{";", "(", ", e.g."} {
		if i := strings.Index(s, cut); i > 0 {
			s = s[:i]
		}
	}
	s = strings.Map(func(r rune) rune {
		if strings.ContainsRune("[]:`\\", r) {
			return -1
		}
		return r
	}, s)
	s = strings.Join(strings.Fields(s), " ")
	if len(s) > 70 {
		s = s[:67] + "..."
	}
	return s
}

// zshQuote and fishQuote single-quote s for their shell.
func zshQuote(s string) string { return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'" }

func fishQuote(s string) string {
	return "'" + strings.NewReplacer(`\`, `\\`, "'", `\'`).Replace(s) + "'"
}

func writeBash(w io.Writer, cmds []compCommand) {
	var names []string
	for _, c := range cmds {
		names = append(names, c.name)
	}
	fmt.Fprintf(w, `# bash completion for corsproof, from 'corsproof completion bash'.
# Install: source <(corsproof completion bash)   (in ~/.bashrc)
_corsproof() {
    local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD-1]}
    COMPREPLY=()
    if [[ $COMP_CWORD -eq 1 ]]; then
        COMPREPLY=($(compgen -W '%s --help --version' -- "$cur"))
        return
    fi
    local flags=''
    case "${COMP_WORDS[1]} $prev" in
`, strings.Join(names, " "))
	for _, c := range cmds {
		for _, f := range c.flags {
			switch {
			case f.values != nil:
				fmt.Fprintf(w, "        '%s --%s') COMPREPLY=($(compgen -W '%s' -- \"$cur\")); return ;;\n", c.name, f.name, strings.Join(f.values, " "))
			case f.placeholder != "":
				// A value: leave it to bash's default (file names).
				fmt.Fprintf(w, "        '%s --%s') return ;;\n", c.name, f.name)
			}
		}
	}
	fmt.Fprintln(w, "    esac")
	fmt.Fprintln(w, `    case "${COMP_WORDS[1]}" in`)
	for _, c := range cmds {
		var words []string
		for _, f := range c.flags {
			words = append(words, "--"+f.name)
		}
		words = append(words, "--help")
		if c.args != nil {
			fmt.Fprintf(w, "        %s) [[ $COMP_CWORD -eq 2 && $cur != -* ]] && { COMPREPLY=($(compgen -W '%s' -- \"$cur\")); return; }\n",
				c.name, strings.Join(c.args, " "))
			fmt.Fprintf(w, "            flags='%s' ;;\n", strings.Join(words, " "))
			continue
		}
		fmt.Fprintf(w, "        %s) flags='%s' ;;\n", c.name, strings.Join(words, " "))
	}
	fmt.Fprint(w, `    esac
    if [[ $cur == -* || -z $cur ]]; then
        COMPREPLY=($(compgen -W "$flags" -- "$cur"))
    fi
}
complete -o default -F _corsproof corsproof
`)
}

func writeZsh(w io.Writer, cmds []compCommand) {
	fmt.Fprint(w, `#compdef corsproof
# zsh completion for corsproof, from 'corsproof completion zsh'.
# Install: corsproof completion zsh > "${fpath[1]}/_corsproof", or source <(corsproof completion zsh)
_corsproof() {
  local curcontext="$curcontext" state line
  local -a commands
  commands=(
`)
	for _, c := range cmds {
		fmt.Fprintf(w, "    %s\n", zshQuote(c.name+":"+shortText(c.summary)))
	}
	fmt.Fprint(w, `  )
  _arguments -C '1: :->command' '*:: :->args' && return
  case $state in
    command) _describe -t commands 'corsproof command' commands ;;
    args)
      case $words[1] in
`)
	for _, c := range cmds {
		fmt.Fprintf(w, "        %s) _arguments \\\n", c.name)
		for _, f := range c.flags {
			spec := fmt.Sprintf("--%s[%s]", f.name, shortText(f.usage))
			if f.repeatable {
				spec = "*" + spec
			}
			if f.placeholder != "" {
				action := " "
				switch {
				case f.values != nil:
					action = "(" + strings.Join(f.values, " ") + ")"
				case f.file:
					action = "_files"
				}
				spec += ":" + shortText(strings.ToLower(f.placeholder)) + ":" + action
			}
			fmt.Fprintf(w, "            %s \\\n", zshQuote(spec))
		}
		if c.args != nil {
			fmt.Fprintf(w, "            '1:%s:(%s)' \\\n", c.name, strings.Join(c.args, " "))
		}
		fmt.Fprintln(w, "            '(- *)--help[print the command help]' ;;")
	}
	fmt.Fprint(w, `      esac ;;
  esac
}
if [ "$funcstack[1]" = "_corsproof" ]; then
  _corsproof "$@"
else
  compdef _corsproof corsproof
fi
`)
}

func writeFish(w io.Writer, cmds []compCommand) {
	fmt.Fprint(w, `# fish completion for corsproof, from 'corsproof completion fish'.
# Install: corsproof completion fish > ~/.config/fish/completions/corsproof.fish
complete -c corsproof -f
`)
	for _, c := range cmds {
		fmt.Fprintf(w, "complete -c corsproof -n __fish_use_subcommand -a %s -d %s\n", c.name, fishQuote(shortText(c.summary)))
	}
	for _, c := range cmds {
		cond := fmt.Sprintf("'__fish_seen_subcommand_from %s'", c.name)
		for _, f := range c.flags {
			opts := ""
			switch {
			case f.values != nil:
				opts = fmt.Sprintf(" -x -a '%s'", strings.Join(f.values, " "))
			case f.file:
				opts = " -r -F"
			case f.placeholder != "":
				opts = " -x"
			}
			fmt.Fprintf(w, "complete -c corsproof -n %s -l %s%s -d %s\n", cond, f.name, opts, fishQuote(shortText(f.usage)))
		}
		fmt.Fprintf(w, "complete -c corsproof -n %s -l help -d 'print the command help'\n", cond)
		if c.args != nil {
			fmt.Fprintf(w, "complete -c corsproof -n %s -x -a '%s'\n", cond, strings.Join(c.args, " "))
		}
	}
}
