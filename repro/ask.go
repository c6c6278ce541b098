package repro

import (
	"bufio"
	"fmt"
	"net"
	"net/http"
	"net/textproto"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/corsproof/corsproof"
	"github.com/corsproof/corsproof/spec"
)

// SourceAskedAgain marks an exchange the browser sent but did not report
// over the DevTools protocol (a preflight after a redirect): the request
// the Fetch model says was sent, answered again by the server after the
// run.
const SourceAskedAgain = "asked-again"

// AskFunc answers a request of the model's Decision.Sent that no recorded
// exchange holds.
type AskFunc func(spec.ServerRequest) (Recorded, error)

// AskHandler serves h on a loopback listener and returns an AskFunc that
// sends it the model's requests as raw HTTP/1.1 and records the response's
// status and header lines as they came. stop closes the listener.
func AskHandler(h http.Handler) (ask AskFunc, stop func(), err error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, nil, fmt.Errorf("repro: listen on 127.0.0.1: %w", err)
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 5 * time.Second}
	go srv.Serve(ln)
	ask = func(sr spec.ServerRequest) (Recorded, error) {
		return askRaw(ln.Addr().String(), sr)
	}
	return ask, func() { srv.Close() }, nil
}

func askRaw(addr string, sr spec.ServerRequest) (Recorded, error) {
	u, err := url.Parse(sr.URL)
	if err != nil {
		return Recorded{}, err
	}
	conn, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		return Recorded{}, err
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(10 * time.Second))
	rec := Recorded{Role: "actual", Method: sr.Method, URL: sr.URL, Source: SourceAskedAgain}
	if sr.Preflight {
		rec.Role = "preflight"
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s HTTP/1.1\r\nHost: %s\r\n", sr.Method, u.RequestURI(), u.Host)
	rec.RequestHeaders = append(rec.RequestHeaders, corsproof.Header{Name: "Host", Value: u.Host})
	for _, h := range sr.Headers {
		fmt.Fprintf(&b, "%s: %s\r\n", h.Name, h.Value)
		rec.RequestHeaders = append(rec.RequestHeaders, corsproof.Header{Name: h.Name, Value: h.Value})
	}
	b.WriteString("\r\n")
	if _, err := conn.Write([]byte(b.String())); err != nil {
		return Recorded{}, err
	}
	tp := textproto.NewReader(bufio.NewReader(conn))
	status, err := tp.ReadLine()
	if err != nil {
		return Recorded{}, fmt.Errorf("repro: asking %s %s again: %w", sr.Method, sr.URL, err)
	}
	f := strings.Fields(status)
	if len(f) < 2 {
		return Recorded{}, fmt.Errorf("repro: asking %s %s again: bad status line %q", sr.Method, sr.URL, status)
	}
	if rec.Status, err = strconv.Atoi(f[1]); err != nil {
		return Recorded{}, fmt.Errorf("repro: asking %s %s again: bad status line %q", sr.Method, sr.URL, status)
	}
	for {
		line, err := tp.ReadLine()
		if err != nil {
			return Recorded{}, fmt.Errorf("repro: asking %s %s again: %w", sr.Method, sr.URL, err)
		}
		if line == "" {
			return rec, nil
		}
		if name, value, ok := strings.Cut(line, ":"); ok {
			rec.ResponseHeaders = append(rec.ResponseHeaders, corsproof.Header{Name: name, Value: strings.TrimSpace(value)})
		}
	}
}

// fresh walks the fetch as a fresh browser would (no preflight cache)
// through the Fetch model, answering from the recorded exchanges and
// asking the server for any request they lack: a repeated scenario whose
// judged fetch used a cached preflight, or a redirect hop the browser did
// not report.
func fresh(ex []Recorded, req spec.Request, p spec.Profile, ask AskFunc) ([]Recorded, []string) {
	var notes []string
	srv := func(sr spec.ServerRequest) (spec.Response, bool) {
		for _, x := range ex {
			if x.Method == sr.Method && sameURL(x.URL, sr.URL) {
				return spec.Response{Status: x.Status, Headers: specHeaders(x.ResponseHeaders)}, x.Status != 0
			}
		}
		r, err := ask(sr)
		if err != nil {
			notes = append(notes, err.Error())
			return spec.Response{}, false
		}
		ex = append(ex, r)
		return spec.Response{Status: r.Status, Headers: specHeaders(r.ResponseHeaders)}, true
	}
	spec.Decide(req, srv, p)
	return ex, notes
}

func specHeaders(hs []corsproof.Header) spec.Headers {
	out := make(spec.Headers, 0, len(hs))
	for _, h := range hs {
		out = append(out, spec.Header{Name: h.Name, Value: h.Value})
	}
	return out
}

// askMissing asks again for every request the model sent that no
// exchange holds; failures become notes.
func askMissing(ex []Recorded, sent []spec.ServerRequest, ask AskFunc) ([]Recorded, []string) {
	var notes []string
	for _, sr := range sent {
		if hasExchange(ex, sr) {
			continue
		}
		r, err := ask(sr)
		if err != nil {
			notes = append(notes, err.Error())
			continue
		}
		ex = append(ex, r)
	}
	return ex, notes
}

func hasExchange(ex []Recorded, sr spec.ServerRequest) bool {
	for _, x := range ex {
		if x.Method == sr.Method && sameURL(x.URL, sr.URL) {
			return true
		}
	}
	return false
}

func sameURL(a, b string) bool {
	ua, err1 := url.Parse(a)
	ub, err2 := url.Parse(b)
	if err1 != nil || err2 != nil {
		return a == b
	}
	return ua.String() == ub.String()
}
