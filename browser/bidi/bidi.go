// Package bidi is a small WebDriver BiDi client: commands with results,
// and events delivered to one handler. It speaks only what corsproof needs
// (session, browsingContext, script, network, log, storage) and leaves the
// shapes of params and results to the caller as JSON.
//
// The transport is one WebSocket (github.com/coder/websocket). Commands may
// be sent from several goroutines; replies are matched by id. Events are
// handed to the handler in arrival order on the reading goroutine, so the
// handler must not block and must not send commands.
//
// Dial connects and starts reading; Conn.Call sends one command and waits
// for its result (an *Error when the remote end refuses it); Conn.Close
// ends the connection and Conn.Done tells when it has ended, after which
// commands fail with ErrClosed. NetworkEvent (with RequestData,
// ResponseData, Header, BytesValue) and LogEntry decode the params of the
// network and log events corsproof reads.
//
// The package starts no browser and knows nothing of CORS: package browser
// launches Firefox, drives it through a Conn and turns its events into
// observations.
package bidi

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/coder/websocket"
)

// readLimit bounds one incoming message. Fetch results carry up to 64 KiB
// of body (as JSON, possibly escaped), events carry header lists.
const readLimit = 32 << 20

// Error is an error reply from the remote end.
type Error struct {
	Method  string
	Code    string `json:"error"`
	Message string `json:"message"`
}

func (e *Error) Error() string {
	return fmt.Sprintf("bidi %s: %s: %s", e.Method, e.Code, e.Message)
}

// writeTimeout bounds the write of one command: a peer that reads nothing
// for this long is gone.
const writeTimeout = 10 * time.Second

// ErrClosed is returned for commands on a closed connection, and for
// commands in flight when the connection ends.
var ErrClosed = errors.New("bidi: connection closed")

// Conn is one BiDi connection.
type Conn struct {
	ws      *websocket.Conn
	handler func(method string, params json.RawMessage)

	nextID  atomic.Int64
	mu      sync.Mutex
	pending map[int64]chan reply
	err     error // why the read loop ended
	done    chan struct{}
}

type reply struct {
	Type    string          `json:"type"` // success, error, event
	ID      *int64          `json:"id"`
	Result  json.RawMessage `json:"result"`
	Code    string          `json:"error"`
	Message string          `json:"message"`
	Method  string          `json:"method"`
	Params  json.RawMessage `json:"params"`
}

// Dial connects to a BiDi endpoint (ws://host:port/session). handler
// receives every event; nil drops them.
func Dial(ctx context.Context, url string, handler func(method string, params json.RawMessage)) (*Conn, error) {
	dialer := &net.Dialer{}
	client := &http.Client{Transport: &http.Transport{
		Proxy: nil, // the remote agent is on loopback; never via a proxy
		DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			c, err := dialer.DialContext(ctx, network, addr)
			if err != nil {
				return nil, err
			}
			return withQuickAck(c), nil
		},
	}}
	ws, _, err := websocket.Dial(ctx, url, &websocket.DialOptions{HTTPClient: client})
	if err != nil {
		return nil, fmt.Errorf("bidi: connecting to %s: %w", url, err)
	}
	ws.SetReadLimit(readLimit)
	if handler == nil {
		handler = func(string, json.RawMessage) {}
	}
	c := &Conn{ws: ws, handler: handler, pending: map[int64]chan reply{}, done: make(chan struct{})}
	go c.readLoop()
	return c, nil
}

func (c *Conn) readLoop() {
	defer close(c.done)
	for {
		_, data, err := c.ws.Read(context.Background())
		if err != nil {
			c.fail(err)
			return
		}
		var r reply
		if err := json.Unmarshal(data, &r); err != nil {
			continue // not a message we can use; the protocol has no such case
		}
		if r.Type == "event" {
			c.handler(r.Method, r.Params)
			continue
		}
		if r.ID == nil {
			continue // an error without an id: a message we could not send
		}
		c.mu.Lock()
		ch := c.pending[*r.ID]
		delete(c.pending, *r.ID)
		c.mu.Unlock()
		if ch != nil {
			ch <- r
		}
	}
}

