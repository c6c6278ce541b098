package bidi

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
)

// fakeRemote answers like a BiDi remote end: "echo" returns its params,
// "fail" an error, "event" sends an event before its reply, "hang" never
// answers, "close" drops the connection.
func fakeRemote(t *testing.T) string {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, err := websocket.Accept(w, r, nil)
		if err != nil {
			return
		}
		defer c.CloseNow()
		for {
			_, data, err := c.Read(context.Background())
			if err != nil {
				return
			}
			var m struct {
				ID     int64           `json:"id"`
				Method string          `json:"method"`
				Params json.RawMessage `json:"params"`
			}
			json.Unmarshal(data, &m)
			send := func(v any) {
				b, _ := json.Marshal(v)
				c.Write(context.Background(), websocket.MessageText, b)
			}
			switch m.Method {
			case "echo":
				send(map[string]any{"type": "success", "id": m.ID, "result": m.Params})
			case "fail":
				send(map[string]any{"type": "error", "id": m.ID, "error": "invalid argument", "message": "bad"})
			case "event":
				send(map[string]any{"type": "event", "method": "log.entryAdded", "params": map[string]any{"text": "hi"}})
				send(map[string]any{"type": "success", "id": m.ID, "result": map[string]any{}})
			case "hang":
			case "close":
				c.Close(websocket.StatusNormalClosure, "")
				return
			}
		}
	}))
	t.Cleanup(srv.Close)
	return "ws" + strings.TrimPrefix(srv.URL, "http")
}

func TestCallsEventsAndErrors(t *testing.T) {
	ctx := context.Background()
	events := make(chan string, 4)
	c, err := Dial(ctx, fakeRemote(t), func(method string, params json.RawMessage) {
		var p struct{ Text string }
		json.Unmarshal(params, &p)
		events <- method + ":" + p.Text
	})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()

	var out struct{ X int }
	if err := c.Call(ctx, "echo", map[string]int{"x": 7}, &out); err != nil || out.X != 7 {
		t.Fatalf("echo: %v %+v", err, out)
	}
	var be *Error
	if err := c.Call(ctx, "fail", nil, nil); !errors.As(err, &be) || be.Code != "invalid argument" || be.Method != "fail" {
		t.Fatalf("fail: %v", err)
	}
	if err := c.Call(ctx, "event", nil, nil); err != nil {
		t.Fatal(err)
	}
	if got := <-events; got != "log.entryAdded:hi" {
		t.Errorf("event = %q", got)
	}
	tctx, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
	defer cancel()
	if err := c.Call(tctx, "hang", nil, nil); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("hang: %v", err)
	}
}

func TestConnectionLossFailsPendingAndLaterCalls(t *testing.T) {
	ctx := context.Background()
	c, err := Dial(ctx, fakeRemote(t), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	done := make(chan error, 1)
	go func() { done <- c.Call(ctx, "hang", nil, nil) }()
	time.Sleep(20 * time.Millisecond)
	c.Call(ctx, "close", nil, nil)
	select {
	case err := <-done:
		if !errors.Is(err, ErrClosed) {
			t.Errorf("pending call: %v, want ErrClosed", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("a pending call hangs after the connection dropped")
	}
	<-c.Done()
	if err := c.Call(ctx, "echo", nil, nil); !errors.Is(err, ErrClosed) {
		t.Errorf("call after loss: %v", err)
	}
}

// TestCancelledCallKeepsTheConnection: a caller whose context ends (a
// fetch cancelled by Ctrl-C) gives up its own call only; the connection
// and every other call, browser.close included, go on.
func TestCancelledCallKeepsTheConnection(t *testing.T) {
	ctx := context.Background()
	c, err := Dial(ctx, fakeRemote(t), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	for range 20 {
		cctx, cancel := context.WithCancel(ctx)
		cancel()
		if err := c.Call(cctx, "hang", nil, nil); !errors.Is(err, context.Canceled) {
			t.Fatalf("cancelled call: %v, want context.Canceled", err)
		}
	}
	var out struct{ X int }
	if err := c.Call(ctx, "echo", map[string]int{"x": 7}, &out); err != nil || out.X != 7 {
		t.Fatalf("echo after cancelled calls: %v %+v", err, out)
	}
}
