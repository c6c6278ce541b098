// Command corsproof proves, in real browsers, that an HTTP API's CORS
// behaviour is what its owners claim.
//
//	corsproof run      the conformance catalog on the embedded mock API
//	corsproof check    a live API against its policy file
//	corsproof serve    the mock API and origin pages, for manual poking
//	corsproof audit    a server, without a browser
//	corsproof infer    the policy a live server implements, without a browser
//	corsproof explain  the Fetch model's decision for one request, step by step
//	corsproof repro    one scenario as a self-contained reproduction
//	corsproof faults   the mock's gallery of deliberate misconfigurations
//	corsproof version  corsproof's build and the browsers it finds
//	corsproof help     a command's flags, environment and examples
//	corsproof completion  a bash, zsh or fish completion script
//
// Exit codes: 0 clean, 1 a scenario did not match or was not tested (the
// target redirected it to a host outside the run), 2 usage or policy error,
// 3 infrastructure failure (no browser, cannot bind, target down), which
// outranks 1.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"sync"
	"syscall"
	"time"
)

// Exit codes.
const (
	exitOK       = 0
	exitMismatch = 1
	exitUsage    = 2
	exitInfra    = 3
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	go cutShort(ctx)
	code := Main(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// shutdownGrace is how long a command has, after SIGINT or SIGTERM, to
// notice the cancelled context and return on its own (closing its browser
// and listeners). Reading a policy from a pipe that never ends, or any
// step that does not look at its context, is cut short after it.
const shutdownGrace = 1500 * time.Millisecond

// cutShort waits for the signal, gives the command shutdownGrace, then
// runs the cleanups still registered (browsers first), then removes the
// report files still being written, and exits 3. A command interrupted
// mid-run writes its reports before it closes its browser, so they are
// on disk by then unless the machine is very slow; the browsers' close
// gives a late write its last chance.
func cutShort(ctx context.Context) {
	<-ctx.Done()
	time.Sleep(shutdownGrace)
	interrupts.run()
	halfWritten.run()
	fmt.Fprintln(os.Stderr, "corsproof: interrupted")
	os.Exit(exitInfra)
}

// interrupts are what must not outlive the process when a signal cuts a
// command short: the browsers and listeners a command started.
var interrupts cleanups

// halfWritten are the temporary files of report writes in progress (see
// writeReport): removed after interrupts, just before a cut-short exit.
var halfWritten cleanups

type cleanups struct {
	mu   sync.Mutex
	next int
	fns  map[int]func()
}

// add registers fn until the returned remove is called.
func (c *cleanups) add(fn func()) (remove func()) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.fns == nil {
		c.fns = map[int]func(){}
	}
	id := c.next
	c.next++
	c.fns[id] = fn
	return func() {
		c.mu.Lock()
		delete(c.fns, id)
		c.mu.Unlock()
	}
}

func (c *cleanups) run() {
	c.mu.Lock()
	fns := make([]func(), 0, len(c.fns))
	for _, fn := range c.fns {
		fns = append(fns, fn)
	}
	c.fns = nil
	c.mu.Unlock()
	var wg sync.WaitGroup
	for _, fn := range fns {
		wg.Add(1)
		go func() { defer wg.Done(); fn() }()
	}
	wg.Wait()
}

// env is the process environment, injectable for tests.
type env struct {
	ctx    context.Context
	getenv func(string) string
	stdout io.Writer
	stderr io.Writer
	// describe, when set, receives a command's FlagSet instead of the
	// command running: help and completion read every command's flags
	// from the same code that parses them (see env.parse).
	describe func(*flag.FlagSet)
}

// Main runs the CLI and returns its exit code. Ctrl-C cancels ctx; every
// command then closes its browser and listeners before returning.
func Main(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	e := env{ctx: ctx, getenv: getenv, stdout: stdout, stderr: stderr}
	if len(args) == 0 {
		usage(stderr)
		return exitUsage
	}
	switch args[0] {
	case "-h", "-help", "--help":
		usage(stdout)
		return exitOK
	case "-version", "--version":
		return commands["version"].run(e, args[1:])
	}
	c, ok := commands[args[0]]
	if !ok {
		msg := fmt.Sprintf("unknown command %q%s", args[0], didYouMean(args[0], commandNames()))
		if strings.HasPrefix(args[0], "-") {
			msg = fmt.Sprintf("%q before the command: flags follow it, as in 'corsproof run %s'", args[0], args[0])
		}
		fmt.Fprintf(stderr, "corsproof: %s\n\n", msg)
		usage(stderr)
		return exitUsage
	}
	return c.run(e, args[1:])
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "usage: corsproof <command> [flags]")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "commands:")
	for _, n := range commandNames() {
		fmt.Fprintf(w, "  %-11s %s\n", n, commands[n].summary)
	}
	fmt.Fprintln(w)
	fmt.Fprintln(w, "exit codes: 0 clean, 1 mismatch or not tested (redirected to a host outside the run), 2 usage or policy error,")
	fmt.Fprintln(w, "            3 infrastructure failure (outranks 1)")
	fmt.Fprintln(w, "run 'corsproof help <command>' or 'corsproof <command> --help' for a command's flags, environment and examples")
}

// multiFlag collects a repeatable string flag.
type multiFlag []string

func (m *multiFlag) String() string     { return strings.Join(*m, ", ") }
func (m *multiFlag) Set(v string) error { *m = append(*m, v); return nil }
