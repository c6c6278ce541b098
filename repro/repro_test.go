package repro

import (
	"bytes"
	"context"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/corsproof/corsproof"
	"github.com/corsproof/corsproof/browser"
	"github.com/corsproof/corsproof/policy"
	"github.com/corsproof/corsproof/spec"
)

const (
	testPage = "https://app.example.test/"
	testURL  = "https://api.example.test/p/default/api/items?cp=t-1"
)

// syntheticInput is a blocked preflight whose response has duplicate
// header lines, odd case and an order no sorting would give, and an
// allowed-looking actual response with a body, so the replay can be held
// to every byte.
func syntheticInput() Input {
	pre := &browser.Exchange{
		URL: testURL, Method: "OPTIONS",
		RequestHeaders: []corsproof.Header{{Name: "Origin", Value: testPage[:len(testPage)-1]}, {Name: "Access-Control-Request-Method", Value: "PUT"}},
		Status:         204,
		ResponseHeaders: []corsproof.Header{
			{Name: "Vary", Value: "Origin"},
			{Name: "access-control-allow-origin", Value: "https://app.example.test"},
			{Name: "Vary", Value: "Access-Control-Request-Method"},
			{Name: "Access-Control-Allow-Methods", Value: "GET,  POST"},
			{Name: "X-Dup", Value: "b"},
			{Name: "X-Dup", Value: "a"},
		},
	}
	actual := browser.Exchange{
		URL: testURL, Method: "PUT", Status: 200,
		ResponseHeaders: []corsproof.Header{
			{Name: "Content-Type", Value: "application/json"},
			{Name: "Set-Cookie", Value: "a=1"},
			{Name: "Set-Cookie", Value: "b=2"},
			{Name: "Content-Length", Value: "11"},
		},
	}
	return Input{
		Result: corsproof.Result{
			Scenario: corsproof.Scenario{ID: "synthetic-put", Title: "a synthetic PUT", Policy: "default", Site: "app",
				Request: corsproof.Request{Path: "/api/items", Method: "PUT", Headers: spec.Headers{{Name: "X-B", Value: "2"}, {Name: "X-A", Value: "1"}},
					Body: spec.BodyText, BodyText: `{"a":"</script>"}`, Credentials: spec.CredentialsInclude}},
			Verdict: corsproof.VerdictBrowserDeviation, Explanation: "synthetic",
			URL: testURL,
			Observation: &corsproof.Observation{
				Allowed: true, Status: 200, Type: "cors", Body: `{"ok":true}`,
				Preflight: pre, Actual: []browser.Exchange{actual},
			},
			WireDecision: &spec.Decision{Steps: []spec.Step{{Rule: "R4.2.6", Text: "method PUT is listed", OK: false}}},
		},
		Policy:  policy.Default(),
		Site:    corsproof.Site{Name: "app", Origin: "https://app.example.test", Class: corsproof.ClassAllowed},
		PageURL: testPage,
		Fault:   "acah-missing-header", FaultSummary: "drops a header",
	}
}

func TestBuildWritesEveryFileAndThePageRunsExactlyTheRunsFetch(t *testing.T) {
	in := syntheticInput()
	files, err := Build(in)
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range []string{FilePolicy, FilePage, FileExchangesTxt, FileExchanges, FileFetch, FileServer, FileGoMod, FileReadme} {
		if len(files[n]) == 0 {
			t.Errorf("%s is missing or empty", n)
		}
	}
	script, err := browser.FetchScript(in.Result.Scenario.Request.Fetch(testPage, testURL))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(files[FilePage], []byte(script)) {
		t.Errorf("page.html does not hold the run's fetch expression verbatim:\n%s", files[FilePage])
	}
	if bytes.Contains(files[FilePage], []byte("</script>\"")) {
		t.Errorf("the body's </script> was not escaped in page.html")
	}
	if _, err := policy.Parse("policy.yaml", files[FilePolicy]); err != nil {
		t.Errorf("policy.yaml does not load back: %v", err)
	}
	for _, want := range []string{"## Verdict: browser-deviation (unknown)", "FAIL R4.2.6", "acah-missing-header", "--ignore-certificate-errors-spki-list"} {
		if !bytes.Contains(files[FileReadme], []byte(want)) {
			t.Errorf("README lacks %q", want)
		}
	}
	txt := string(files[FileExchangesTxt])
	for _, want := range []string{
		"OPTIONS /p/default/api/items?cp=t-1 HTTP/1.1\n",
		"HTTP/1.1 204 No Content\nVary: Origin\naccess-control-allow-origin: https://app.example.test\nVary: Access-Control-Request-Method\n",
		"X-Dup: b\nX-Dup: a\n",
		"PUT /p/default/api/items?cp=t-1 HTTP/1.1\n",
		"\n{\"ok\":true}\n",
	} {
		if !strings.Contains(txt, want) {
			t.Errorf("exchanges.txt lacks %q:\n%s", want, txt)
		}
	}
}

