package report

import (
	"encoding/json"
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"reflect"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/corsproof/corsproof"
	"github.com/corsproof/corsproof/internal/schematest"
	"github.com/corsproof/corsproof/spec"
)

// validate is schematest.Validate: the subset of JSON Schema that
// schema.json uses, every violation with its JSON pointer.
var validate = schematest.Validate

// causedRuns is sample with the causes and notes the judge gives, run in
// two engines: every kind of finding (security first, notes last) and a
// cause that shows in both engines.
func causedRuns() []corsproof.Run {
	causes := map[string]*corsproof.Cause{
		"put-evil-long-scenario-name": {Kind: corsproof.CauseOriginAccepted, Exchange: "actual",
			Header: "Access-Control-Allow-Origin", Value: "https://evil.test", Sent: true, Subject: "echo"},
		"put-broken": {Kind: corsproof.CauseAllowOriginMissing, Exchange: "preflight", Header: "Access-Control-Allow-Origin"},
		"dev-known":  {Kind: corsproof.CauseKnownDeviation, Subject: spec.DevCacheTokensLiteral},
		"dev-unknown": {Kind: corsproof.CauseUnknownDeviation, Exchange: "preflight", Header: "Access-Control-Allow-Headers",
			Unseen: true, Subject: "blocked a header the server allows"},
		"infra":           {Kind: corsproof.CauseError, Subject: "browser died"},
		"redirected-away": sampleAwayCause(),
	}
	notes := map[string][]corsproof.Cause{
		"put-allowed":                 {{Kind: corsproof.CauseMaxAgeDiffers, Exchange: "preflight", Header: "Access-Control-Max-Age", Value: "600", Sent: true, Subject: "60"}},
		"put-evil-long-scenario-name": {{Kind: corsproof.CauseVaryMissing, Exchange: "actual", Header: "Vary"}},
	}
	var runs []corsproof.Run
	for _, e := range []corsproof.Engine{corsproof.Chromium, corsproof.Firefox} {
		results := sample()
		for i := range results {
			r := &results[i]
			r.Cause, r.Notes = causes[r.Scenario.ID], notes[r.Scenario.ID]
		}
		runs = append(runs, corsproof.Run{Engine: e, Version: strings.ToUpper(string(e[:1])) + string(e[1:]) + "/1", Results: results})
	}
	return runs
}

func TestJSONReportWithCausesAndNotesMatchesItsSchema(t *testing.T) {
	doc := decode(t, causedRuns())
	mustValid(t, doc)
	evil := at(t, doc, "runs", 1, "results", 1).(map[string]any)
	if at(t, evil, "cause", "kind") != "origin-accepted" || at(t, evil, "cause", "sent") != true ||
		at(t, evil, "notes", 0, "kind") != "vary-origin-missing" {
		t.Errorf("the evil result's cause and notes: %v, %v", evil["cause"], evil["notes"])
	}
	if _, ok := at(t, doc, "runs", 0, "results", 0).(map[string]any)["cause"]; ok {
		t.Error("a pass has a cause")
	}
	fs := doc["findings"].([]any)
	// Six causes and two notes, each counted once over both engines.
	if len(fs) != 8 {
		t.Fatalf("%d findings, want 8: %v", len(fs), fs)
	}
	first := fs[0].(map[string]any)
	if at(t, first, "cause", "kind") != "origin-accepted" || first["severity"] != "security" || first["count"] != 2.0 ||
		len(first["engines"].([]any)) != 2 || first["example_id"] != "put-evil-long-scenario-name" || first["example_engine"] != "chromium" ||
		!strings.Contains(first["line"].(string), "https://evil.test") || first["advice"] == "" {
		t.Errorf("first finding: %v", first)
	}
	if last := fs[len(fs)-1].(map[string]any); last["note"] != true {
		t.Errorf("the last finding is no note: %v", last)
	}
}

