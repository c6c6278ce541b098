package har_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/corsproof/corsproof"
	"github.com/corsproof/corsproof/har"
)

func load(t *testing.T, engine string) *har.File {
	t.Helper()
	f, err := har.Load(filepath.Join("testdata", engine+".har"))
	if err != nil {
		t.Fatal(err)
	}
	return f
}

func TestEngineIsTheBrowserThatRecorded(t *testing.T) {
	for _, tt := range []struct {
		file string
		want corsproof.Engine
	}{{"chromium", corsproof.Chromium}, {"firefox", corsproof.Firefox}, {"webkit", corsproof.WebKit}} {
		if got, what := load(t, tt.file).Engine(); got != tt.want {
			t.Errorf("%s.har: engine %q (%s), want %q", tt.file, got, what, tt.want)
		}
	}
	f, err := har.Parse([]byte(`{"log":{"creator":{"name":"Charles Proxy","version":"4.6"},"entries":[]}}`))
	if err != nil {
		t.Fatal(err)
	}
	if got, what := f.Engine(); got != "" || what != "Charles Proxy 4.6" {
		t.Errorf("an unknown tool: %q %q, want no engine", got, what)
	}
}

// Each exporter's shape: Chromium lists the request before its preflight
// and marks the preflight with _resourceType; Firefox and WebKit list the
// preflight first and have no resource type. Either way every PUT finds
// its preflight, and the GETs have none.
func TestCrossOriginPairsEachRequestWithItsPreflight(t *testing.T) {
	for _, engine := range []string{"chromium", "firefox", "webkit"} {
		t.Run(engine, func(t *testing.T) {
			f := load(t, engine)
			xs := f.CrossOrigin()
			if len(xs) != 4 {
				t.Fatalf("%d cross-origin fetches, want 4: %+v", len(xs), xs)
			}
			for _, x := range xs {
				e := f.Log.Entries[x.Index]
				if x.Request.Origin != "https://app.corsproof.test" || x.Request.URL != e.Request.URL {
					t.Errorf("entry %d: origin %q url %q", x.Index, x.Request.Origin, x.Request.URL)
				}
				put := e.Request.Method == "PUT"
				switch {
				case put && x.Preflight < 0:
					t.Errorf("entry %d (PUT) has no preflight", x.Index)
				case put:
					p := f.Log.Entries[x.Preflight]
					if p.Request.Method != "OPTIONS" || p.Request.URL != e.Request.URL || x.Observation.Preflight == nil {
						t.Errorf("entry %d paired with entry %d (%s %s)", x.Index, x.Preflight, p.Request.Method, p.Request.URL)
					}
					if hs := x.Request.Headers; len(hs) != 2 || !strings.EqualFold(hs[0].Name, "content-type") || !strings.EqualFold(hs[1].Name, "x-request-id") {
						t.Errorf("entry %d: page headers %v, want Content-Type and X-Request-Id only", x.Index, hs)
					}
				case x.Preflight >= 0:
					t.Errorf("entry %d (GET) paired with preflight %d", x.Index, x.Preflight)
				}
			}
		})
	}
}

// Chromium records a request blocked at its preflight with status 0, no
// headers and _error net::ERR_FAILED: no actual exchange, the failure kept.
func TestABlockedChromiumEntryKeepsItsFailureAndNoResponse(t *testing.T) {
	f := load(t, "chromium")
	x := f.CrossOrigin()[0]
	if x.Failure != "net::ERR_FAILED" || len(x.Observation.Actual) != 0 || x.Observation.Allowed {
		t.Errorf("blocked PUT: failure %q, actual %v, allowed %v", x.Failure, x.Observation.Actual, x.Observation.Allowed)
	}
	if x.Kind != "fetch" {
		t.Errorf("kind %q, want fetch", x.Kind)
	}
}

func TestCredentialsAreIncludeOnlyWhenACookieWasSent(t *testing.T) {
	f := load(t, "chromium")
	for _, x := range f.CrossOrigin() {
		_, cookie := headerOf(f.Log.Entries[x.Index].Request.Headers, "Cookie")
		if x.CredentialsKnown != cookie || (cookie && x.Request.Credentials != "include") || (!cookie && x.Request.Credentials != "") {
			t.Errorf("entry %d: cookie %v, credentials %q known %v", x.Index, cookie, x.Request.Credentials, x.CredentialsKnown)
		}
	}
}

func headerOf(hs []har.Header, name string) (string, bool) {
	for _, h := range hs {
		if strings.EqualFold(h.Name, name) {
			return h.Value, true
		}
	}
	return "", false
}

