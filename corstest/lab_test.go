package corstest_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/onsi/gomega"

	"github.com/corsproof/corsproof"
	"github.com/corsproof/corsproof/browser"
	"github.com/corsproof/corsproof/corstest"
	"github.com/corsproof/corsproof/internal/testenv"
	"github.com/corsproof/corsproof/mockapi"
	"github.com/corsproof/corsproof/policy"
)

// One lab for the package's matcher tests, started on first use and closed
// by TestMain: a browser start costs as much as a hundred fetches.
var (
	labOnce sync.Once
	lab     *corstest.Lab
	labErr  error
)

func TestMain(m *testing.M) {
	code := m.Run()
	if lab != nil {
		if err := lab.Close(); err != nil {
			fmt.Fprintln(os.Stderr, "closing the lab:", err)
			code = 1
		}
	}
	os.Exit(code)
}

func sharedLab(t *testing.T) *corstest.Lab {
	t.Helper()
	labOnce.Do(func() {
		lab, labErr = corstest.StartLab(context.Background(), corstest.LabConfig{Origins: []string{"https://app.example.com"}})
	})
	testenv.Started(t, "the browser for corstest", labErr)
	return lab
}

// strict answers CORS for https://app.example.com only: GET and PUT, the
// request header X-Token, X-Total-Count exposed, credentials.
func strict() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		if r.Header.Get("Origin") == "https://app.example.com" {
			h.Set("Access-Control-Allow-Origin", "https://app.example.com")
			h.Set("Access-Control-Allow-Credentials", "true")
			h.Set("Access-Control-Expose-Headers", "X-Total-Count")
			h.Set("Vary", "Origin")
		}
		if r.Method == http.MethodOptions {
			if h.Get("Access-Control-Allow-Origin") != "" {
				h.Set("Access-Control-Allow-Methods", "GET, PUT")
				h.Set("Access-Control-Allow-Headers", "X-Token")
			}
			w.WriteHeader(http.StatusNoContent)
			return
		}
		h.Set("X-Total-Count", "3")
		h.Set("X-Internal", "secret")
		fmt.Fprintln(w, `{"ok":true}`)
	})
}

func TestMatchersSeeWhatTheBrowserDid(t *testing.T) {
	g := gomega.NewWithT(t)
	api := sharedLab(t).Serve(t, strict())

	g.Expect(api.From("https://app.example.com").GET("/api/todos").Credentials()).To(corstest.BeAllowed())
	g.Expect(api.From("https://app.example.com").GET("/api/todos")).To(corstest.ExposeHeader("X-Total-Count"))
	g.Expect(api.From("https://app.example.com").GET("/api/todos")).NotTo(corstest.ExposeHeader("X-Internal"))

	put := api.From("https://app.example.com").PUT("/api/todos/1").Header("X-Token", "1").Body(`{"done":true}`)
	g.Expect(put).To(corstest.BeAllowed())
	g.Expect(put).To(corstest.BePreflighted())
	g.Expect(put).To(corstest.ReachServer())

	evil := api.From("evil").GET("/api/me").Credentials()
	g.Expect(evil).To(corstest.BeBlocked("MissingAllowOriginHeader"))
	g.Expect(evil).NotTo(corstest.BePreflighted())
	g.Expect(evil).To(corstest.ReachServer(), "a simple request is sent, only its response is withheld")

	evilPut := api.From("evil").PUT("/api/todos/1").Header("X-Token", "1")
	g.Expect(evilPut).To(corstest.BeBlocked("PreflightMissingAllowOriginHeader"))
	g.Expect(evilPut).NotTo(corstest.ReachServer(), "a failed preflight stops the request")

	header := api.From("https://app.example.com").GET("/api/todos").Header("X-Other", "1")
	g.Expect(header).To(corstest.BeBlocked("HeaderDisallowedByPreflightResponse"))
}

