package main

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/corsproof/corsproof"
	"github.com/corsproof/corsproof/browser"
	"github.com/corsproof/corsproof/internal/testenv"
	"github.com/corsproof/corsproof/policy"
	"github.com/corsproof/corsproof/scenarios"
)

// todoPolicyYAML is an API none of whose paths the mock serves itself.
const todoPolicyYAML = `origins: [https://app.example.com]
methods: [GET, POST, PUT, PATCH, DELETE]
request_headers: [Content-Type]
expose_headers: [X-Todo-Version]
credentials: true
endpoints:
  - {path: /api/todos, methods: [GET, POST]}
  - {path: "/api/todos/{id}", methods: [GET, PUT, PATCH, DELETE]}
`

// serveClient is a Go client for everything serve serves: it trusts the
// run's CA and dials the loopback address the addr file gives each name.
func serveClient(t *testing.T, addrs ServeAddrs) *http.Client {
	t.Helper()
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM([]byte(addrs.CAPEM)) {
		t.Fatalf("the addr file's CA is not PEM: %q", addrs.CAPEM)
	}
	rules := serveHostRules(t, addrs)
	return &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{
		TLSClientConfig: &tls.Config{RootCAs: pool},
		DialContext: func(ctx context.Context, network, hostPort string) (net.Conn, error) {
			addr, ok := rules[hostPort]
			if !ok {
				t.Errorf("dial %s: a name serve does not serve", hostPort)
				return nil, net.UnknownNetworkError(hostPort)
			}
			return (&net.Dialer{}).DialContext(ctx, network, addr)
		},
	}}
}

// serveHostRules maps every "host:port" of the addr file to its address.
func serveHostRules(t *testing.T, addrs ServeAddrs) map[string]string {
	t.Helper()
	rules := map[string]string{}
	for _, o := range append([]ServedOrigin{addrs.API}, addrs.Pages...) {
		u, err := url.Parse(o.URL)
		if err != nil || o.Addr == "" {
			t.Fatalf("addr file: %+v", o)
		}
		rules[corsproof.HostPort(u)] = o.Addr
	}
	return rules
}