func (c *Conn) fail(err error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.err == nil {
		c.err = fmt.Errorf("%w (%v)", ErrClosed, err)
	}
	for id, ch := range c.pending {
		close(ch)
		delete(c.pending, id)
	}
}

// Call sends a command and decodes its result into result (which may be
// nil). A remote error is an *Error.
func (c *Conn) Call(ctx context.Context, method string, params, result any) error {
	if params == nil {
		params = struct{}{}
	}
	id := c.nextID.Add(1)
	msg, err := json.Marshal(struct {
		ID     int64  `json:"id"`
		Method string `json:"method"`
		Params any    `json:"params"`
	}{id, method, params})
	if err != nil {
		return fmt.Errorf("bidi %s: encoding params: %w", method, err)
	}
	ch := make(chan reply, 1)
	c.mu.Lock()
	if c.err != nil {
		err := c.err
		c.mu.Unlock()
		return err
	}
	c.pending[id] = ch
	c.mu.Unlock()
	drop := func() {
		c.mu.Lock()
		delete(c.pending, id)
		c.mu.Unlock()
	}
	// The websocket closes the whole connection when a Write's context
	// ends mid-write: one caller's cancel (Ctrl-C during a fetch) must not
	// cut every other call, browser.close included, so the write has a
	// bound of its own and only the wait for the reply is the caller's.
	wctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), writeTimeout)
	err = c.ws.Write(wctx, websocket.MessageText, msg)
	cancel()
	if err != nil {
		drop()
		return fmt.Errorf("bidi %s: %w", method, err)
	}
	select {
	case r, ok := <-ch:
		if !ok {
			c.mu.Lock()
			err := c.err
			c.mu.Unlock()
			return fmt.Errorf("bidi %s: %w", method, err)
		}
		if r.Type == "error" {
			return &Error{Method: method, Code: r.Code, Message: r.Message}
		}
		if result != nil {
			if err := json.Unmarshal(r.Result, result); err != nil {
				return fmt.Errorf("bidi %s: decoding result: %w", method, err)
			}
		}
		return nil
	case <-ctx.Done():
		drop()
		return fmt.Errorf("bidi %s: %w", method, ctx.Err())
	}
}

// Done is closed when the connection has ended.
func (c *Conn) Done() <-chan struct{} { return c.done }

// Close closes the connection without waiting for the remote end.
func (c *Conn) Close() error {
	err := c.ws.CloseNow()
	<-c.done
	return err
}

// BytesValue is BiDi's network.BytesValue.
type BytesValue struct {
	Type  string `json:"type"` // string or base64
	Value string `json:"value"`
}

// Header is BiDi's network.Header.
type Header struct {
	Name  string     `json:"name"`
	Value BytesValue `json:"value"`
}

// RequestData is BiDi's network.RequestData (the fields corsproof reads).
type RequestData struct {
	Request string   `json:"request"`
	URL     string   `json:"url"`
	Method  string   `json:"method"`
	Headers []Header `json:"headers"`
}

// ResponseData is BiDi's network.ResponseData (the fields corsproof reads).
type ResponseData struct {
	URL        string   `json:"url"`
	Protocol   string   `json:"protocol"`
	Status     int      `json:"status"`
	StatusText string   `json:"statusText"`
	Headers    []Header `json:"headers"`
}

// NetworkEvent is the params of network.beforeRequestSent,
// network.responseStarted, network.responseCompleted and network.fetchError.
type NetworkEvent struct {
	Context       string        `json:"context"`
	Navigation    *string       `json:"navigation"`
	RedirectCount int           `json:"redirectCount"`
	Request       RequestData   `json:"request"`
	Response      *ResponseData `json:"response"`
	ErrorText     string        `json:"errorText"`
	Timestamp     float64       `json:"timestamp"`
}

// LogEntry is the params of log.entryAdded (the fields corsproof reads).
type LogEntry struct {
	Type   string `json:"type"` // console, javascript
	Level  string `json:"level"`
	Text   string `json:"text"`
	Source struct {
		Realm   string `json:"realm"`
		Context string `json:"context"`
	} `json:"source"`
	Timestamp float64 `json:"timestamp"`
}
