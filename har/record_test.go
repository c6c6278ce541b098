package har_test

// The generator of har/testdata: CORSPROOF_RECORD_HAR=1 go test ./har -run TestRecordHAR
// drives each real engine against a loopback API with two CORS failures
// and two successes and writes, per engine, the HAR (as that engine's
// exporter writes one) and what the engine itself reported
// (ENGINE.expect.json). testdata/README.md says how each is made.

import (
	"context"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/corsproof/corsproof"
	"github.com/corsproof/corsproof/browser"
	"github.com/corsproof/corsproof/corstest"
	"github.com/corsproof/corsproof/har"
	"github.com/corsproof/corsproof/internal/testenv"
)

const appOrigin = "https://app.corsproof.test"

// recordCase is one fetch of the recording: what the page does.
type recordCase struct {
	name string
	do   func(api *corstest.API) *corstest.Request
}

var recordCases = []recordCase{
	{"put-missing-allow-headers", func(api *corstest.API) *corstest.Request {
		return api.From(appOrigin).PUT("/api/items/1").Header("Content-Type", "application/json").
			Header("X-Request-Id", "r-1").Body(`{"done":true}`)
	}},
	{"put-allowed", func(api *corstest.API) *corstest.Request {
		return api.From(appOrigin).PUT("/api/items/2").Header("Content-Type", "application/json").
			Header("X-Request-Id", "r-2").Body(`{"done":true}`)
	}},
	{"credentialed-wildcard", func(api *corstest.API) *corstest.Request {
		return api.From(appOrigin).GET("/api/me").Credentials()
	}},
	{"get-allowed", func(api *corstest.API) *corstest.Request {
		return api.From(appOrigin).GET("/api/items")
	}},
}

// recordedAPI is the loopback API: a preflighted PUT whose preflight
// lacks X-Request-Id in Access-Control-Allow-Headers, one that has it, a
// credentialed GET answered with "*", an allowed GET, and a login that
// sets the session cookie the credentialed GET carries. It keeps what it
// saw and sent (the wire, for an engine that shows none).
type recordedAPI struct {
	mu  sync.Mutex
	log []serverExchange
}

type serverExchange struct {
	at       time.Time
	method   string
	url      string
	reqHdrs  []har.Header
	status   int
	respHdrs []har.Header
	body     string
}

func (a *recordedAPI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	status, body := http.StatusOK, ""
	path := r.URL.Path
	switch {
	case r.Method == http.MethodOptions && path == "/api/items/1":
		h.Set("Access-Control-Allow-Origin", appOrigin)
		h.Set("Access-Control-Allow-Methods", "GET, PUT")
		h.Set("Access-Control-Allow-Headers", "Content-Type")
		status = http.StatusNoContent
	case r.Method == http.MethodOptions && path == "/api/items/2":
		h.Set("Access-Control-Allow-Origin", appOrigin)
		h.Set("Access-Control-Allow-Methods", "GET, PUT")
		h.Set("Access-Control-Allow-Headers", "Content-Type, X-Request-Id")
		status = http.StatusNoContent
	case r.Method == http.MethodPut:
		h.Set("Access-Control-Allow-Origin", appOrigin)
		h.Set("Content-Type", "application/json")
		body = `{"id":2,"done":true}`
	case path == "/api/login":
		h.Set("Access-Control-Allow-Origin", appOrigin)
		h.Set("Access-Control-Allow-Credentials", "true")
		h.Set("Set-Cookie", "sid=s3cr3t; Path=/; Secure; SameSite=None; Max-Age=600")
		body = "{}"
	case path == "/api/me":
		h.Set("Access-Control-Allow-Origin", "*")
		h.Set("Content-Type", "application/json")
		body = `{"user":"ann"}`
	case path == "/api/items":
		h.Set("Access-Control-Allow-Origin", appOrigin)
		h.Set("Content-Type", "application/json")
		body = `[{"id":1}]`
	default:
		status = http.StatusNotFound
	}
	h.Set("Vary", "Origin")
	x := serverExchange{at: time.Now(), method: r.Method, url: "https://" + r.Host + r.URL.RequestURI(), status: status, body: body}
	names := make([]string, 0, len(r.Header))
	for n := range r.Header {
		names = append(names, n)
	}
	sort.Strings(names)
	x.reqHdrs = append(x.reqHdrs, har.Header{Name: "Host", Value: r.Host})
	for _, n := range names {
		for _, v := range r.Header[n] {
			x.reqHdrs = append(x.reqHdrs, har.Header{Name: n, Value: v})
		}
	}
	for n, vs := range h {
		for _, v := range vs {
			x.respHdrs = append(x.respHdrs, har.Header{Name: n, Value: v})
		}
	}
	sort.Slice(x.respHdrs, func(i, j int) bool { return x.respHdrs[i].Name < x.respHdrs[j].Name })
	a.mu.Lock()
	a.log = append(a.log, x)
	a.mu.Unlock()
	w.WriteHeader(status)
	w.Write([]byte(body))
}

