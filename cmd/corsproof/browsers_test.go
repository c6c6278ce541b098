package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
)

func TestRunBrowsersFlagUsageErrors(t *testing.T) {
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"run", "-browsers", "netscape"}, `unknown browser "netscape"`},
		{[]string{"run", "-browsers", " , "}, "names no browser"},
	} {
		var stdout, stderr bytes.Buffer
		code := Main(context.Background(), c.args, func(string) string { return "" }, &stdout, &stderr)
		if code != exitUsage || !strings.Contains(stderr.String(), c.want) {
			t.Errorf("%v: exit %d, stderr %q; want %d and %q", c.args, code, stderr.String(), exitUsage, c.want)
		}
	}
}
