//go:build race

package conformance

// raceEnabled: under the race detector sync.Pool drops items at random, so regexp's pooled
// matchers allocate now and then; allocation counts are meaningful only without -race.
const raceEnabled = true
