package main

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/corsproof/corsproof/mockapi"
)

// cli runs Main with an empty environment and returns exit code and output.
func cli(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	code = Main(context.Background(), args, func(string) string { return "" }, &out, &errb)
	return code, out.String(), errb.String()
}

func TestUsageErrorsExitTwoAndSayWhat(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want string // in stderr
	}{
		{name: "no command", args: nil, want: "usage: corsproof"},
		{name: "unknown command", args: []string{"frobnicate"}, want: `unknown command "frobnicate"`},
		{name: "run with an unknown flag", args: []string{"run", "--nope"}, want: "unknown flag --nope"},
		{name: "run with a stray argument", args: []string{"run", "extra"}, want: `unexpected argument "extra"`},
		{name: "run with an unknown fault", args: []string{"run", "--fault", "no-such-fault"}, want: `no fault "no-such-fault"`},
		{name: "run with a label nothing carries", args: []string{"run", "--label", "origin:mars"}, want: `no scenario carries the label "origin:mars"`},
		{name: "run with labels no scenario carries together", args: []string{"run", "--label", "method:GET,method:PUT"}, want: `no scenario carries the labels "method:GET,method:PUT"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, _, stderr := cli(t, tt.args...)
			if code != exitUsage {
				t.Errorf("exit code = %d, want %d (stderr: %s)", code, exitUsage, stderr)
			}
			if !strings.Contains(stderr, tt.want) {
				t.Errorf("stderr lacks %q:\n%s", tt.want, stderr)
			}
		})
	}
}

func TestHelpExitsZeroAndListsCommands(t *testing.T) {
	code, stdout, _ := cli(t, "--help")
	if code != exitOK {
		t.Fatalf("exit code = %d", code)
	}
	for _, c := range commandNames() {
		if !strings.Contains(stdout, "  "+c+" ") {
			t.Errorf("help does not list %q:\n%s", c, stdout)
		}
	}
}

func TestFaultsListsEveryFaultOfTheGallery(t *testing.T) {
	code, stdout, _ := cli(t, "faults")
	if code != exitOK {
		t.Fatalf("exit code = %d", code)
	}
	faults := mockapi.Faults()
	if len(faults) < 20 {
		t.Fatalf("the gallery has %d faults, the issue asks for the whole list", len(faults))
	}
	for _, f := range faults {
		if !strings.Contains(stdout, f.Name) {
			t.Errorf("faults output lacks %s", f.Name)
		}
	}
}

func TestRunWithABrowserPathThatIsNotAProgramExitsThreeWithTheInstallHint(t *testing.T) {
	code, _, stderr := cli(t, "run", "--chrome", "/nonexistent/chromium")
	if code != exitInfra {
		t.Errorf("exit code = %d, want %d", code, exitInfra)
	}
	for _, want := range []string{"/nonexistent/chromium", "apt-get install -y chromium"} {
		if !strings.Contains(stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, stderr)
		}
	}
	if strings.Contains(stderr, "goroutine") || strings.Contains(stderr, "fork/exec") && !strings.Contains(stderr, "not an executable") {
		t.Errorf("raw error leaked:\n%s", stderr)
	}
}
