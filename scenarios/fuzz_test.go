package scenarios

import (
	"math/rand/v2"
	"testing"

	"pgregory.net/rapid"
)

// Seed corpus of FuzzCampaign: random bytes from fixed seeds, long enough
// that no script runs out of them (rapid reads eight bytes a choice; a
// script makes a few hundred).
const (
	campaignSeeds     = 8
	campaignSeedBytes = 16 << 10
)

// drawCampaign draws a transfer scenario and a script of it, for the fuzz
// target: rapid's choices come from the fuzzer's bytes.
func drawCampaign(t *rapid.T) *script {
	scenario := rapid.SampledFrom([]string{"transfer-2pc", "transfer-saga"}).Draw(t, "scenario")
	return scriptOf(scenario).Draw(t, "script")
}

// FuzzCampaign is the state-machine property of TestStateMachine as a
// fuzz target, over both transfer scenarios:
//
//	go test -run '^$' -fuzz FuzzCampaign -fuzzminimizetime 5s ./scenarios
//
// (The inputs are long, so Go's default minute of minimising each new
// interesting input stalls the search.) A plain go test runs the seed
// corpus only. A seed whose bytes run out
// before a whole script is drawn would be skipped and test nothing, so it
// fails instead.
func FuzzCampaign(f *testing.F) {
	seeds := map[string]bool{}
	for i := range campaignSeeds {
		b := make([]byte, campaignSeedBytes)
		rng := rand.New(rand.NewPCG(uint64(i), 0x5eed))
		for j := range b {
			b[j] = byte(rng.Uint32())
		}
		seeds[string(b)] = true
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		drawn := false
		t.Cleanup(func() {
			if !drawn && seeds[string(b)] {
				t.Errorf("seed corpus entry of %d bytes drew no whole script: it tests nothing", len(b))
			}
		})
		rapid.MakeFuzz(func(t *rapid.T) {
			s := drawCampaign(t)
			drawn = true
			checkScript(t, s)
		})(t, b)
	})
}