func TestSameOriginDocumentsAndImagesAreNotCORSFetches(t *testing.T) {
	f, err := har.Parse([]byte(`{"log":{"creator":{"name":"Firefox","version":"153.0"},"pages":[{"id":"page_1","title":"https://app.example.test/"}],"entries":[
	 {"pageref":"page_1","startedDateTime":"2026-12-03T10:00:00.000Z","request":{"method":"GET","url":"https://app.example.test/","headers":[{"name":"Sec-Fetch-Mode","value":"navigate"}]},"response":{"status":200,"headers":[]}},
	 {"pageref":"page_1","startedDateTime":"2026-12-03T10:00:00.100Z","request":{"method":"GET","url":"https://app.example.test/api","headers":[{"name":"Sec-Fetch-Mode","value":"cors"},{"name":"Sec-Fetch-Dest","value":"empty"}]},"response":{"status":200,"headers":[]}},
	 {"pageref":"page_1","startedDateTime":"2026-12-03T10:00:00.200Z","request":{"method":"GET","url":"https://cdn.example.test/a.png","headers":[{"name":"Sec-Fetch-Dest","value":"image"}]},"response":{"status":200,"headers":[]}},
	 {"pageref":"page_1","startedDateTime":"2026-12-03T10:00:00.300Z","request":{"method":"GET","url":"https://api.example.test/x","headers":[{"name":"Origin","value":"https://app.example.test"}]},"response":{"status":200,"headers":[{"name":"Access-Control-Allow-Origin","value":"*"}]}}]}}`))
	if err != nil {
		t.Fatal(err)
	}
	xs := f.CrossOrigin()
	if len(xs) != 1 || xs[0].Index != 3 || !xs[0].Observation.Allowed {
		t.Errorf("cross-origin fetches %+v, want entry 3 only", xs)
	}
}

// A preflight is paired only with a request of the method it asked for,
// to the same URL, near in time.
func TestPreflightPairingNeedsMethodURLAndTime(t *testing.T) {
	f, err := har.Parse([]byte(`{"log":{"creator":{"name":"WebKit Web Inspector","version":"1.0"},"entries":[
	 {"startedDateTime":"2026-12-03T10:00:00.000Z","request":{"method":"OPTIONS","url":"https://api.example.test/x","headers":[{"name":"Origin","value":"https://app.example.test"},{"name":"Access-Control-Request-Method","value":"DELETE"}]},"response":{"status":204,"headers":[]}},
	 {"startedDateTime":"2026-12-03T10:00:00.010Z","request":{"method":"OPTIONS","url":"https://api.example.test/y","headers":[{"name":"Origin","value":"https://app.example.test"},{"name":"Access-Control-Request-Method","value":"PUT"}]},"response":{"status":204,"headers":[]}},
	 {"startedDateTime":"2026-12-03T10:05:00.000Z","request":{"method":"OPTIONS","url":"https://api.example.test/x","headers":[{"name":"Origin","value":"https://app.example.test"},{"name":"Access-Control-Request-Method","value":"PUT"}]},"response":{"status":204,"headers":[]}},
	 {"startedDateTime":"2026-12-03T10:00:00.020Z","request":{"method":"PUT","url":"https://api.example.test/x","headers":[{"name":"Origin","value":"https://app.example.test"}]},"response":{"status":0,"headers":[],"_error":"Preflight response is not successful."}}]}}`))
	if err != nil {
		t.Fatal(err)
	}
	xs := f.CrossOrigin()
	if len(xs) != 1 || xs[0].Index != 3 {
		t.Fatalf("cross-origin fetches %+v, want entry 3", xs)
	}
	if xs[0].Preflight != -1 || !strings.Contains(strings.Join(xs[0].Notes, "\n"), "no preflight") {
		t.Errorf("paired with %d (a DELETE preflight, another URL, five minutes later); notes %q", xs[0].Preflight, xs[0].Notes)
	}
	if xs[0].Failure != "Preflight response is not successful." {
		t.Errorf("failure %q, want WebKit's _error", xs[0].Failure)
	}
}

func TestParseRejectsWhatIsNotAHAR(t *testing.T) {
	for _, tt := range []struct{ in, want string }{
		{"hello", "not a JSON object"},
		{`[1]`, "not a JSON object"},
		{`{"runs":[]}`, `no "log" object`},
		{`{"log":[]}`, `"log" is not an object`},
		{`{"log":{"entries":{}}}`, `no "entries" array`},
		{`{"log":{"entries":[{"request":{}}]}}`, "entry 0 has no request method and url"},
	} {
		_, err := har.Parse([]byte(tt.in))
		if !errors.Is(err, har.ErrNotHAR) || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("Parse(%s) = %v, want ErrNotHAR saying %q", tt.in, err, tt.want)
		}
	}
	if _, err := har.Parse([]byte("\xef\xbb\xbf" + `{"log":{"entries":[]}}`)); err != nil {
		t.Errorf("a HAR with a byte-order mark: %v", err)
	}
	if _, err := har.Load(filepath.Join(t.TempDir(), "none.har")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a missing file: %v", err)
	}
}

// firefox-native.har is Firefox's own exporter's file (its netmonitor's
// auto-export; testdata/README.md): the real shape, with the request
// listed before its preflight and a blocked PUT with status 0.
func TestFirefoxsOwnExportIsRead(t *testing.T) {
	f := load(t, "firefox-native")
	if eng, what := f.Engine(); eng != corsproof.Firefox || !strings.HasPrefix(what, "Firefox 153") {
		t.Errorf("engine %q %q", eng, what)
	}
	xs := f.CrossOrigin()
	if len(xs) != 3 {
		t.Fatalf("%d cross-origin fetches, want 3 (the PUT, /wild, /items): %+v", len(xs), xs)
	}
	put := xs[0]
	if put.Index != 1 || put.Preflight != 2 || len(put.Observation.Actual) != 0 || put.Request.Origin != "http://127.0.0.1:18770" {
		t.Errorf("the PUT: index %d preflight %d actual %v origin %q", put.Index, put.Preflight, put.Observation.Actual, put.Request.Origin)
	}
	if xs[1].Preflight != -1 || xs[2].Preflight != -1 {
		t.Errorf("GETs paired with preflights: %d %d", xs[1].Preflight, xs[2].Preflight)
	}
}
