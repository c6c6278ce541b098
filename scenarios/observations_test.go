package scenarios_test

import (
	"github.com/corsproof/corsproof"
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/corsproof/corsproof/browser"
	"github.com/corsproof/corsproof/scenarios"
	"github.com/corsproof/corsproof/spec"
)

// These specs look past the verdict at what the browser and the server
// really did: the journal, the cookie on the wire, the readable headers. They
// read the wire, which Chromium shows in full: Chromium only.
var _ = Describe("what the browser and the server really did", Label("feature:observation", "engine:chromium"), func() {
	runID := func(ctx SpecContext, id string) corsproof.Result {
		s, err := scenarios.ByID(id)
		Expect(err).NotTo(HaveOccurred())
		res := chromium().runner.Run(ctx, s, 7)
		Expect(res.Verdict).NotTo(Equal(corsproof.VerdictError), res.Explanation)
		return res
	}

	It("a blocked simple POST reached the server all the same", func(ctx SpecContext) {
		res := runID(ctx, "simple-post-blocked-reaches-server")
		Expect(res.Browser.Allowed).To(BeFalse())
		Expect(res.Observation.Preflight).To(BeNil(), "a text/plain POST is simple: no preflight")
		Expect(res.ReachedServer).NotTo(BeNil())
		Expect(*res.ReachedServer).To(BeTrue(), "the journal must show the POST: CORS protects reads, not writes")
		Expect(res.PolicyDecision.ActualSent).To(BeTrue())
	})

	It("a PUT whose preflight fails never reaches the server", func(ctx SpecContext) {
		res := runID(ctx, "put-cross-site-blocked")
		Expect(res.Browser.Allowed).To(BeFalse())
		Expect(res.Browser.Reason).To(Equal(string(spec.ReasonPreflightMissingAllowOriginHeader)))
		Expect(res.Observation.Preflight).NotTo(BeNil())
		Expect(*res.ReachedServer).To(BeFalse())
	})

	It("a credentialed request carries the session cookie and reads the 200", func(ctx SpecContext) {
		res := runID(ctx, "credentialed-session-allowed")
		Expect(res.Browser.Allowed).To(BeTrue())
		Expect(res.Observation.Status).To(Equal(200))
		Expect(res.Observation.Actual).NotTo(BeEmpty())
		_, sent := browser.HeaderValue(res.Observation.Actual[0].RequestHeaders, "Cookie")
		Expect(sent).To(BeTrue(), "the wire request must carry the cookie")
	})

	It("a cross-site credentialed request loses its cookie to the browser's cookie policy, and says so", func(ctx SpecContext) {
		res := runID(ctx, "cross-site-credentialed-cookie-dropped")
		Expect(res.Diagnoses).To(ContainElement(ContainSubstring("cookie-dropped")))
		Expect(res.Observation.Actual).NotTo(BeEmpty())
		Expect(res.Observation.Actual[0].Status).To(Equal(401), "without its cookie the API answers 401 (on the wire: the page cannot read it)")
	})

	It("ACAO * on a credentialed request is blocked with the browser's own reason", func(ctx SpecContext) {
		res := runID(ctx, "wildcard-with-credentials-blocked")
		Expect(res.Browser.Reason).To(Equal(string(spec.ReasonWildcardOriginNotAllowed)))
		Expect(res.Policy.Reason).To(Equal(string(spec.ReasonWildcardOriginNotAllowed)))
	})

	It("an exposed header is readable and an unexposed one is not", func(ctx SpecContext) {
		exposed := runID(ctx, "exposed-header-readable")
		_, ok := browser.HeaderValue(exposed.Observation.Headers, "X-Total-Count")
		Expect(ok).To(BeTrue(), "X-Total-Count is in Access-Control-Expose-Headers")

		hidden := runID(ctx, "unexposed-header-unreadable")
		Expect(hidden.Browser.Allowed).To(BeTrue())
		_, ok = browser.HeaderValue(hidden.Observation.Headers, "X-Total-Count")
		Expect(ok).To(BeFalse(), "the strict policy exposes nothing")
		_, onWire := browser.HeaderValue(hidden.Observation.Actual[0].ResponseHeaders, "X-Total-Count")
		Expect(onWire).To(BeTrue(), "the server did send it; the browser hid it")
	})

	It("the preflight's wire request carries the Access-Control-Request-* values the model predicts", func(ctx SpecContext) {
		res := runID(ctx, "custom-header-not-allowed")
		Expect(res.Observation.Preflight).NotTo(BeNil())
		acrh, _ := browser.HeaderValue(res.Observation.Preflight.RequestHeaders, "Access-Control-Request-Headers")
		Expect(acrh).To(Equal(res.WireDecision.RequestHeaders))
		Expect(res.Browser.Reason).To(Equal(string(spec.ReasonHeaderDisallowedByPreflightResponse)))
		Expect(res.Browser.Param).To(Equal("x-debug"))
	})
})