func TestSchemaRejectsWrongFindingsAndCauses(t *testing.T) {
	tests := []struct {
		desc   string
		mutate func(doc map[string]any)
		want   string
	}{
		{desc: "no findings", want: `lacks required property "findings"`, mutate: func(d map[string]any) { delete(d, "findings") }},
		{desc: "findings not a list", want: "/findings: is object, want array", mutate: func(d map[string]any) { d["findings"] = map[string]any{} }},
		{desc: "unknown cause kind in a finding", want: "/findings/0/cause/kind", mutate: func(d map[string]any) {
			at(t, d, "findings", 0, "cause").(map[string]any)["kind"] = "origin-echoed"
		}},
		{desc: "finding without its line", want: `/findings/0: lacks required property "line"`, mutate: func(d map[string]any) {
			delete(at(t, d, "findings", 0).(map[string]any), "line")
		}},
		{desc: "unknown field of a finding", want: `/findings/0: has property "fix"`, mutate: func(d map[string]any) {
			at(t, d, "findings", 0).(map[string]any)["fix"] = "x"
		}},
		{desc: "count as a string", want: "/findings/0/count: is string", mutate: func(d map[string]any) {
			at(t, d, "findings", 0).(map[string]any)["count"] = "2"
		}},
		{desc: "unknown verdict of a finding", want: "/findings/0/verdict", mutate: func(d map[string]any) {
			at(t, d, "findings", 0).(map[string]any)["verdict"] = "security"
		}},
		{desc: "result cause without kind", want: `/runs/0/results/1/cause: lacks required property "kind"`, mutate: func(d map[string]any) {
			delete(at(t, d, "runs", 0, "results", 1, "cause").(map[string]any), "kind")
		}},
		{desc: "result cause with an unknown exchange", want: "/runs/0/results/1/cause/exchange", mutate: func(d map[string]any) {
			at(t, d, "runs", 0, "results", 1, "cause").(map[string]any)["exchange"] = "response"
		}},
		{desc: "unknown field of a cause", want: `/runs/0/results/1/cause: has property "line"`, mutate: func(d map[string]any) {
			at(t, d, "runs", 0, "results", 1, "cause").(map[string]any)["line"] = "x"
		}},
		{desc: "a note that is a string", want: "/runs/0/results/0/notes/0: is string, want object", mutate: func(d map[string]any) {
			at(t, d, "runs", 0, "results", 0).(map[string]any)["notes"] = []any{"vary"}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.desc, func(t *testing.T) {
			doc := decode(t, causedRuns())
			tt.mutate(doc)
			errs, err := validate(Schema, doc)
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(strings.Join(errs, "\n"), tt.want) {
				t.Errorf("violations %q lack %q", errs, tt.want)
			}
		})
	}
}

// The schema's cause kinds are the package's: a kind added to cause.go
// without the schema would make every report that has it invalid.
func TestSchemaListsEveryCauseKind(t *testing.T) {
	kinds := stringConsts(t, "CauseKind")
	if len(kinds) < 20 {
		t.Fatalf("found %d cause kinds in package corsproof: the parse is wrong", len(kinds))
	}
	var schema struct {
		Defs struct {
			Cause struct {
				Properties struct {
					Kind struct {
						Enum []string `json:"enum"`
					} `json:"kind"`
				} `json:"properties"`
			} `json:"cause"`
		} `json:"$defs"`
	}
	if err := json.Unmarshal(Schema, &schema); err != nil {
		t.Fatal(err)
	}
	enum := schema.Defs.Cause.Properties.Kind.Enum
	sort.Strings(kinds)
	sort.Strings(enum)
	if !slices.Equal(kinds, enum) {
		t.Errorf("schema cause kinds %v\nwant (package corsproof) %v", enum, kinds)
	}
}

// The schema's objects have the fields the Go types encode, no more, and
// require exactly those that are never omitted: a field added to a type
// without the schema would make every report invalid.
func TestSchemaNamesEveryFieldOfTheTypes(t *testing.T) {
	var root struct {
		Defs map[string]struct {
			Required   []string                   `json:"required"`
			Properties map[string]json.RawMessage `json:"properties"`
		} `json:"$defs"`
	}
	if err := json.Unmarshal(Schema, &root); err != nil {
		t.Fatal(err)
	}
	for def, v := range map[string]any{
		"finding": corsproof.Finding{}, "cause": corsproof.Cause{}, "result": JSONResult{},
		"engine_run": JSONRun{}, "row": JSONRow{}, "cell": JSONCell{}, "summary": Summary{}, "site": JSONSite{},
	} {
		d, ok := root.Defs[def]
		if !ok {
			t.Errorf("the schema has no $defs/%s", def)
			continue
		}
		var fields, required []string
		typ := reflect.TypeOf(v)
		for i := range typ.NumField() {
			f := typ.Field(i)
			name, opts, _ := strings.Cut(f.Tag.Get("json"), ",")
			if !f.IsExported() || name == "-" {
				continue
			}
			if name == "" {
				name = f.Name
			}
			fields = append(fields, name)
			if !slices.Contains(strings.Split(opts, ","), "omitempty") {
				required = append(required, name)
			}
		}
		var props []string
		for p := range d.Properties {
			props = append(props, p)
		}
		sort.Strings(fields)
		sort.Strings(props)
		sort.Strings(required)
		req := slices.Clone(d.Required)
		sort.Strings(req)
		if !slices.Equal(fields, props) {
			t.Errorf("$defs/%s has properties %v, %T encodes %v", def, props, v, fields)
		}
		if !slices.Equal(required, req) {
			t.Errorf("$defs/%s requires %v, %T always encodes %v", def, req, v, required)
		}
	}
}

// verdictConsts are the Verdict constants package corsproof declares.
func verdictConsts(t *testing.T) []string {
	t.Helper()
	out := stringConsts(t, "Verdict")
	if len(out) < 4 {
		t.Fatalf("found %d verdicts in package corsproof: the parse is wrong", len(out))
	}
	sort.Strings(out)
	return out
}

// Every verdict the package declares is in corsproof.Verdicts and in each
// verdict enum of the schema (a finding's has all but not-run: a scenario
// not run claims nothing, so it is no finding): a verdict added without
// them would make every report that has it invalid.
func TestSchemaListsEveryVerdict(t *testing.T) {
	want := verdictConsts(t)
	var listed []string
	for _, v := range corsproof.Verdicts {
		listed = append(listed, string(v))
	}
	sort.Strings(listed)
	if !slices.Equal(listed, want) {
		t.Errorf("corsproof.Verdicts = %v, the package declares %v", listed, want)
	}
	var schema struct {
		Defs map[string]struct {
			Properties struct {
				Verdict struct {
					Enum []string `json:"enum"`
				} `json:"verdict"`
			} `json:"properties"`
		} `json:"$defs"`
	}
	if err := json.Unmarshal(Schema, &schema); err != nil {
		t.Fatal(err)
	}
	for def, without := range map[string]string{"result": "", "finding": string(corsproof.VerdictNotRun), "cell": ""} {
		enum := slices.Clone(schema.Defs[def].Properties.Verdict.Enum)
		sort.Strings(enum)
		w := slices.DeleteFunc(slices.Clone(want), func(v string) bool { return v == without })
		if !slices.Equal(enum, w) {
			t.Errorf("$defs/%s verdicts %v, want %v", def, enum, w)
		}
	}
}

// Each verdict has a count of its own in the summary and a class of its
// own in the HTML report: none falls into another's (an error's) by
// default.
func TestEveryVerdictIsCountedAndColouredApart(t *testing.T) {
	counts, classes := map[Summary]corsproof.Verdict{}, map[string]corsproof.Verdict{}
	for _, v := range corsproof.Verdicts {
		r := corsproof.Result{Verdict: v}
		s := Summarize([]corsproof.Result{r})
		if other, dup := counts[s]; dup {
			t.Errorf("%s and %s are counted alike: %+v", v, other, s)
		}
		counts[s] = v
		c := VerdictClass(r)
		if other, dup := classes[c]; dup {
			t.Errorf("%s and %s have one HTML class %q", v, other, c)
		}
		classes[c] = v
		if _, ok := classRank[c]; !ok {
			t.Errorf("HTML class %q of %s has no rank", c, v)
		}
	}
}

// stringConsts are the string values of the constants of type typeName
// that package corsproof declares, read from its source.
func stringConsts(t *testing.T, typeName string) []string {
	t.Helper()
	files, err := filepath.Glob("../*.go")
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(token.NewFileSet(), name, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range f.Decls {
			g, ok := d.(*ast.GenDecl)
			if !ok || g.Tok != token.CONST {
				continue
			}
			for _, s := range g.Specs {
				v := s.(*ast.ValueSpec)
				if id, ok := v.Type.(*ast.Ident); !ok || id.Name != typeName {
					continue
				}
				for _, x := range v.Values {
					if lit, ok := x.(*ast.BasicLit); ok && lit.Kind == token.STRING {
						k, _ := strconv.Unquote(lit.Value)
						out = append(out, k)
					}
				}
			}
		}
	}
	return out
}

// Every State the root package declares is in the schema's enum of a
// result's state: a kind added without it would make reports invalid.
func TestSchemaListsEveryState(t *testing.T) {
	want := stringConsts(t, "State")
	var schema struct {
		Defs map[string]struct {
			Properties struct {
				State struct {
					Items struct {
						Enum []string `json:"enum"`
					} `json:"items"`
				} `json:"state"`
			} `json:"properties"`
		} `json:"$defs"`
	}
	if err := json.Unmarshal(Schema, &schema); err != nil {
		t.Fatal(err)
	}
	got := slices.Clone(schema.Defs["result"].Properties.State.Items.Enum)
	sort.Strings(got)
	sort.Strings(want)
	if len(want) == 0 || !slices.Equal(got, want) {
		t.Errorf("$defs/result state enum %v, the package declares %v", got, want)
	}
}
