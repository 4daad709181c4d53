// Package archtest keeps the architecture's rules by test: every package
// says what it owns, and the domain depends on no transport or driver.
package archtest
