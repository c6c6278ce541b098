package report

import (
	"bytes"
	"strings"
	"testing"

	"github.com/corsproof/corsproof"
)

// A Safari run: its version, the platform it runs on and that its profile
// is unmeasured, in the text header, in the JSON (valid by the schema)
// and back from it, and in the HTML.
func TestPlatformAndUnmeasuredProfileAreReported(t *testing.T) {
	_, note := corsproof.ProfileFor(corsproof.WebKit, "Safari/18.4", "mac")
	runs := one()
	runs[0].Engine, runs[0].Version, runs[0].Platform, runs[0].ProfileNote = corsproof.WebKit, "Safari/18.4", "mac", note
	var b bytes.Buffer
	Text(&b, runs, TextOptions{})
	if want := "webkit (Safari/18.4 on mac; Safari profile: unmeasured"; !strings.Contains(b.String(), want) {
		t.Errorf("the text report has no %q:\n%s", want, b.String())
	}
	b.Reset()
	if err := JSON(&b, runs, Meta{Command: "run", Target: "embedded mock"}); err != nil {
		t.Fatal(err)
	}
	doc := decode(t, runs)
	mustValid(t, doc)
	run := at(t, doc, "runs", 0).(map[string]any)
	if run["platform"] != "mac" || run["profile_note"] != note {
		t.Errorf("runs[0]: platform %v, profile_note %v; want mac, %q", run["platform"], run["profile_note"], note)
	}
	d, err := ReadJSON(bytes.NewReader(b.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	back, err := RunsOf(d)
	if err != nil {
		t.Fatal(err)
	}
	if back[0].Platform != "mac" || back[0].ProfileNote != note {
		t.Errorf("read back: platform %q, note %q", back[0].Platform, back[0].ProfileNote)
	}
	b.Reset()
	if err := HTML(&b, runs, Meta{}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(b.String(), "Safari/18.4 on mac; Safari profile: unmeasured") {
		t.Error("the HTML report does not say the platform and the unmeasured profile")
	}
}

// A measured profile says nothing more than version and platform.
func TestPlatformWithoutNote(t *testing.T) {
	runs := one()
	runs[0].Platform = "X11; Linux x86_64"
	var b bytes.Buffer
	Text(&b, runs, TextOptions{})
	if want := "chromium (Chromium/1 on X11; Linux x86_64)"; !strings.Contains(b.String(), want) {
		t.Errorf("the text report has no %q:\n%s", want, b.String())
	}
}
