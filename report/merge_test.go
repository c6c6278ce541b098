package report

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/corsproof/corsproof"
	"github.com/corsproof/corsproof/policy"
)

// written is runs as a JSON report and read back.
func written(t *testing.T, runs []corsproof.Run, m Meta) Document {
	t.Helper()
	var b bytes.Buffer
	if err := JSON(&b, runs, m); err != nil {
		t.Fatal(err)
	}
	d, err := ReadJSON(&b)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func docJSON(t *testing.T, d Document) string {
	t.Helper()
	var b bytes.Buffer
	if err := WriteDocument(&b, d); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

// A report read back gives the runs it was written from: the same report
// again, byte for byte, with results not run and a run that did not start.
func TestAReportReadBackWritesTheSameReport(t *testing.T) {
	interrupted, _ := interruptedRuns()
	m := Meta{Command: "run", Target: "embedded mock", Started: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)}
	for name, runs := range map[string][]corsproof.Run{
		"causes and notes":             causedRuns(),
		"not run":                      interrupted,
		"engines side by side":         crossRuns(),
		"an engine that did not start": {{Engine: corsproof.WebKit, Err: "webkit cannot start: no display"}},
	} {
		t.Run(name, func(t *testing.T) {
			d := written(t, runs, m)
			back, err := RunsOf(d)
			if err != nil {
				t.Fatal(err)
			}
			if got, want := docJSON(t, NewDocument(back, m)), docJSON(t, NewDocument(runs, m)); got != want {
				t.Errorf("read back, the report differs:\n%s\nwant\n%s", got, want)
			}
		})
	}
}

func TestReadJSONFileNamesTheFileAndWhatIsWrong(t *testing.T) {
	dir := t.TempDir()
	var good bytes.Buffer
	if err := JSON(&good, one(), Meta{Command: "run", Target: "embedded mock"}); err != nil {
		t.Fatal(err)
	}
	badVerdict := strings.Replace(good.String(), `"verdict": "pass"`, `"verdict": "passed"`, 1)
	for _, tt := range []struct {
		desc, body, want string
	}{
		{desc: "not JSON", body: "<html>", want: "not JSON"},
		{desc: "another kind of JSON", body: `{"endpoints": []}`, want: `not a corsproof JSON report (report/schema.json): /: lacks required property "run"`},
		{desc: "a wrong verdict", body: badVerdict, want: `/runs/0/results/0/verdict: "passed" is not one of`},
	} {
		path := filepath.Join(dir, strings.ReplaceAll(tt.desc, " ", "-")+".json")
		if err := os.WriteFile(path, []byte(tt.body), 0o644); err != nil {
			t.Fatal(err)
		}
		_, err := ReadJSONFile(path)
		if err == nil || !strings.HasPrefix(err.Error(), path+": ") || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: %v; want an error naming %s and %q", tt.desc, err, path, tt.want)
		}
	}
	var se *SchemaError
	if _, err := ReadJSON(strings.NewReader(badVerdict)); !errors.As(err, &se) || len(se.Violations) == 0 {
		t.Errorf("a report against the schema: %v, want a *SchemaError", err)
	}
	if _, err := ReadJSONFile(filepath.Join(dir, "absent.json")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a missing file: %v", err)
	}
}

// shardsOfRuns splits every run's results into n reports by position, as
// shards of a run in those engines would have.
func shardsOfRuns(runs []corsproof.Run, n int, m Meta) []Input {
	var in []Input
	for k := range n {
		var part []corsproof.Run
		for _, run := range runs {
			p := corsproof.Run{Engine: run.Engine, Version: run.Version, Err: run.Err}
			for i, r := range run.Results {
				if i%n == k {
					p.Results = append(p.Results, r)
				}
			}
			part = append(part, p)
		}
		sm := m
		sm.Shard = corsproof.Shard{I: k + 1, N: n}.String()
		sm.Started = m.Started.Add(time.Duration(k) * time.Minute)
		in = append(in, Input{Name: "shard-" + sm.Shard[:1] + ".json", Doc: NewDocument(part, sm)})
	}
	return in
}

// findingKeys is a document's findings as comparable lines, whatever the
// order its results came in.
func findingKeys(d Document) []string {
	var out []string
	for _, f := range d.Findings {
		ids := slices.Sorted(slices.Values(f.IDs))
		engines := make([]string, 0, len(f.Engines))
		for _, e := range f.Engines {
			engines = append(engines, string(e))
		}
		slices.Sort(engines)
		out = append(out, strings.Join([]string{f.Cause.Key(), string(f.Verdict), string(f.Severity), f.Label(),
			strings.Join(ids, ","), strings.Join(engines, ",")}, " | "))
	}
	slices.Sort(out)
	return out
}