// recorded is one fetch as the engine ran it.
type recorded struct {
	name    string
	at      time.Time
	res     corsproof.Result
	fetch   corsproof.Request
	wire    []serverExchange // what the server saw for it
	userAgt string
}

// expectFile is ENGINE.expect.json: per fixture entry, what the engine
// itself reported when it ran the fetch (never written by hand).
type expectFile struct {
	Engine   string        `json:"engine"`
	Browser  string        `json:"browser"`
	Recorded string        `json:"recorded"`
	Entries  []expectEntry `json:"entries"`
}

type expectEntry struct {
	Case   string `json:"case"`
	Entry  int    `json:"entry"`
	Method string `json:"method"`
	URL    string `json:"url"`
	// Credentials is the fetch's credentials mode, which a HAR does not
	// record.
	Credentials     string   `json:"credentials,omitempty"`
	Allowed         bool     `json:"allowed"`
	Error           string   `json:"error,omitempty"`
	CorsError       string   `json:"cors_error,omitempty"`
	FailedParameter string   `json:"failed_parameter,omitempty"`
	Unavailable     []string `json:"unavailable,omitempty"`
}

func TestRecordHAR(t *testing.T) {
	if os.Getenv("CORSPROOF_RECORD_HAR") != "1" {
		t.Skip("re-records har/testdata from the real browsers: set CORSPROOF_RECORD_HAR=1")
	}
	for _, eng := range corsproof.Engines {
		t.Run(string(eng), func(t *testing.T) {
			testenv.Found(t, string(eng), browser.Finder(eng))
			ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
			defer cancel()
			lab, err := corstest.StartLab(ctx, corstest.LabConfig{Origins: []string{appOrigin}, Engine: eng})
			testenv.Started(t, string(eng), err)
			defer lab.Close()
			srv := &recordedAPI{}
			api := lab.Serve(t, srv)
			if login := api.From(appOrigin).GET("/api/login").Credentials().Result(); login.Err != nil || !login.Allowed() {
				t.Fatalf("login: %v %s", login.Err, login.Line())
			}
			var recs []recorded
			for _, c := range recordCases {
				srv.mu.Lock()
				before := len(srv.log)
				srv.mu.Unlock()
				req := c.do(api)
				at := time.Now().UTC()
				r := req.Result()
				if r.Err != nil {
					t.Fatalf("%s: %v", c.name, r.Err)
				}
				srv.mu.Lock()
				wire := append([]serverExchange(nil), srv.log[before:]...)
				srv.mu.Unlock()
				rec := recorded{name: c.name, at: at, res: r.Result, fetch: r.Scenario.Request, wire: wire}
				for _, x := range wire {
					for _, h := range x.reqHdrs {
						if h.Name == "User-Agent" {
							rec.userAgt = h.Value
						}
					}
				}
				recs = append(recs, rec)
				t.Logf("%s: %s", c.name, r.Line())
			}
			doc, idx := buildHAR(eng, recs)
			data, err := json.MarshalIndent(doc, "", "  ")
			if err != nil {
				t.Fatal(err)
			}
			exp := expectFile{Engine: string(eng), Browser: browserOf(recs), Recorded: time.Now().UTC().Format(time.DateOnly)}
			for i, r := range recs {
				o := r.res.Observation
				if o == nil {
					t.Fatalf("%s: no observation: %s", r.name, r.res.Explanation)
				}
				exp.Entries = append(exp.Entries, expectEntry{Case: r.name, Entry: idx[i], Method: orGET(r.fetch.Method), URL: r.res.URL, Credentials: string(r.fetch.Credentials),
					Allowed: o.Allowed, Error: o.Error, CorsError: o.CorsError, FailedParameter: o.FailedParameter, Unavailable: o.Unavailable})
			}
			ed, _ := json.MarshalIndent(exp, "", "  ")
			base := filepath.Join("testdata", string(eng))
			if err := os.WriteFile(base+".har", append(data, '\n'), 0o644); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(base+".expect.json", append(ed, '\n'), 0o644); err != nil {
				t.Fatal(err)
			}
		})
	}
}

