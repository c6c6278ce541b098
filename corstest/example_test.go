package corstest_test

import (
	"context"
	"net/http"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/corsproof/corsproof/corstest"
)

// A Ginkgo suite: one lab per process (ginkgo -p gives each its own),
// started before the specs and closed after them; each spec serves its
// handler and says, in Gomega, what the browser must do.
//
// The suite's entry point is the usual
//
//	func TestTodos(t *testing.T) {
//		RegisterFailHandler(Fail)
//		RunSpecs(t, "todos CORS")
//	}
//
// and it runs with go test ./... or ginkgo -p ./...
func Example_ginkgo() {}

var suiteLab *corstest.Lab

var _ = BeforeSuite(func() {
	var err error
	suiteLab, err = corstest.StartLab(context.Background(), corstest.LabConfig{Origins: []string{"https://app.example.com"}})
	Expect(err).NotTo(HaveOccurred())
	DeferCleanup(suiteLab.Close)
})

var _ = Describe("the todo API's CORS", func() {
	var api *corstest.API
	BeforeEach(func() { api = suiteLab.Serve(GinkgoT(), todosHandler()) })

	It("lets the app read its todos with cookies", func() {
		Expect(api.From("https://app.example.com").GET("/api/todos").Credentials()).To(corstest.BeAllowed())
	})
	It("keeps other sites out", func() {
		Expect(api.From("evil").GET("/api/todos").Credentials()).To(corstest.BeBlocked("MissingAllowOriginHeader"))
		Expect(api.From("null").GET("/api/todos")).To(corstest.BeBlocked())
	})
	It("preflights the app's JSON PUT", func() {
		put := api.From("https://app.example.com").PUT("/api/todos/1").Header("Content-Type", "application/json").Body(`{"done":true}`)
		Expect(put).To(corstest.BePreflighted())
		Expect(put).To(corstest.BeAllowed())
	})
})

func todosHandler() http.Handler { return todos() }
