package browser

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"time"
)

// wdClient speaks the classic W3C WebDriver protocol (JSON over HTTP) to
// one driver on loopback: the few commands the WebKit engine needs, with no
// third-party library.
type wdClient struct {
	base    string // http://127.0.0.1:port
	session string // set by newSession
	hc      *http.Client
}

func newWDClient(base string) *wdClient {
	return &wdClient{base: base, hc: &http.Client{Transport: &http.Transport{
		Proxy:               nil, // never through a proxy: the driver is on loopback
		MaxIdleConnsPerHost: 2,
		IdleConnTimeout:     30 * time.Second,
	}}}
}

// wdError is an error the driver returned: {"value": {"error", "message"}}.
type wdError struct {
	Status  int
	Code    string // e.g. "javascript error", "script timeout", "no such window"
	Message string
}

func (e *wdError) Error() string {
	return fmt.Sprintf("webdriver: %s: %s (HTTP %d)", e.Code, e.Message, e.Status)
}

// call sends one command. path is relative to the session when rel is true.
// out receives the response's "value".
func (c *wdClient) call(ctx context.Context, method, path string, body, out any) error {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return err
		}
		rd = bytes.NewReader(b)
	} else if method == http.MethodPost {
		rd = bytes.NewReader([]byte("{}"))
	}
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, rd)
	if err != nil {
		return err
	}
	if rd != nil {
		req.Header.Set("Content-Type", "application/json; charset=utf-8")
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, 64<<20))
	if err != nil {
		return err
	}
	var env struct {
		Value json.RawMessage `json:"value"`
	}
	if err := json.Unmarshal(raw, &env); err != nil {
		return fmt.Errorf("webdriver: %s %s: HTTP %d, not JSON: %s", method, path, resp.StatusCode, shorten(string(raw), 200))
	}
	if resp.StatusCode != http.StatusOK {
		var e struct {
			Error   string `json:"error"`
			Message string `json:"message"`
		}
		json.Unmarshal(env.Value, &e)
		return &wdError{Status: resp.StatusCode, Code: e.Error, Message: e.Message}
	}
	if out != nil {
		if err := json.Unmarshal(env.Value, out); err != nil {
			return fmt.Errorf("webdriver: %s %s: decoding the value: %w", method, path, err)
		}
	}
	return nil
}

// s is a path inside the session.
func (c *wdClient) s(path string) string { return "/session/" + c.session + path }

// newSession creates the session with alwaysMatch capabilities and, when
// first is not nil, firstMatch ones (the driver takes the first entry it
// can meet), and returns the session's capabilities.
func (c *wdClient) newSession(ctx context.Context, always map[string]any, first []map[string]any) (map[string]any, error) {
	var v struct {
		SessionID    string         `json:"sessionId"`
		Capabilities map[string]any `json:"capabilities"`
	}
	caps := map[string]any{"alwaysMatch": always}
	if first != nil {
		caps["firstMatch"] = first
	}
	if err := c.call(ctx, http.MethodPost, "/session", map[string]any{"capabilities": caps}, &v); err != nil {
		return nil, err
	}
	if v.SessionID == "" {
		return nil, fmt.Errorf("webdriver: new session returned no session id")
	}
	c.session = v.SessionID
	return v.Capabilities, nil
}

func (c *wdClient) deleteSession(ctx context.Context) error {
	if c.session == "" {
		return nil
	}
	err := c.call(ctx, http.MethodDelete, c.s(""), nil, nil)
	c.session = ""
	return err
}
