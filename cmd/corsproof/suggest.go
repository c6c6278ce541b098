package main

import (
	"fmt"
	"net"
	"net/url"
	"strings"

	"github.com/corsproof/corsproof/internal/textdist"
)

// nearest is the candidate closest to got by edit distance, if one is
// close enough to be a typo: at most a third of got's length in edits
// (at least one, at most three), never got itself. Ties go to the first.
func nearest(got string, candidates []string) (string, bool) {
	limit := min(max(len(got)/3, 1), 3)
	best, bestDist := "", limit+1
	for _, c := range candidates {
		if c == got {
			continue
		}
		if d := textdist.Levenshtein(strings.ToLower(got), strings.ToLower(c)); d < bestDist {
			best, bestDist = c, d
		}
	}
	return best, best != ""
}

// didYouMean is ` (did you mean "x"?)` for the nearest candidate, or "".
func didYouMean(got string, candidates []string) string {
	if c, ok := nearest(got, candidates); ok {
		return fmt.Sprintf(" (did you mean %q?)", c)
	}
	return ""
}

// targetSchemeError is the usage error for a --target written without a
// scheme ("api.example.com", "localhost:8080"), with the fixed value; nil
// when raw has one. A loopback host is most often a plain-http dev server.
func targetSchemeError(raw string) error {
	if raw == "" || strings.Contains(raw, "://") {
		return nil
	}
	hostport, _, _ := strings.Cut(strings.TrimPrefix(raw, "//"), "/")
	host := hostport
	if h, _, err := net.SplitHostPort(hostport); err == nil {
		host = h
	}
	if u, err := url.Parse(raw); err == nil && (u.Scheme == "http" || u.Scheme == "https") {
		// "https:api.example.com": a scheme without the slashes.
		return fmt.Errorf("--target %q: write %s://%s", raw, u.Scheme, strings.TrimLeft(u.Opaque+u.Path, "/"))
	}
	fixed := "https://" + strings.TrimPrefix(raw, "//")
	if ip := net.ParseIP(host); host == "localhost" || ip != nil && ip.IsLoopback() {
		fixed = "http://" + strings.TrimPrefix(raw, "//")
		return fmt.Errorf("--target %q has no scheme: add http:// (or https:// if it serves TLS): --target %s", raw, fixed)
	}
	return fmt.Errorf("--target %q has no scheme: add https://: --target %s", raw, fixed)
}