func TestBuildRefusesAResultWithoutObservation(t *testing.T) {
	in := syntheticInput()
	in.Result.Observation = nil
	if _, err := Build(in); err == nil || !strings.Contains(err.Error(), "no browser observation") {
		t.Fatalf("err = %v", err)
	}
}

// The generated server compiles and vets on its own, and replays the
// recorded status and header lines byte for byte, in order, duplicates
// included, behind a certificate whose pin it prints.
func TestGeneratedServerReplaysTheRecordedHeadersByteForByte(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a Go program")
	}
	files, err := Build(syntheticInput())
	if err != nil {
		t.Fatal(err)
	}
	srv := startServer(t, files)

	pre := roundTrip(srv, t, "api.example.test", "OPTIONS /p/default/api/items?cp=t-1 HTTP/1.1\r\nHost: api.example.test\r\nOrigin: https://app.example.test\r\nAccess-Control-Request-Method: PUT\r\n\r\n")
	wantPre := "HTTP/1.1 204 No Content\r\n" +
		"Vary: Origin\r\n" +
		"access-control-allow-origin: https://app.example.test\r\n" +
		"Vary: Access-Control-Request-Method\r\n" +
		"Access-Control-Allow-Methods: GET,  POST\r\n" +
		"X-Dup: b\r\n" +
		"X-Dup: a\r\n\r\n"
	if pre != wantPre {
		t.Errorf("preflight replay:\n%q\nwant\n%q", pre, wantPre)
	}
	act := roundTrip(srv, t, "api.example.test", "PUT /p/default/api/items?cp=t-1 HTTP/1.1\r\nHost: api.example.test\r\nContent-Length: 2\r\n\r\n{}")
	wantAct := "HTTP/1.1 200 OK\r\n" +
		"Content-Type: application/json\r\n" +
		"Set-Cookie: a=1\r\n" +
		"Set-Cookie: b=2\r\n" +
		"Content-Length: 11\r\n\r\n" +
		`{"ok":true}`
	if act != wantAct {
		t.Errorf("actual replay:\n%q\nwant\n%q", act, wantAct)
	}
	page := roundTrip(srv, t, "app.example.test", "GET / HTTP/1.1\r\nHost: app.example.test\r\nConnection: close\r\n\r\n")
	if !strings.HasPrefix(page, "HTTP/1.1 200 OK\r\n") || !strings.Contains(page, string(files[FilePage])) {
		t.Errorf("the page is not served at its URL:\n%.400s", page)
	}
	roundTrip(srv, t, "app.example.test", "POST /__corsproof/result HTTP/1.1\r\nHost: app.example.test\r\nConnection: close\r\nContent-Length: 16\r\n\r\n{\"allowed\":true}")
	if got := roundTrip(srv, t, "app.example.test", "GET /__corsproof/result HTTP/1.1\r\nHost: app.example.test\r\nConnection: close\r\n\r\n"); !strings.HasSuffix(got, "\r\n\r\n{\"allowed\":true}") {
		t.Errorf("the page's report is not handed back:\n%s", got)
	}
	if !strings.Contains(srv.Log(), `page.html reports: {"allowed":true}`) {
		t.Errorf("the page's report is not in the server's log:\n%s", srv.Log())
	}
	miss := roundTrip(srv, t, "api.example.test", "GET /nothing HTTP/1.1\r\nHost: api.example.test\r\nConnection: close\r\n\r\n")
	if !strings.HasPrefix(miss, "HTTP/1.1 404 ") {
		t.Errorf("an unrecorded request is not a 404:\n%s", miss)
	}
}

// startServer writes files to a temp dir, vets server.go there, and runs it
// on 127.0.0.1:0 until the test ends.
func startServer(t *testing.T, files map[string][]byte) *Process {
	t.Helper()
	dir := t.TempDir()
	for n, b := range files {
		if err := os.WriteFile(filepath.Join(dir, n), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	vet := exec.Command("go", "vet", ".")
	vet.Dir = dir
	vet.Env = append(os.Environ(), "GOTOOLCHAIN=local", "GOFLAGS=")
	if out, err := vet.CombinedOutput(); err != nil {
		t.Fatalf("go vet of the generated server: %v\n%s", err, out)
	}
	p, err := Start(context.Background(), dir, "127.0.0.1:0", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("server log:\n%s", p.Log())
		}
		p.Close()
	})
	return p
}