// A wrong expectation fails with the one-line account and the wire
// exchange, short, never a struct dump.
func TestAFailedMatcherSaysWhyInAFewLines(t *testing.T) {
	api := sharedLab(t).Serve(t, strict())
	var msg string
	g := gomega.NewGomega(func(m string, _ ...int) { msg = m })

	g.Expect(api.From("evil").PUT("/api/todos/1").Header("X-Token", "1")).To(corstest.BeAllowed())
	t.Logf("the failure reads:\n%s", msg)
	lines := strings.Split(msg, "\n")
	if len(lines) > 20 {
		t.Errorf("the failure takes %d lines, want at most 20:\n%s", len(lines), msg)
	}
	for _, want := range []string{
		"expected PUT /api/todos/1 +X-Token from https://evil.corsproof.test to be allowed, but blocked: the preflight response has no Access-Control-Allow-Origin (PreflightMissingAllowOriginHeader)",
		"preflight: OPTIONS https://", "> Origin: https://evil.corsproof.test", "> Access-Control-Request-Method: PUT", "< 204",
	} {
		if !strings.Contains(msg, want) {
			t.Errorf("the failure does not say %q:\n%s", want, msg)
		}
	}
	if strings.Contains(msg, "{") {
		t.Errorf("the failure dumps a struct:\n%s", msg)
	}

	msg = ""
	g.Expect(api.From("https://app.example.com").GET("/api/todos")).To(corstest.BeBlocked())
	if !strings.HasPrefix(msg, "expected GET /api/todos from https://app.example.com to be blocked, but allowed") ||
		!strings.Contains(msg, "< Access-Control-Allow-Origin: https://app.example.com") {
		t.Errorf("an allowed fetch expected blocked:\n%s", msg)
	}
}

func TestAnUnknownOriginIsNamedWithTheChoices(t *testing.T) {
	api := sharedLab(t).Serve(t, strict())
	var msg string
	g := gomega.NewGomega(func(m string, _ ...int) { msg = m })
	g.Expect(api.From("https://nowhere.example").GET("/")).To(corstest.BeAllowed())
	if !strings.Contains(msg, `no origin page "https://nowhere.example"`) || !strings.Contains(msg, "evil (https://evil.corsproof.test)") {
		t.Errorf("got %q", msg)
	}
}

func TestConformToJudgesAFetchAndAWholeAPI(t *testing.T) {
	p := loadPolicy(t)
	l := sharedLab(t)
	t.Run("conforming", func(t *testing.T) {
		g := gomega.NewWithT(t)
		api := l.Serve(t, mockapi.New(p))
		g.Expect(api).To(corstest.ConformTo(p))
		g.Expect(api.From("evil").GET("/api/items").Credentials()).To(corstest.ConformTo(p))
	})
	t.Run("reflecting", func(t *testing.T) {
		api := l.Serve(t, reflectingHandler(p))
		var msg string
		g := gomega.NewGomega(func(m string, _ ...int) { msg = m })
		g.Expect(api.From("evil").GET("/api/items").Credentials()).To(corstest.ConformTo(p))
		if !strings.Contains(msg, "server-mismatch") && !strings.Contains(msg, "could read") {
			t.Errorf("one fetch: %s", msg)
		}
		msg = ""
		g.Expect(api).To(corstest.ConformTo(p))
		if !regexp.MustCompile(`^expected the API to conform to the policy, but \d+ scenario\(s\) do not:`).MatchString(msg) || !strings.Contains(msg, "evil.corsproof.test") {
			t.Errorf("whole API: %s", msg)
		}
		if n := len(strings.Split(msg, "\n")); n > 20 {
			t.Errorf("whole API failure takes %d lines", n)
		}
	})
}

// reflectingHandler is the mock for p behind the classic mistake: any
// Origin reflected, with credentials.
func reflectingHandler(p *policy.Policy) http.Handler {
	api := mockapi.New(p)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if o := r.Header.Get("Origin"); o != "" {
			w.Header().Set("Access-Control-Allow-Origin", o)
			w.Header().Set("Access-Control-Allow-Credentials", "true")
			w.Header().Set("Access-Control-Allow-Methods", "GET, PUT")
			w.Header().Set("Access-Control-Allow-Headers", "X-Request-Id")
		}
		if r.Method == http.MethodOptions {
			w.WriteHeader(http.StatusNoContent)
			return
		}
		api.ServeHTTP(w, r)
	})
}

