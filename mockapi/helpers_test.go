package mockapi

import (
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/corsproof/corsproof/spec"

	"github.com/corsproof/corsproof/policy"
)

const (
	appOrigin     = "https://app.example.test"
	partnerOrigin = "https://shop.partner.test" // allowed by the pattern https://*.partner.test
	evilOrigin    = "https://evil.test"
)

// testPolicy is a credentialed policy with a subdomain pattern, and a public
// wildcard route for /api/status/.
func testPolicy() *policy.Policy {
	maxAge := 600
	public := false
	return &policy.Policy{
		Rules: policy.Rules{
			Origins:        []string{appOrigin, "https://*.partner.test"},
			Methods:        []string{"PUT", "DELETE", "PATCH"},
			RequestHeaders: []string{"Content-Type", "X-Api-Key"},
			ExposeHeaders:  []string{HeaderTotalCount, HeaderRequestID},
			Credentials:    true,
			MaxAge:         &maxAge,
		},
		Routes: []policy.Route{{Prefix: "/api/status/", Origins: []string{"*"}, Credentials: &public}},
	}
}

// testApp is a Server listening on 127.0.0.1.
type testApp struct {
	*Server
	url    string
	client *http.Client
}

// setupTestApp serves testPolicy (or New's options) on a loopback port for
// the test's lifetime.
func setupTestApp(t *testing.T, opts ...Option) *testApp {
	t.Helper()
	s := New(testPolicy(), opts...)
	return serveOnLoopback(t, s, s)
}

func serveOnLoopback(t *testing.T, s *Server, h http.Handler) *testApp {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("listen: %v", err)
	}
	ts := httptest.NewUnstartedServer(h)
	ts.Listener.Close()
	ts.Listener = ln
	ts.Start()
	t.Cleanup(ts.Close)
	client := ts.Client()
	client.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return &testApp{Server: s, url: ts.URL, client: client}
}

// reply is a response read whole, with the journal's entry for it.
type reply struct {
	status int
	header http.Header
	body   string
	entry  Entry
}

// do sends method target with headers given as name, value pairs.
func (a *testApp) do(t *testing.T, method, target string, headers ...string) reply {
	t.Helper()
	return a.doBody(t, method, target, nil, headers...)
}

func (a *testApp) doBody(t *testing.T, method, target string, body io.Reader, headers ...string) reply {
	t.Helper()
	req, err := http.NewRequest(method, a.url+target, body)
	if err != nil {
		t.Fatalf("new request: %v", err)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Add(headers[i], headers[i+1])
	}
	resp, err := a.client.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, target, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("read body: %v", err)
	}
	r := reply{status: resp.StatusCode, header: resp.Header, body: string(b)}
	if id := resp.Header.Get(HeaderRequestID); id != "" {
		if es := a.Journal().Find(func(e Entry) bool { return e.RequestID == id }); len(es) == 1 {
			r.entry = es[0]
		}
	}
	return r
}

func preflight(origin, method, headers string) []string {
	h := []string{spec.HeaderOrigin, origin, spec.HeaderRequestMethod, method}
	if headers != "" {
		h = append(h, spec.HeaderRequestHeaders, headers)
	}
	return h
}

// wantHeader fails unless header name has exactly the value want ("" means
// absent).
func wantHeader(t *testing.T, r reply, name, want string) {
	t.Helper()
	got := strings.Join(r.header.Values(name), " | ")
	if got != want {
		t.Errorf("%s = %q, want %q", name, got, want)
	}
}

func wantStatus(t *testing.T, r reply, want int) {
	t.Helper()
	if r.status != want {
		t.Errorf("status = %d, want %d (body %q)", r.status, want, r.body)
	}
}