func TestServePolicyServesItsOwnEndpointsWithItsCORSHeaders(t *testing.T) {
	pol := checkWriteFile(t, "todos.yaml", todoPolicyYAML)
	stdout, addrs, _ := startServe(t, "--policy", pol)
	const app = "https://app.example.com"
	api := addrs.API.Origin
	if api != "https://corsproof-api.example.com" || addrs.API.URL != api+"/api/todos" {
		t.Errorf("API %s at %s, want https://corsproof-api.example.com (on the policy's site) and its first endpoint", api, addrs.API.URL)
	}
	client := serveClient(t, addrs)
	send := func(method, path, origin string) *http.Response {
		t.Helper()
		req, _ := http.NewRequest(method, api+path, nil)
		req.Header.Set("Origin", origin)
		resp, err := client.Do(req)
		if err != nil {
			t.Fatalf("%s %s: %v", method, path, err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		return resp
	}
	for _, ep := range []struct {
		path    string
		methods []string
	}{
		{"/api/todos", []string{"GET", "HEAD", "POST"}},
		{"/api/todos/42", []string{"GET", "HEAD", "PUT", "PATCH", "DELETE"}},
	} {
		for _, m := range ep.methods {
			resp := send(m, ep.path, app)
			if resp.StatusCode/100 != 2 {
				t.Errorf("%s %s: %s, want 2xx", m, ep.path, resp.Status)
			}
			for name, want := range map[string]string{
				"Access-Control-Allow-Origin":      app,
				"Access-Control-Allow-Credentials": "true",
				"Access-Control-Expose-Headers":    "X-Todo-Version",
				"X-Todo-Version":                   "corsproof",
			} {
				if got := resp.Header.Get(name); got != want {
					t.Errorf("%s %s: %s = %q, want %q", m, ep.path, name, got, want)
				}
			}
		}
	}
	if resp := send("POST", "/api/todos/42", app); resp.StatusCode != http.StatusMethodNotAllowed ||
		resp.Header.Get("Access-Control-Allow-Origin") != app || !strings.Contains(resp.Header.Get("Allow"), "PATCH") {
		t.Errorf("POST /api/todos/42: %s, Allow %q, ACAO %q; want 405 with Allow and the policy's CORS headers",
			resp.Status, resp.Header.Get("Allow"), resp.Header.Get("Access-Control-Allow-Origin"))
	}
	if resp := send("GET", "/api/items", app); resp.StatusCode != http.StatusNotFound {
		t.Errorf("GET /api/items (the mock's, not the policy's): %s, want 404", resp.Status)
	}
	if resp := send("GET", "/api/todos", "https://evil.corsproof.test"); resp.Header.Get("Access-Control-Allow-Origin") != "" {
		t.Errorf("GET from the attacker got Access-Control-Allow-Origin %q", resp.Header.Get("Access-Control-Allow-Origin"))
	}

	// The pages are the ones check derives from the policy for this API,
	// and the output lists each with its name, origin and URL.
	p, err := policy.Load(pol)
	if err != nil {
		t.Fatal(err)
	}
	apiURL, _ := url.Parse(api)
	want, _ := scenarios.LiveSites(p, apiURL)
	if len(addrs.Pages) != len(want) {
		t.Fatalf("%d pages, want the %d of scenarios.LiveSites: %+v", len(addrs.Pages), len(want), addrs.Pages)
	}
	out := stdout.String()
	classes := map[corsproof.SiteClass]bool{}
	for i, s := range want {
		got := addrs.Pages[i]
		if got.Name != s.Name || got.Origin != s.Origin || got.Class != s.Class {
			t.Errorf("page %d is %s %s (%s), want %s %s (%s)", i, got.Name, got.Origin, got.Class, s.Name, s.Origin, s.Class)
		}
		if !strings.Contains(out, "  "+got.Name+" ") || !strings.Contains(out, " "+got.Origin+" ") || !strings.Contains(out, " "+got.URL+" ") {
			t.Errorf("the output does not list page %s %s %s", got.Name, got.Origin, got.URL)
		}
		classes[s.Class] = true
	}
	for _, c := range []corsproof.SiteClass{corsproof.ClassAllowed, corsproof.ClassCrossSite, corsproof.ClassNull, corsproof.ClassDowngrade} {
		if !classes[c] {
			t.Errorf("no %s page among %+v", c, addrs.Pages)
		}
	}
	for _, want := range []string{"GET, PUT, PATCH, DELETE, HEAD  /api/todos/{id}", "/api/login"} {
		if !strings.Contains(out, want) {
			t.Errorf("the output lacks the endpoint %q:\n%s", want, out)
		}
	}

	// Every page is the form; the sandboxed one keeps its CSP sandbox.
	for _, pg := range addrs.Pages {
		resp, err := client.Get(pg.URL)
		if err != nil {
			t.Fatalf("GET %s: %v", pg.URL, err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if !strings.Contains(string(body), `id="go"`) || !strings.Contains(string(body), `value="`+api+`/api/todos"`) {
			t.Errorf("%s is not the form with the API's URL", pg.URL)
		}
		for _, ext := range []string{"src=", "href=\"http", "@import", "url("} {
			if strings.Contains(string(body), ext) {
				t.Errorf("%s loads an external resource (%q)", pg.URL, ext)
			}
		}
		csp := resp.Header.Get("Content-Security-Policy")
		if pg.Origin == "null" && csp != "sandbox allow-scripts" || pg.Origin != "null" && csp != "" {
			t.Errorf("%s: Content-Security-Policy %q", pg.URL, csp)
		}
	}
}

// formOutcome fills the form of the page at pageURL, clicks its button as
// a person would, and returns the outcome the page shows ("allowed",
// "blocked", "invalid") and its text.
func formOutcome(t *testing.T, ctx context.Context, pageURL, method, target, headers, body string, credentials bool) (string, string) {
	t.Helper()
	fields, _ := json.Marshal(map[string]any{"method": method, "url": target, "headers": headers, "body": body, "credentials": credentials})
	err := chromedp.Do(ctx, chromedp.Navigate(pageURL), chromedp.WaitVisible("#go"))
	if err == nil {
		_, err = chromedp.Run(ctx, chromedp.Evaluate[bool](`(() => {
			for (const [id, v] of Object.entries(`+string(fields)+`)) {
				const el = document.getElementById(id);
				if (typeof v === 'boolean') el.checked = v; else el.value = v;
			}
			return true;
		})()`))
	}
	if err == nil {
		err = chromedp.Do(ctx, chromedp.Click("#go"),
			chromedp.WaitVisible(`#outcome[data-outcome="allowed"], #outcome[data-outcome="blocked"], #outcome[data-outcome="invalid"]`))
	}
	if err != nil {
		t.Fatalf("the form on %s: %v", pageURL, err)
	}
	got, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`[document.getElementById('outcome').dataset.outcome, document.getElementById('outcome').textContent]`))
	if err != nil || len(got) != 2 {
		t.Fatalf("the outcome on %s: %v %q", pageURL, err, got)
	}
	return got[0], got[1]
}

// The printed way to open the pages by hand works: Chromium with serve's
// host mapping and SPKI pins loads a page, and its form's fetch shows the
// outcome, from an allowed page, the attacker and the sandboxed null page.
func TestServeFormPageRunsFetchInChromium(t *testing.T) {
	exe := testenv.Found(t, "chromium", browser.FindChromium)
	pol := checkWriteFile(t, "todos.yaml", todoPolicyYAML)
	_, addrs, _ := startServe(t, "--policy", pol)
	rules, err := browser.HostResolverRules(serveHostRules(t, addrs))
	if err != nil {
		t.Fatal(err)
	}
	tmp, err := os.MkdirTemp("", "cps")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(tmp) })
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(exe), chromedp.UserDataDir(filepath.Join(tmp, "profile")), chromedp.NoSandbox,
		chromedp.Env("TMPDIR="+tmp),
		chromedp.Flag("host-resolver-rules", rules),
		chromedp.Flag("ignore-certificate-errors-spki-list", strings.Join(addrs.SPKIPins, ",")))
	actx, acancel := chromedp.NewExecAllocator(context.Background(), opts...)
	defer acancel()
	ctx, cancel := chromedp.NewContext(actx)
	defer cancel()
	ctx, tcancel := context.WithTimeout(ctx, time.Minute)
	defer tcancel()

	page := map[string]string{}
	for _, p := range addrs.Pages {
		page[p.Name] = p.URL
	}
	api := addrs.API.Origin

	outcome, text := formOutcome(t, ctx, page["app"], "PUT", api+"/api/todos/7", "Content-Type: application/json", `{"done":true}`, false)
	for _, want := range []string{"allowed: PUT " + api + "/api/todos/7", "status 200", "x-todo-version: corsproof", `"id":"7"`, `"method":"PUT"`} {
		if outcome != "allowed" || !strings.Contains(text, want) {
			t.Errorf("PUT from the app page shows %s, lacking %q:\n%s", outcome, want, text)
		}
	}

	// Credentials: the login's cookie comes back on the API's own site.
	if outcome, text = formOutcome(t, ctx, page["app"], "POST", api+"/api/login", "", "", true); outcome != "allowed" {
		t.Fatalf("the credentialed login shows %s:\n%s", outcome, text)
	}
	if _, text = formOutcome(t, ctx, page["app"], "GET", api+"/api/todos/1", "", "", true); !strings.Contains(text, `"session":true`) {
		t.Errorf("a credentialed GET after the login did not carry the session cookie:\n%s", text)
	}

	for _, name := range []string{"evil", "null"} {
		outcome, text = formOutcome(t, ctx, page[name], "GET", api+"/api/todos", "", "", false)
		if outcome != "blocked" || !strings.Contains(text, "TypeError") || !strings.Contains(text, "devtools Console") {
			t.Errorf("GET from %s shows %s, want blocked with the TypeError and where to look:\n%s", name, outcome, text)
		}
	}
	if origin, err := chromedp.Run(ctx, chromedp.TextContent("#origin")); err != nil || origin != "null" {
		t.Errorf("the sandboxed page says its origin is %q (%v), want null", origin, err)
	}

	if outcome, text = formOutcome(t, ctx, page["app"], "GET", api+"/api/todos", "", "a body", false); outcome != "invalid" {
		t.Errorf("a GET with a body shows %s, want invalid (never sent):\n%s", outcome, text)
	}
}
