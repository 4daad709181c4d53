package domain

import (
	"regexp"
	"strings"
	"unicode/utf8"
)

var (
	usernameRE = regexp.MustCompile(`^[a-zA-Z][a-zA-Z0-9_]{4,31}$`)
	phoneRE    = regexp.MustCompile(`^\+[1-9][0-9]{6,14}$`)
)

func validUsername(s string) error {
	if !usernameRE.MatchString(s) {
		return Invalid("username", "must be 5-32 letters, digits or _, starting with a letter")
	}
	return nil
}

func validPassword(s string) error {
	if n := utf8.RuneCountInString(s); n < 8 || n > 256 || !utf8.ValidString(s) {
		return Invalid("password", "must be 8-256 characters")
	}
	return nil
}

func validPhone(s string) error {
	if !phoneRE.MatchString(s) {
		return Invalid("phone", "must be in international form, like +989121234567")
	}
	return nil
}

// validText checks free text: valid UTF-8, no NUL, at most max characters.
func validText(field, s string, minLen, maxLen int) error {
	if !utf8.ValidString(s) {
		return Invalid(field, "must be valid UTF-8")
	}
	if strings.ContainsRune(s, 0) {
		return Invalid(field, "must not contain NUL characters")
	}
	n := utf8.RuneCountInString(s)
	if n > maxLen {
		return Invalid(field, "must be at most %d characters", maxLen)
	}
	if minLen > 0 && strings.TrimSpace(s) == "" {
		return Invalid(field, "must not be empty")
	}
	return nil
}

func validName(s string) error   { return validText("display_name", s, 1, 64) }
func validBio(s string) error    { return validText("bio", s, 0, 140) }
func validTitle(s string) error  { return validText("title", s, 1, 128) }
func validDevice(s string) error { return validText("device", s, 0, 64) }

// validClientID: 1-64 printable ASCII characters.
func validClientID(s string) error {
	if len(s) == 0 || len(s) > 64 {
		return Invalid("client_id", "must be 1-64 characters")
	}
	for i := 0; i < len(s); i++ {
		if s[i] < 0x21 || s[i] > 0x7e {
			return Invalid("client_id", "must be printable ASCII")
		}
	}
	return nil
}