func TestMergeOfShardsIsTheWholeRunsReport(t *testing.T) {
	runs := causedRuns()
	m := Meta{Command: "run", Target: "embedded mock", Fault: "reflect-origin", Started: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)}
	whole := NewDocument(runs, m)
	in := shardsOfRuns(runs, 3, m)
	slices.Reverse(in) // the order of the files does not matter
	merged, err := Merge(in)
	if err != nil {
		t.Fatal(err)
	}
	if len(merged.Notes) != 0 {
		t.Errorf("notes: %q", merged.Notes)
	}
	got := merged.Document()
	if g := got.Meta; g.Command != m.Command || g.Target != m.Target || g.Fault != m.Fault || g.Shard != "" || !g.Started.Equal(m.Started) {
		t.Errorf("meta %+v, want %+v (the earliest start, no shard)", got.Meta, m)
	}
	if g, w := findingKeys(got), findingKeys(whole); !slices.Equal(g, w) {
		t.Errorf("findings\n%s\nwant\n%s", strings.Join(g, "\n"), strings.Join(w, "\n"))
	}
	if len(got.Runs) != len(whole.Runs) {
		t.Fatalf("%d runs, want %d", len(got.Runs), len(whole.Runs))
	}
	for i := range whole.Runs {
		g, w := got.Runs[i], whole.Runs[i]
		if g.Engine != w.Engine || g.Version != w.Version || g.Summary != w.Summary {
			t.Errorf("run %d: %s %s %+v, want %s %s %+v", i, g.Engine, g.Version, g.Summary, w.Engine, w.Version, w.Summary)
		}
		verdicts := func(rs []JSONResult) map[string]string {
			out := map[string]string{}
			for _, r := range rs {
				c, _ := json.Marshal(r.Cause)
				out[r.ID] = string(r.Verdict) + " " + string(r.Severity) + " " + string(c)
			}
			return out
		}
		if g, w := verdicts(g.Results), verdicts(w.Results); !mapsEqual(g, w) {
			t.Errorf("%s: results %v, want %v", whole.Runs[i].Engine, g, w)
		}
	}
	rows := func(d Document) map[string]string {
		out := map[string]string{}
		for _, r := range d.Rows {
			c, _ := json.Marshal(r.Engines)
			out[r.ID] = string(c) + " " + r.Explanation
		}
		return out
	}
	if g, w := rows(got), rows(whole); !mapsEqual(g, w) {
		t.Errorf("rows %v, want %v", g, w)
	}
}

func mapsEqual(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

func TestMergePutsOtherEnginesSideBySide(t *testing.T) {
	m := Meta{Command: "check", Target: "https://api.example.test"}
	runs := crossRuns()
	var in []Input
	for _, run := range runs {
		in = append(in, Input{Name: string(run.Engine) + ".json", Doc: NewDocument([]corsproof.Run{run}, m)})
	}
	merged, err := Merge(in)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := docJSON(t, merged.Document()), docJSON(t, NewDocument(runs, m)); got != want {
		t.Errorf("three engines' reports merged:\n%s\nwant the three-engine report\n%s", got, want)
	}
}

func TestMergeRefusesReportsOfDifferentRuns(t *testing.T) {
	m := Meta{Command: "run", Target: "embedded mock"}
	shards := shardsOfRuns(one(), 2, m)
	other := func(f func(*Meta)) Input {
		x := shards[1]
		x.Name = "other.json"
		f(&x.Doc.Meta)
		return x
	}
	for _, tt := range []struct {
		desc string
		in   []Input
		want []string
	}{
		{desc: "nothing", want: []string{"no report to merge"}},
		{desc: "the same shard twice", in: []Input{shards[0], {Name: "again.json", Doc: shards[0].Doc}},
			want: []string{"chromium: again.json holds scenarios put-allowed, put-broken, dev-unknown and 1 more, which shard-1.json holds too"}},
		{desc: "another command", in: []Input{shards[0], other(func(m *Meta) { m.Command = "check" })},
			want: []string{`shard-1.json is a report of command "run", other.json of command "check": not one run`}},
		{desc: "another target", in: []Input{shards[0], other(func(m *Meta) { m.Target = "https://api.example.test" })},
			want: []string{`of target "embedded mock", other.json of target "https://api.example.test"`}},
		{desc: "another fault", in: []Input{shards[0], other(func(m *Meta) { m.Fault = "reflect-origin" })},
			want: []string{`of fault "", other.json of fault "reflect-origin"`}},
		{desc: "another split", in: []Input{shards[0], other(func(m *Meta) { m.Shard = "2/3" })},
			want: []string{"chromium: other.json is shard 2/3, shard-1.json of 2 shards: not shards of one split"}},
	} {
		_, err := Merge(tt.in)
		for _, w := range tt.want {
			if err == nil || !strings.Contains(err.Error(), w) {
				t.Errorf("%s: %v; want %q", tt.desc, err, w)
			}
		}
	}
}

func TestMergeNotesAMissingShardAndDifferentVersions(t *testing.T) {
	m := Meta{Command: "run", Target: "embedded mock"}
	shards := shardsOfRuns(one(), 4, m)
	shards[1].Doc.Runs[0].Version = "Chromium/2"
	merged, err := Merge([]Input{shards[0], shards[1], shards[3]})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		"chromium: the reports ran different versions (Chromium/1 / Chromium/2); merged as one engine",
		"chromium: shard 3/4 missing: the merged report holds 3 of 4 shards",
	}
	if !slices.Equal(merged.Notes, want) {
		t.Errorf("notes %q, want %q", merged.Notes, want)
	}
}

