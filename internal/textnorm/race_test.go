//go:build race

package textnorm

const raceEnabled = true
