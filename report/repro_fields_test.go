package report

import (
	"bytes"
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/corsproof/corsproof"
	"github.com/corsproof/corsproof/policy"
)

// reproMeta is a run's meta with the policies and sites it served: more
// than its results name, so that the report is seen to keep only those.
func reproMeta() Meta {
	sites := []JSONSite{
		NewJSONSite(corsproof.Site{Name: "app", Origin: "https://app.example.test", Class: corsproof.ClassAllowed}, "https://app.example.test/"),
		NewJSONSite(corsproof.Site{Name: "evil", Origin: "https://evil.test", Class: corsproof.ClassCrossSite}, "https://evil.test/"),
		NewJSONSite(corsproof.Site{Name: "null", Origin: "null", Class: corsproof.ClassNull, Host: "https://null.example.test", Sandboxed: true},
			"https://null.example.test/__corsproof/sandboxed"),
		NewJSONSite(corsproof.Site{Name: "unused", Origin: "https://unused.test", Class: corsproof.ClassCrossSite}, "https://unused.test/"),
	}
	return Meta{Command: "run", Target: "embedded mock", Started: time.Now(),
		Policies: map[string]*policy.Policy{"default": policy.Default(), "unused": policy.Default()}, Sites: sites}
}

// The report keeps the policies and origin pages its results name (what
// repro --from needs besides a result's detail), valid under the schema,
// and they read back as they were.
func TestJSONReportKeepsThePoliciesAndSitesItsResultsName(t *testing.T) {
	runs := causedRuns()
	var b bytes.Buffer
	if err := JSON(&b, runs, reproMeta()); err != nil {
		t.Fatal(err)
	}
	var raw map[string]any
	if err := json.Unmarshal(b.Bytes(), &raw); err != nil {
		t.Fatal(err)
	}
	mustValid(t, raw)
	var doc Document
	if err := json.Unmarshal(b.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	if len(doc.Policies) != 1 || !reflect.DeepEqual(doc.Policies["default"], policy.Default()) {
		t.Errorf("policies read back: %+v, want only default, as it was", doc.Policies)
	}
	var names []string
	for _, s := range doc.Sites {
		names = append(names, s.Name)
	}
	if strings.Join(names, ",") != "app,evil,null" {
		t.Errorf("sites %v, want those the results name: app,evil,null", names)
	}
	if s := doc.Sites[2]; s.PageURL != "https://null.example.test/__corsproof/sandboxed" || !s.Sandboxed || s.Site().Served() != "https://null.example.test" {
		t.Errorf("the sandboxed site read back: %+v", s)
	}

	// Without them (a report of an older corsproof, or a writer that has
	// none), the fields are absent and the report is still valid.
	plain := decode(t, runs)
	mustValid(t, plain)
	if _, ok := plain["policies"]; ok {
		t.Error("policies written though the run gave none")
	}
}

func TestSchemaRejectsWrongSites(t *testing.T) {
	for _, tt := range []struct {
		desc   string
		mutate func(map[string]any)
		want   string
	}{
		{desc: "a site without its page", want: `/sites/0: lacks required property "page_url"`, mutate: func(d map[string]any) {
			delete(at(t, d, "sites", 0).(map[string]any), "page_url")
		}},
		{desc: "an unknown field of a site", want: `/sites/0: has property "url"`, mutate: func(d map[string]any) {
			at(t, d, "sites", 0).(map[string]any)["url"] = "x"
		}},
		{desc: "a policy that is a string", want: "/policies/default: is string, want object", mutate: func(d map[string]any) {
			d["policies"].(map[string]any)["default"] = "origins: [x]"
		}},
	} {
		t.Run(tt.desc, func(t *testing.T) {
			var b bytes.Buffer
			if err := JSON(&b, causedRuns(), reproMeta()); err != nil {
				t.Fatal(err)
			}
			var doc map[string]any
			if err := json.Unmarshal(b.Bytes(), &doc); err != nil {
				t.Fatal(err)
			}
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