func orGET(m string) string {
	if m == "" {
		return "GET"
	}
	return m
}

var uaVersion = regexp.MustCompile(`(HeadlessChrome|Chrome|Firefox|Version)/([0-9.]+)`)

func browserOf(recs []recorded) string {
	for _, r := range recs {
		if r.userAgt != "" {
			return r.userAgt
		}
	}
	return ""
}

func versionOf(ua, product string) string {
	for _, m := range uaVersion.FindAllStringSubmatch(ua, -1) {
		if strings.Contains(m[1], product) {
			return m[2]
		}
	}
	return ""
}

func iso(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000Z") }

// buildHAR writes the fetches as eng's exporter writes a HAR, and returns
// the entry index of each fetch's actual request.
func buildHAR(eng corsproof.Engine, recs []recorded) (map[string]any, []int) {
	ua := browserOf(recs)
	pageStart := recs[0].at.Add(-time.Second)
	var entries []map[string]any
	var idx []int
	for _, r := range recs {
		o := r.res.Observation
		pre, actual := exchangesFor(eng, r)
		if o.Preflight != nil && eng != corsproof.WebKit {
			pre = &serverExchange{method: o.Preflight.Method, url: o.Preflight.URL, reqHdrs: harHeaders(o.Preflight.RequestHeaders),
				status: o.Preflight.Status, respHdrs: harHeaders(o.Preflight.ResponseHeaders)}
		}
		if eng != corsproof.WebKit {
			actual = nil
			for _, a := range o.Actual {
				actual = append(actual, serverExchange{method: a.Method, url: a.URL, reqHdrs: harHeaders(a.RequestHeaders),
					status: a.Status, respHdrs: harHeaders(a.ResponseHeaders)})
			}
		}
		if len(actual) == 0 {
			// Never sent (its preflight failed): the exporter still lists
			// it, with the headers the page set and no response.
			actual = []serverExchange{{method: orGET(r.fetch.Method), url: r.res.URL, reqHdrs: provisional(r, ua)}}
		}
		for i := range actual {
			if i == len(actual)-1 && o.Allowed {
				actual[i].body = bodyOf(r.wire, actual[i])
			}
		}
		blocked := !o.Allowed
		mk := func(x serverExchange, at time.Time, preflight bool) map[string]any {
			switch eng {
			case corsproof.Chromium:
				return chromiumEntry(x, at, preflight, blocked, r.res.URL, r.fetch)
			case corsproof.Firefox:
				return firefoxEntry(x, at, r.fetch)
			}
			return webkitEntry(x, at, r.fetch)
		}
		at := r.at
		if eng == corsproof.Chromium {
			// Chromium's devtools list the request before its preflight.
			idx = append(idx, len(entries))
			for i, a := range actual {
				entries = append(entries, mk(a, at.Add(time.Duration(i)*3*time.Millisecond), false))
			}
			if pre != nil {
				entries = append(entries, mk(*pre, at.Add(time.Millisecond), true))
			}
			continue
		}
		if pre != nil {
			entries = append(entries, mk(*pre, at, true))
			at = at.Add(2 * time.Millisecond)
		}
		idx = append(idx, len(entries))
		for i, a := range actual {
			entries = append(entries, mk(a, at.Add(time.Duration(i)*3*time.Millisecond), false))
		}
	}
	page := map[string]any{"startedDateTime": iso(pageStart), "id": "page_1", "title": appOrigin + "/",
		"pageTimings": map[string]any{"onContentLoad": -1, "onLoad": -1}}
	log := map[string]any{"version": "1.2", "pages": []any{page}, "entries": entries}
	switch eng {
	case corsproof.Chromium:
		log["creator"] = map[string]any{"name": "WebInspector", "version": "537.36"}
	case corsproof.Firefox:
		v := versionOf(ua, "Firefox")
		log["creator"] = map[string]any{"name": "Firefox", "version": v}
		log["browser"] = map[string]any{"name": "Firefox", "version": v}
	default:
		page["id"] = "page_0"
		page["pageTimings"] = map[string]any{}
		for _, e := range entries {
			e["pageref"] = "page_0"
		}
		log["creator"] = map[string]any{"name": "WebKit Web Inspector", "version": "1.0"}
	}
	return map[string]any{"log": log}, idx
}

// exchangesFor splits what the server saw for r into its preflight and
// actual requests (WebKit shows no wire: the server's side is the wire).
func exchangesFor(_ corsproof.Engine, r recorded) (*serverExchange, []serverExchange) {
	var pre *serverExchange
	var actual []serverExchange
	for i, x := range r.wire {
		if x.method == http.MethodOptions {
			pre = &r.wire[i]
			continue
		}
		actual = append(actual, x)
	}
	return pre, actual
}

func bodyOf(wire []serverExchange, x serverExchange) string {
	for _, w := range wire {
		if w.method == x.method && w.url == x.url {
			return w.body
		}
	}
	return ""
}

// provisional are the request headers an exporter shows for a request
// that never went out: the page's, and those the renderer adds.
func provisional(r recorded, ua string) []har.Header {
	hs := []har.Header{{Name: "Referer", Value: appOrigin + "/"}, {Name: "User-Agent", Value: ua}}
	for _, h := range r.fetch.Headers {
		hs = append(hs, har.Header{Name: h.Name, Value: h.Value})
	}
	return hs
}

func harHeaders(hs []corsproof.Header) []har.Header {
	out := []har.Header{}
	for _, h := range hs {
		out = append(out, har.Header{Name: h.Name, Value: h.Value})
	}
	return out
}

func queryOf(u string) []any {
	out := []any{}
	if _, q, ok := strings.Cut(u, "?"); ok {
		for _, kv := range strings.Split(q, "&") {
			k, v, _ := strings.Cut(kv, "=")
			out = append(out, map[string]any{"name": k, "value": v})
		}
	}
	return out
}

func valueOf(hs []har.Header, name string) string {
	for _, h := range hs {
		if strings.EqualFold(h.Name, name) {
			return h.Value
		}
	}
	return ""
}

func postData(x serverExchange, f corsproof.Request) map[string]any {
	if x.method == http.MethodOptions || f.BodyText == "" {
		return nil
	}
	return map[string]any{"mimeType": valueOf(x.reqHdrs, "Content-Type"), "text": f.BodyText}
}

// chromiumEntry is an entry as devtools-frontend's HAR writer writes it.
func chromiumEntry(x serverExchange, at time.Time, preflight, blocked bool, actualURL string, f corsproof.Request) map[string]any {
	req := map[string]any{"method": x.method, "url": x.url, "httpVersion": "http/1.1", "headers": x.reqHdrs,
		"queryString": queryOf(x.url), "cookies": []any{}, "headersSize": -1, "bodySize": len(f.BodyText)}
	if pd := postData(x, f); pd != nil {
		req["postData"] = pd
	} else {
		req["bodySize"] = 0
	}
	resp := map[string]any{"status": x.status, "statusText": statusText(x.status), "httpVersion": "http/1.1", "headers": x.respHdrs,
		"cookies": []any{}, "content": map[string]any{"size": len(x.body), "mimeType": orUnknown(valueOf(x.respHdrs, "Content-Type"))},
		"redirectURL": "", "headersSize": -1, "bodySize": -1, "_transferSize": 0, "_error": nil}
	if x.body != "" {
		resp["content"].(map[string]any)["text"] = x.body
	}
	if !preflight && blocked {
		resp["_error"] = "net::ERR_FAILED"
	}
	if x.status == 0 {
		resp["httpVersion"] = ""
		resp["headers"] = []any{}
	}
	e := map[string]any{"_priority": "High", "_resourceType": "fetch", "cache": map[string]any{}, "pageref": "page_1",
		"request": req, "response": resp, "serverIPAddress": "127.0.0.1", "startedDateTime": iso(at), "time": 2.5,
		"timings": map[string]any{"blocked": 0.5, "dns": -1, "ssl": -1, "connect": -1, "send": 0.1, "wait": 1.5, "receive": 0.4, "_blocked_queueing": 0.3}}
	if preflight {
		e["_resourceType"] = "preflight"
		e["_initiator"] = map[string]any{"type": "preflight", "url": actualURL}
	} else {
		e["_initiator"] = map[string]any{"type": "script", "stack": map[string]any{"callFrames": []any{}}}
	}
	return e
}

// firefoxEntry is an entry as Firefox's netmonitor har-builder.js writes it.
func firefoxEntry(x serverExchange, at time.Time, f corsproof.Request) map[string]any {
	req := map[string]any{"bodySize": 0, "method": x.method, "url": x.url, "httpVersion": "HTTP/1.1", "headers": x.reqHdrs,
		"cookies": []any{}, "queryString": queryOf(x.url), "headersSize": 0}
	if pd := postData(x, f); pd != nil {
		req["postData"] = pd
		req["bodySize"] = len(f.BodyText)
	}
	content := map[string]any{"mimeType": valueOf(x.respHdrs, "Content-Type"), "size": len(x.body)}
	if x.body != "" {
		content["text"] = x.body
	}
	resp := map[string]any{"status": x.status, "statusText": statusText(x.status), "httpVersion": "HTTP/1.1", "headers": x.respHdrs,
		"cookies": []any{}, "content": content, "redirectURL": "", "headersSize": 0, "bodySize": len(x.body)}
	if x.status == 0 {
		resp["httpVersion"] = ""
		resp["bodySize"] = -1
		resp["headersSize"] = -1
	}
	return map[string]any{"startedDateTime": iso(at), "request": req, "response": resp, "cache": map[string]any{},
		"timings": map[string]any{"blocked": 0, "dns": 0, "connect": 0, "ssl": 0, "send": 0, "wait": 2, "receive": 0},
		"time":    2, "_securityState": "secure", "serverIPAddress": "127.0.0.1", "connection": "443", "pageref": "page_1"}
}

// webkitEntry is an entry as Web Inspector's HARBuilder.js writes it.
func webkitEntry(x serverExchange, at time.Time, f corsproof.Request) map[string]any {
	req := map[string]any{"method": x.method, "url": x.url, "httpVersion": "HTTP/1.1", "cookies": []any{}, "headers": x.reqHdrs,
		"queryString": queryOf(x.url), "headersSize": -1, "bodySize": 0}
	if pd := postData(x, f); pd != nil {
		pd["params"] = []any{}
		req["postData"] = pd
		req["bodySize"] = len(f.BodyText)
	}
	resp := map[string]any{"status": x.status, "statusText": statusText(x.status), "httpVersion": "HTTP/1.1", "cookies": []any{},
		"headers": x.respHdrs, "content": map[string]any{"size": len(x.body), "compression": 0, "mimeType": orUnknown(valueOf(x.respHdrs, "Content-Type"))},
		"redirectURL": "", "headersSize": -1, "bodySize": len(x.body)}
	if x.status == 0 {
		resp["httpVersion"] = ""
	}
	return map[string]any{"pageref": "page_1", "startedDateTime": iso(at), "time": 2, "request": req, "response": resp, "cache": map[string]any{},
		"timings":         map[string]any{"blocked": 0, "dns": -1, "connect": -1, "ssl": -1, "send": 0, "wait": 2, "receive": 0},
		"serverIPAddress": "127.0.0.1", "_fetchType": "Network Load"}
}

func statusText(s int) string {
	if s == 0 {
		return ""
	}
	return http.StatusText(s)
}

func orUnknown(m string) string {
	if m == "" {
		return "x-unknown"
	}
	return m
}
