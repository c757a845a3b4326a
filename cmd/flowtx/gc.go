package main

import (
	"os"
	"runtime/debug"
)

// Garbage-collector settings for campaigns. A seed allocates about 20 MB
// over its run but keeps only a few MB live, so with Go's default (GOGC
// 100) the collector runs every few milliseconds and took about 40% of a
// campaign's CPU (marking, assists, write barriers, sweeping). Letting
// the heap grow to five times the live data before collecting cuts that
// to under 10%; the soft memory limit makes the collector work harder
// again before a very large run would use more than it.
const (
	campaignGCPercent      = 400
	campaignMemoryLimitMax = 4 << 30 // bytes
)

// tuneGC applies the campaign settings, unless GOGC or GOMEMLIMIT in the
// environment ask for something else.
func tuneGC() {
	if _, set := os.LookupEnv("GOGC"); !set {
		debug.SetGCPercent(campaignGCPercent)
	}
	if _, set := os.LookupEnv("GOMEMLIMIT"); !set {
		debug.SetMemoryLimit(campaignMemoryLimitMax)
	}
}