// roundTrip sends raw over TLS to host's listener and returns every byte
// of the answer up to the server's close. The certificate must carry the
// printed pin.
func roundTrip(s *Process, t *testing.T, host, raw string) string {
	t.Helper()
	addr, ok := s.HostRules[host+":443"]
	if !ok {
		t.Fatalf("no host rule for %s in %v", host, s.HostRules)
	}
	conn, err := tls.Dial("tcp", addr, &tls.Config{ServerName: host, InsecureSkipVerify: true, NextProtos: []string{"http/1.1"}})
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	certs := conn.ConnectionState().PeerCertificates
	if len(certs) == 0 || spkiPin(t, certs[0]) != s.Pin {
		t.Errorf("%s: the certificate's pin is not the printed %s", host, s.Pin)
	}
	if err := certs[0].VerifyHostname(host); err != nil {
		t.Errorf("the certificate does not cover %s: %v", host, err)
	}
	conn.SetDeadline(time.Now().Add(10 * time.Second))
	if _, err := io.WriteString(conn, raw); err != nil {
		t.Fatal(err)
	}
	b, err := io.ReadAll(conn)
	if err != nil {
		t.Fatalf("reading the answer: %v (so far %q)", err, b)
	}
	return string(b)
}

func spkiPin(t *testing.T, c *x509.Certificate) string {
	sum := sha256.Sum256(c.RawSubjectPublicKeyInfo)
	return base64.StdEncoding.EncodeToString(sum[:])
}

// A request the model sent but the browser did not report (the second
// preflight after a redirect) is asked again from the server, recorded
// with its header lines in wire order and marked as such.
func TestBuildAsksAgainForRequestsTheBrowserDidNotReport(t *testing.T) {
	const second = "https://api.other.test/p/default/api/items/1?hop=x"
	in := syntheticInput()
	in.Result.WireDecision.Sent = []spec.ServerRequest{
		{Preflight: true, Method: "OPTIONS", URL: testURL},
		{Method: "PUT", URL: testURL},
		{Preflight: true, Method: "OPTIONS", URL: second, Headers: spec.Headers{{Name: "Origin", Value: "null"}, {Name: "Access-Control-Request-Method", Value: "PUT"}}},
	}
	var asked []string
	ask, stop, err := AskHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		asked = append(asked, r.Method+" "+r.Host+r.URL.RequestURI()+" origin="+r.Header.Get("Origin"))
		w.Header().Set("Zeta", "1")
		w.Header().Add("Vary", "Origin")
		w.Header().Add("Vary", "Access-Control-Request-Method")
		w.WriteHeader(http.StatusNoContent)
	}))
	if err != nil {
		t.Fatal(err)
	}
	defer stop()
	in.Ask = ask
	files, err := Build(in)
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"OPTIONS api.other.test/p/default/api/items/1?hop=x origin=null"}; strings.Join(asked, "|") != strings.Join(want, "|") {
		t.Errorf("asked %q, want only %q (the others were recorded)", asked, want)
	}
	var got struct {
		Exchanges []Recorded `json:"exchanges"`
	}
	if err := json.Unmarshal(files[FileExchanges], &got); err != nil {
		t.Fatal(err)
	}
	last := got.Exchanges[len(got.Exchanges)-1]
	if len(got.Exchanges) != 3 || last.Source != SourceAskedAgain || last.URL != second || last.Status != 204 {
		t.Fatalf("exchanges: %+v", got.Exchanges)
	}
	var lines []string
	for _, h := range last.ResponseHeaders {
		lines = append(lines, h.Name+": "+h.Value)
	}
	if !strings.HasPrefix(strings.Join(lines, "\n"), "Vary: Origin\nVary: Access-Control-Request-Method\nZeta: 1\nDate: ") {
		t.Errorf("asked-again response lines are not as on the wire:\n%s", strings.Join(lines, "\n"))
	}
	if !bytes.Contains(files[FileExchangesTxt], []byte("NOT reported by the browser")) || !bytes.Contains(files[FileReadme], []byte("did not show the preflight OPTIONS "+second)) {
		t.Errorf("the asked-again exchange is not marked in exchanges.txt and README")
	}
	if !bytes.Contains(files[FileServer], []byte(second)) {
		t.Errorf("server.go cannot replay the asked-again exchange")
	}
}
