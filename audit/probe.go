package audit

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"sort"
	"strings"
	"time"

	"github.com/corsproof/corsproof/spec"
)

// Exchange is one request audit sent and the CORS part of the answer.
type Exchange struct {
	Method string `json:"method"`
	URL    string `json:"url"`
	// Origin is the Origin header sent ("" when none).
	Origin string `json:"origin"`
	// RequestHeaders are the other CORS request headers sent
	// (Access-Control-Request-Method and -Headers of a preflight).
	RequestHeaders spec.Headers `json:"request_headers,omitempty"`
	Status         int          `json:"status"`
	// ResponseHeaders are the CORS response headers and Vary, one entry per
	// header line, in a fixed name order.
	ResponseHeaders spec.Headers `json:"response_headers,omitempty"`
}

// String is "GET http://… Origin: x → 200".
func (x Exchange) String() string {
	s := fmt.Sprintf("%s %s", x.Method, x.URL)
	if x.Origin != "" {
		s += " Origin: " + x.Origin
	}
	for _, h := range x.RequestHeaders {
		s += " " + h.Name + ": " + h.Value
	}
	return fmt.Sprintf("%s → %d", s, x.Status)
}

// Response is the answer as the spec model takes it.
func (x Exchange) Response() spec.Response {
	return spec.Response{Status: x.Status, Headers: x.ResponseHeaders}
}

// corsResponseHeaders are the headers an exchange keeps, in this order.
var corsResponseHeaders = []string{
	spec.HeaderAllowOrigin, spec.HeaderAllowCredentials, spec.HeaderAllowMethods,
	spec.HeaderAllowHeaders, spec.HeaderExposeHeaders, spec.HeaderMaxAge, spec.HeaderVary,
}

// UnreachableError: a request to the target got no HTTP answer (refused,
// timed out, TLS failure). No judgement is made then.
type UnreachableError struct {
	URL string
	Err error
}

func (e *UnreachableError) Error() string {
	return fmt.Sprintf("target %s unreachable: %v", e.URL, e.Err)
}

func (e *UnreachableError) Unwrap() error { return e.Err }

// ErrBudget: the probes would exceed Config.MaxRequests.
var ErrBudget = errors.New("request budget exhausted")

// Prober sends CORS probes, to whichever URL each names, against one
// budget of requests: audit's and infer's requests alike.
type Prober struct {
	// Client sends them (it should not follow redirects).
	Client *http.Client
	// Max is the budget; UserAgent the User-Agent sent.
	Max       int
	UserAgent string
	sent      int
}

// NewProber is a Prober over tr (nil: a transport of its own that dials
// directly, never through a proxy) whose client never follows a redirect:
// a redirect is an answer to judge. done closes its own idle connections.
func NewProber(tr http.RoundTripper, timeout time.Duration, max int, userAgent string) (p *Prober, done func()) {
	done = func() {}
	if tr == nil {
		t := &http.Transport{Proxy: nil, DialContext: (&net.Dialer{Timeout: timeout}).DialContext,
			TLSHandshakeTimeout: timeout, MaxIdleConnsPerHost: 2}
		tr, done = t, t.CloseIdleConnections
	}
	return &Prober{
		Client: &http.Client{Transport: tr, Timeout: timeout,
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }},
		Max: max, UserAgent: userAgent,
	}, done
}

// Sent is how many requests p has sent.
func (p *Prober) Sent() int { return p.sent }

type prober = Prober

// send sends one request to target; extra are further request headers
// (ACRM, ACRH).
func (p *prober) send(ctx context.Context, method, target, origin string, extra spec.Headers) (Exchange, error) {
	return p.Send(ctx, method, target, origin, extra)
}

// Send sends one request to target from origin ("" for none, sent verbatim
// otherwise); extra are further request headers (ACRM, ACRH). The answer
// keeps its CORS headers and Vary.
func (p *Prober) Send(ctx context.Context, method, target, origin string, extra spec.Headers) (Exchange, error) {
	if p.sent >= p.Max {
		return Exchange{}, fmt.Errorf("%w (%d requests)", ErrBudget, p.Max)
	}
	p.sent++
	req, err := http.NewRequestWithContext(ctx, method, target, nil)
	if err != nil {
		return Exchange{}, err
	}
	x := Exchange{Method: method, URL: target, Origin: origin}
	if origin != "" {
		req.Header["Origin"] = []string{origin} // verbatim: no canonicalisation of the value
	}
	for _, h := range extra {
		req.Header.Add(h.Name, h.Value)
		x.RequestHeaders = append(x.RequestHeaders, h)
	}
	req.Header.Set("User-Agent", p.UserAgent)
	resp, err := p.Client.Do(req)
	if err != nil {
		if ctx.Err() != nil {
			return Exchange{}, ctx.Err()
		}
		return Exchange{}, &UnreachableError{URL: target, Err: err}
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<16))
	resp.Body.Close()
	x.Status = resp.StatusCode
	for _, name := range corsResponseHeaders {
		for _, v := range resp.Header.Values(name) {
			x.ResponseHeaders = append(x.ResponseHeaders, spec.Header{Name: name, Value: v})
		}
	}
	return x, nil
}

// sendTwice sends the same request twice and returns both answers.
func (p *prober) sendTwice(ctx context.Context, method, target, origin string, extra spec.Headers) ([2]Exchange, error) {
	var out [2]Exchange
	for i := range out {
		x, err := p.send(ctx, method, target, origin, extra)
		if err != nil {
			return out, err
		}
		out[i] = x
	}
	return out, nil
}

// sameAnswer compares two answers: status and every kept header line.
func sameAnswer(a, b Exchange) bool {
	return a.Status == b.Status && headerKey(a.ResponseHeaders) == headerKey(b.ResponseHeaders)
}

func headerKey(h spec.Headers) string {
	lines := make([]string, len(h))
	for i, x := range h {
		lines[i] = strings.ToLower(x.Name) + ": " + x.Value
	}
	sort.Strings(lines)
	return strings.Join(lines, "\n")
}

// diff says which headers differ between two answers.
func diff(a, b Exchange) string {
	var parts []string
	if a.Status != b.Status {
		parts = append(parts, fmt.Sprintf("status %d then %d", a.Status, b.Status))
	}
	for _, name := range corsResponseHeaders {
		va, oka := a.ResponseHeaders.Get(name)
		vb, okb := b.ResponseHeaders.Get(name)
		if va != vb || oka != okb {
			parts = append(parts, fmt.Sprintf("%s %s then %s", name, show(va, oka), show(vb, okb)))
		}
	}
	return strings.Join(parts, "; ")
}

func show(v string, ok bool) string {
	if !ok {
		return "absent"
	}
	return fmt.Sprintf("%q", v)
}
