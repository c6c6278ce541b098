package audit

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
)

// WriteText writes the findings as a table, under each the endpoints where
// it shows (when the policy's endpoints were probed) and the proving probe,
// and a summary line.
func WriteText(w io.Writer, r *Report) {
	fmt.Fprintf(w, "audit of %s: %d requests, trusted origins %s", r.Target, r.Requests, strings.Join(r.Trusted, ", "))
	if !r.Policy {
		fmt.Fprint(w, " (no policy: only what no server should do is a failure)")
	}
	fmt.Fprintln(w)
	if len(r.Endpoints) > 0 {
		fmt.Fprintf(w, "endpoints probed: %s\n", strings.Join(r.Endpoints, ", "))
	}
	if len(r.Findings) == 0 {
		fmt.Fprintln(w, "no findings")
		return
	}
	fmt.Fprintln(w)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "SEVERITY\tFINDING\tTITLE")
	for _, f := range r.Findings {
		fmt.Fprintf(tw, "%s\t%s\t%s\n", f.Severity, f.ID, f.Title)
		if len(f.Endpoints) > 0 {
			fmt.Fprintf(tw, "\t\t  at: %s\n", strings.Join(f.Endpoints, ", "))
		}
		fmt.Fprintf(tw, "\t\t  probe: %s\n", f.Probe)
		if h := probeHeaders(f.Probe); h != "" {
			fmt.Fprintf(tw, "\t\t  answer: %s\n", h)
		}
		fmt.Fprintf(tw, "\t\t  why: %s\n", f.Explanation)
	}
	tw.Flush()
	counts := map[Severity]int{}
	for _, f := range r.Findings {
		counts[f.Severity]++
	}
	fmt.Fprintf(w, "\n%d findings: %d security, %d broken, %d info\n", len(r.Findings),
		counts[SeveritySecurity], counts[SeverityBroken], counts[SeverityInfo])
}

func probeHeaders(x Exchange) string {
	var parts []string
	for _, h := range x.ResponseHeaders {
		parts = append(parts, fmt.Sprintf("%s: %s", h.Name, h.Value))
	}
	if len(parts) == 0 {
		return "no CORS headers"
	}
	return strings.Join(parts, " | ")
}

// WriteJSON writes the report as indented JSON.
func WriteJSON(w io.Writer, r *Report) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	if err := enc.Encode(r); err != nil {
		return fmt.Errorf("audit json: %w", err)
	}
	return nil
}