// The Document fields Merge does not make again are united: maps by key,
// lists by element; a key two reports give different values is an error.
func TestUniteFieldsUnitesMapsAndLists(t *testing.T) {
	type doc struct {
		Meta     string
		Policies map[string]string `json:"policies"`
		Sites    []string          `json:"sites"`
		Note     string            `json:"note"`
	}
	skip := map[string]bool{"Meta": true}
	dst := doc{Meta: "kept", Policies: map[string]string{"default": "a"}, Sites: []string{"app"}}
	src := doc{Meta: "ignored", Policies: map[string]string{"public": "b", "default": "a"}, Sites: []string{"evil", "app"}, Note: "n"}
	if err := uniteFields(reflectValue(&dst), reflectValue(src), "b.json", skip); err != nil {
		t.Fatal(err)
	}
	if dst.Meta != "kept" || len(dst.Policies) != 2 || !slices.Equal(dst.Sites, []string{"app", "evil"}) || dst.Note != "n" {
		t.Errorf("united: %+v", dst)
	}
	clash := doc{Policies: map[string]string{"default": "other"}, Note: "m"}
	err := uniteFields(reflectValue(&dst), reflectValue(clash), "c.json", skip)
	for _, w := range []string{"c.json: policies default differs from the same policies of an earlier report", "c.json: note differs"} {
		if err == nil || !strings.Contains(err.Error(), w) {
			t.Errorf("a clash: %v, want %q", err, w)
		}
	}
}

// reflectValue is x's value, the pointed-to struct for a pointer.
func reflectValue(x any) reflect.Value {
	v := reflect.ValueOf(x)
	if v.Kind() == reflect.Pointer {
		return v.Elem()
	}
	return v
}

// The policies and sites of the shards' reports (what repro --from needs)
// are the merged report's: their union, each once.
func TestMergeKeepsEveryShardsPoliciesAndSites(t *testing.T) {
	pol := func(origin string) *policy.Policy {
		p, err := policy.Parse("p.yaml", []byte("origins: ["+origin+"]\n"))
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	app := corsproof.Site{Name: "app", Origin: "https://app.example.test", Class: corsproof.ClassAllowed}
	evil := corsproof.Site{Name: "evil", Origin: "https://evil.test", Class: corsproof.ClassCrossSite}
	res := func(id, policyName, site string) corsproof.Result {
		return corsproof.Result{Scenario: corsproof.Scenario{ID: id, Policy: policyName, Site: site}, Verdict: corsproof.VerdictPass}
	}
	m := Meta{Command: "run", Target: "embedded mock",
		Policies: map[string]*policy.Policy{"default": pol("https://app.example.test"), "public": pol(`"*"`)},
		Sites:    []JSONSite{NewJSONSite(app, "https://app.example.test/page"), NewJSONSite(evil, "https://evil.test/page")}}
	whole := []corsproof.Run{{Engine: corsproof.Chromium, Results: []corsproof.Result{
		res("a", "default", "app"), res("b", "public", "evil"), res("c", "default", "evil")}}}
	var in []Input
	for i, part := range [][]corsproof.Result{whole[0].Results[:1], whole[0].Results[1:]} {
		sm := m
		sm.Shard = corsproof.Shard{I: i + 1, N: 2}.String()
		d := written(t, []corsproof.Run{{Engine: corsproof.Chromium, Results: part}}, sm)
		in = append(in, Input{Name: sm.Shard, Doc: d})
	}
	if len(in[0].Doc.Policies) != 1 || len(in[0].Doc.Sites) != 1 {
		t.Fatalf("shard 1 carries policies %v, sites %v: want only its own", in[0].Doc.Policies, in[0].Doc.Sites)
	}
	merged, err := Merge(in)
	if err != nil {
		t.Fatal(err)
	}
	got, want := merged.Document(), written(t, whole, m)
	if g, w := docJSON(t, Document{Policies: got.Policies, Sites: got.Sites}), docJSON(t, Document{Policies: want.Policies, Sites: want.Sites}); g != w {
		t.Errorf("merged policies and sites:\n%s\nwant the whole run's\n%s", g, w)
	}
}
