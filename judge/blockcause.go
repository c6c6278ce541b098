package judge

import (
	"github.com/corsproof/corsproof"
	"github.com/corsproof/corsproof/spec"
)

// BlockCause is the cause check names for a fetch blocked with reason
// (and its failed parameter), given the exchanges in obs and no policy:
// the header of the exchange the reason is about, with what the server
// sent in it. It serves what comes without a policy, such as a HAR a
// browser exported (corsproof explain --har).
func BlockCause(obs corsproof.Observation, reason spec.Reason, param string) corsproof.Cause {
	j := &judgement{obs: obs, exchange: "response"}
	if exchangeOfReason(reason) == "preflight" {
		j.exchange = "preflight response"
	}
	j.wireHeaders = j.headersOf(j.exchangeOf())
	c := j.brokenCause(corsproof.Outcome{Reason: string(reason), Param: param}, corsproof.Outcome{Allowed: true}, corsproof.Outcome{})
	return *c
}