// TestCheckSubtestsAreSelectable runs this test binary again with -run
// naming one scenario's subtest: exactly that scenario runs, in one engine
// and, with two engines, under the engine's name.
func TestCheckSubtestsAreSelectable(t *testing.T) {
	if os.Getenv("CORSTEST_CHILD") != "" {
		t.Skip("the child runs only the helper")
	}
	sharedLab(t) // skips or fails as the other tests do without a browser
	for _, c := range []struct{ engines, run, want string }{
		{"chromium", "^TestCheckChild$/^get-api-items-evil$", "get-api-items-evil"},
		{"chromium,firefox", "^TestCheckChild$/^firefox$/^get-api-items-evil$", "firefox/get-api-items-evil"},
	} {
		if strings.Contains(c.engines, "firefox") {
			testenv.Found(t, "firefox", browser.Finder(corsproof.Firefox))
		}
		cmd := exec.Command(os.Args[0], "-test.run", c.run, "-test.v", "-test.count=1")
		cmd.Env = append(os.Environ(), "CORSTEST_CHILD="+c.engines)
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("%s: %v\n%s", c.engines, err, out)
		}
		var leaves []string
		for _, m := range regexp.MustCompile(`(?m)^=== RUN\s+TestCheckChild/(\S+)`).FindAllStringSubmatch(string(out), -1) {
			if m[1] != "firefox" && m[1] != "chromium" {
				leaves = append(leaves, m[1])
			}
		}
		if len(leaves) != 1 || leaves[0] != c.want {
			t.Errorf("%s: subtests run: %v, want only %s\n%s", c.engines, leaves, c.want, out)
		}
		if !strings.Contains(string(out), "scenarios run: 1\n") {
			t.Errorf("%s: the child did not report one scenario run:\n%s", c.engines, out)
		}
	}
}

func TestCheckChild(t *testing.T) {
	engines := os.Getenv("CORSTEST_CHILD")
	if engines == "" {
		t.Skip("run by TestCheckSubtestsAreSelectable")
	}
	var o corstest.Options
	for _, e := range strings.Split(engines, ",") {
		o.Engines = append(o.Engines, corsproof.Engine(e))
	}
	p := loadPolicy(t)
	results := corstest.Check(t, mockapi.New(p), p, o)
	fmt.Printf("scenarios run: %d\n", len(results))
}

// A lab pointed at a running API (here on loopback) fetches it where it
// is; it keeps no journal of it, and ReachServer says so.
func TestALabPointsAtARunningAPI(t *testing.T) {
	sharedLab(t) // the browser check
	srv := httptest.NewServer(strict())
	defer srv.Close()
	l, err := corstest.StartLab(context.Background(), corstest.LabConfig{Origins: []string{"https://app.example.com"}, Target: srv.URL})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	g := gomega.NewWithT(t)
	api := l.API()
	g.Expect(api.Origin()).To(gomega.Equal(srv.URL))
	g.Expect(api.From("https://app.example.com").GET("/api/todos")).To(corstest.BeAllowed())
	g.Expect(api.From("https://app.example.com").GET("/api/todos")).To(corstest.ExposeHeader("X-Total-Count"))
	g.Expect(api.From("evil").GET("/api/todos")).To(corstest.BeBlocked("MissingAllowOriginHeader"))

	var msg string
	fail := gomega.NewGomega(func(m string, _ ...int) { msg = m })
	fail.Expect(api.From("evil").GET("/api/todos")).To(corstest.ReachServer())
	if !strings.Contains(msg, "keeps no journal") {
		t.Errorf("ReachServer on a live target: %q", msg)
	}
}

// A test that serves again replaces its own handler (it does not wait for
// its own turn to end).
func TestServingAgainInATestReplacesItsHandler(t *testing.T) {
	l := sharedLab(t)
	g := gomega.NewWithT(t)
	api := l.Serve(t, strict())
	g.Expect(api.From("evil").GET("/api/todos")).To(corstest.BeBlocked())
	open := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Access-Control-Allow-Origin", "*")
		fmt.Fprintln(w, "[]")
	})
	api = l.Serve(t, open)
	g.Expect(api.From("evil").GET("/api/todos")).To(corstest.BeAllowed())
}
