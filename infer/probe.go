package infer

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/corsproof/corsproof/spec"
)

// Exchange is one request infer sent and the CORS part of the answer.
type Exchange struct {
	Method string
	URL    string
	Origin string
	// RequestHeaders are Access-Control-Request-Method and -Headers.
	RequestHeaders spec.Headers
	Status         int
	// Headers are the CORS response headers and Vary, a line each.
	Headers spec.Headers
}

// Response is the answer as the spec model takes it.
func (x Exchange) Response() spec.Response {
	return spec.Response{Status: x.Status, Headers: x.Headers}
}

// String is the exchange in one line: request, status and CORS headers.
func (x Exchange) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s", x.Method, x.URL)
	if x.Origin != "" {
		fmt.Fprintf(&b, " Origin: %s", x.Origin)
	}
	for _, h := range x.RequestHeaders {
		fmt.Fprintf(&b, " %s: %s", h.Name, h.Value)
	}
	fmt.Fprintf(&b, " → %d", x.Status)
	if len(x.Headers) == 0 {
		b.WriteString(" (no CORS headers)")
	}
	for i, h := range x.Headers {
		sep := ", "
		if i == 0 {
			sep = " "
		}
		fmt.Fprintf(&b, "%s%s: %s", sep, h.Name, h.Value)
	}
	return b.String()
}

var keptHeaders = []string{
	spec.HeaderAllowOrigin, spec.HeaderAllowCredentials, spec.HeaderAllowMethods,
	spec.HeaderAllowHeaders, spec.HeaderExposeHeaders, spec.HeaderMaxAge, spec.HeaderVary,
}

// UnreachableError: a request got no HTTP answer; nothing is inferred.
type UnreachableError struct {
	URL string
	Err error
}

func (e *UnreachableError) Error() string {
	return fmt.Sprintf("target %s unreachable: %v", e.URL, e.Err)
}
func (e *UnreachableError) Unwrap() error { return e.Err }

// ErrBudget: the probes would exceed Config.MaxRequests.
var ErrBudget = errors.New("infer: request budget exhausted")

// prober sends requests against one budget and remembers every answer, so
// the same probe is sent once (a GET twice: a changing answer shows).
type prober struct {
	client *http.Client
	max    int
	sent   int
	cache  map[string][]Exchange
	// unstable are the GETs whose two answers differed.
	unstable [][2]Exchange
}

func (p *prober) send(ctx context.Context, method, target, origin string, extra spec.Headers) (Exchange, error) {
	if p.sent >= p.max {
		return Exchange{}, fmt.Errorf("%w (%d requests)", ErrBudget, p.max)
	}
	p.sent++
	req, err := http.NewRequestWithContext(ctx, method, target, nil)
	if err != nil {
		return Exchange{}, err
	}
	x := Exchange{Method: method, URL: target, Origin: origin, RequestHeaders: extra}
	if origin != "" {
		req.Header["Origin"] = []string{origin} // verbatim
	}
	for _, h := range extra {
		req.Header.Add(h.Name, h.Value)
	}
	req.Header.Set("User-Agent", "corsproof-infer")
	resp, err := p.client.Do(req)
	if err != nil {
		if ctx.Err() != nil {
			return Exchange{}, ctx.Err()
		}
		return Exchange{}, &UnreachableError{URL: target, Err: err}
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<16))
	resp.Body.Close()
	x.Status = resp.StatusCode
	for _, name := range keptHeaders {
		for _, v := range resp.Header.Values(name) {
			x.Headers = append(x.Headers, spec.Header{Name: name, Value: v})
		}
	}
	return x, nil
}

func cacheKey(method, target, origin string, extra spec.Headers) string {
	k := method + " " + target + " " + origin
	for _, h := range extra {
		k += "|" + strings.ToLower(h.Name) + ":" + h.Value
	}
	return k
}

// get is the GET from origin, sent twice the first time it is asked for.
func (p *prober) get(ctx context.Context, target, origin string) (Exchange, error) {
	k := cacheKey("GET", target, origin, nil)
	if xs, ok := p.cache[k]; ok {
		return xs[0], nil
	}
	a, err := p.send(ctx, "GET", target, origin, nil)
	if err != nil {
		return a, err
	}
	b, err := p.send(ctx, "GET", target, origin, nil)
	if err != nil {
		return a, err
	}
	p.cache[k] = []Exchange{a, b}
	if a.Status != b.Status || headerKey(a.Headers) != headerKey(b.Headers) {
		p.unstable = append(p.unstable, [2]Exchange{a, b})
	}
	return a, nil
}

// preflight is the OPTIONS with extra (ACRM, ACRH) from origin, sent once.
func (p *prober) preflight(ctx context.Context, target, origin string, extra spec.Headers) (Exchange, error) {
	k := cacheKey("OPTIONS", target, origin, extra)
	if xs, ok := p.cache[k]; ok {
		return xs[0], nil
	}
	x, err := p.send(ctx, "OPTIONS", target, origin, extra)
	if err != nil {
		return x, err
	}
	p.cache[k] = []Exchange{x}
	return x, nil
}

func headerKey(h spec.Headers) string {
	var b strings.Builder
	for _, x := range h {
		b.WriteString(strings.ToLower(x.Name) + ": " + x.Value + "\n")
	}
	return b.String()
}
