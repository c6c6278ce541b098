package infer

import (
	"context"
	"fmt"
	"strings"

	"github.com/corsproof/corsproof/audit"
	"github.com/corsproof/corsproof/spec"
)

// Exchange is one request infer sent and the CORS part of the answer
// (audit's exchange, shown with its answer's headers).
type Exchange audit.Exchange

// Response is the answer as the spec model takes it.
func (x Exchange) Response() spec.Response {
	return spec.Response{Status: x.Status, Headers: x.ResponseHeaders}
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
	if len(x.ResponseHeaders) == 0 {
		b.WriteString(" (no CORS headers)")
	}
	for i, h := range x.ResponseHeaders {
		sep := ", "
		if i == 0 {
			sep = " "
		}
		fmt.Fprintf(&b, "%s%s: %s", sep, h.Name, h.Value)
	}
	return b.String()
}

// UnreachableError: a request got no HTTP answer; nothing is inferred.
type UnreachableError = audit.UnreachableError

// ErrBudget: the probes would exceed Config.MaxRequests.
var ErrBudget = audit.ErrBudget

// prober sends requests against one budget and remembers every answer, so
// the same probe is sent once (a GET twice: a changing answer shows).
type prober struct {
	*audit.Prober
	cache map[string][]Exchange
	// unstable are the GETs whose two answers differed.
	unstable [][2]Exchange
}

func (p *prober) send(ctx context.Context, method, target, origin string, extra spec.Headers) (Exchange, error) {
	x, err := p.Send(ctx, method, target, origin, extra)
	return Exchange(x), err
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
	if a.Status != b.Status || headerKey(a.ResponseHeaders) != headerKey(b.ResponseHeaders) {
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
