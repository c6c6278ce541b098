package browser

import (
	"context"
	"fmt"
	"os"
	"testing"

	"github.com/chromedp/cdproto/network"
)

// describe renders an event in one line for the trace dump.
func describe(ev any) string {
	switch e := ev.(type) {
	case *network.EventRequestWillBeSent:
		ini := ""
		if e.Initiator != nil {
			ini = string(e.Initiator.Type) + ":" + string(e.Initiator.RequestID)
		}
		return fmt.Sprintf("requestWillBeSent %s %s %s %s type=%s init=%s redirect=%v", e.RequestID, e.Request.Method, e.Request.URL, "", e.Type, ini, e.RedirectResponse != nil)
	case *network.EventRequestWillBeSentExtraInfo:
		return fmt.Sprintf("requestWillBeSentExtraInfo %s headers=%d cookies=%d", e.RequestID, len(e.Headers), len(e.AssociatedCookies))
	case *network.EventResponseReceived:
		return fmt.Sprintf("responseReceived %s %d hasExtra=%v", e.RequestID, e.Response.Status, e.HasExtraInfo)
	case *network.EventResponseReceivedExtraInfo:
		return fmt.Sprintf("responseReceivedExtraInfo %s %d blocked=%d text=%d", e.RequestID, e.StatusCode, len(e.BlockedCookies), len(e.HeadersText))
	case *network.EventLoadingFinished:
		return fmt.Sprintf("loadingFinished %s", e.RequestID)
	case *network.EventLoadingFailed:
		return fmt.Sprintf("loadingFailed %s %s cors=%v blocked=%s", e.RequestID, e.ErrorText, e.CorsErrorStatus, e.BlockedReason)
	}
	return fmt.Sprintf("%T", ev)
}

// TestTraceDump prints the raw event order of a few fetches. It documents
// what the completion logic in events.go relies on; run with
// CORSPROOF_TRACE=1 -v.
func TestTraceDump(t *testing.T) {
	if os.Getenv("CORSPROOF_TRACE") == "" {
		t.Skip("set CORSPROOF_TRACE=1 to dump event traces")
	}
	e := needBrowser(t)
	traceHook = func(r *recorder) {
		r.mu.Lock()
		defer r.mu.Unlock()
		for i, ev := range r.events {
			mark := "  "
			if i >= r.settledAt {
				mark = "+ " // after the promise settled
			}
			t.Logf("%s%s", mark, describe(ev))
		}
	}
	defer func() { traceHook = nil }()
	for _, f := range []Fetch{
		{PageURL: appPage, URL: uniqueURL("acao=*")},
		{PageURL: appPage, URL: uniqueURL("")},
		{PageURL: appPage, URL: uniqueURL("acao=*&acam=GET"), Method: "PUT"},
		{PageURL: appPage, URL: uniqueURL("acao=*&acam=PUT"), Method: "PUT"},
		{PageURL: appPage, URL: "https://nothere.invalid/x"},
		{PageURL: appPage, URL: uniqueURL("acao=*"), Headers: []Header{{Name: "bad name", Value: "x"}}},
		{PageURL: appPage, URL: uniqueURL("acao=*"), Mode: "same-origin"},
	} {
		o, err := e.Fetch(context.Background(), f)
		t.Logf("%s %s → %+v err=%v\n", f.Method, f.URL, o, err)
	}
}
