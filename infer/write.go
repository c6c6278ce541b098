package infer

import (
	"bytes"
	"fmt"
	"io"
	"strings"

	"go.yaml.in/yaml/v3"
)

// WriteYAML writes the inferred policy as a policy file: what was probed
// and every finding as comments at the top, then the policy.
func WriteYAML(w io.Writer, r *Result) error {
	var b bytes.Buffer
	fmt.Fprintf(&b, "# The CORS policy %s implements, as `corsproof infer` found it without a browser\n", r.Target)
	fmt.Fprintf(&b, "# (%d requests; trusted origins probed: %s; endpoints: %s).\n", r.Requests, orNone(r.Origins), orNone(r.Endpoints))
	b.WriteString("# It says what the server does, not what it should do: review it before you keep it,\n")
	b.WriteString("# then `corsproof check --policy FILE --target URL` proves it in real browsers.\n")
	if len(r.Findings) > 0 {
		b.WriteString("#\n# NOT A POLICY: what the server does that a policy cannot or should not say,\n")
		b.WriteString("# each with the cause check reports (and the bug it is):\n")
		for _, f := range r.Findings {
			name := string(f.Cause)
			if f.Bug != "" {
				name += " (" + f.Bug + ")"
			}
			comment(&b, "- "+name+": "+f.Text, "  ")
			if len(f.Endpoints) > 0 {
				comment(&b, "  at: "+strings.Join(f.Endpoints, ", "), "      ")
			}
			if f.Proof.Method != "" {
				comment(&b, "  proof: "+f.Proof.String(), "         ")
			}
		}
	}
	if len(r.Notes) > 0 {
		b.WriteString("#\n# Notes:\n")
		for _, n := range r.Notes {
			comment(&b, "- "+n, "  ")
		}
	}
	b.WriteString("\n")
	enc := yaml.NewEncoder(&b)
	enc.SetIndent(2)
	if err := enc.Encode(r.Policy); err != nil {
		return fmt.Errorf("infer: %w", err)
	}
	if err := enc.Close(); err != nil {
		return fmt.Errorf("infer: %w", err)
	}
	_, err := w.Write(b.Bytes())
	return err
}

func orNone(xs []string) string {
	if len(xs) == 0 {
		return "none"
	}
	return strings.Join(xs, ", ")
}

// comment writes text as "# " lines of at most 100 columns, continuation
// lines after indent.
func comment(b *bytes.Buffer, text, indent string) {
	const width = 100
	lead := text[:len(text)-len(strings.TrimLeft(text, " "))]
	line := "#"
	for i, word := range strings.Fields(text) {
		switch {
		case i == 0:
			line += " " + lead + word
		case len(line)+1+len(word) > width && strings.TrimSpace(strings.TrimPrefix(line, "#")) != "":
			b.WriteString(line + "\n")
			line = "# " + indent + word
		default:
			line += " " + word
		}
	}
	b.WriteString(line + "\n")
}
