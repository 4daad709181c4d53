package media

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"net/url"
	"strconv"
	"sync"
	"time"

	"github.com/chapar/chapar/internal/domain"
)

// Download links: a file is fetched from /files/{id} with the reader's
// user id, an expiry and an HMAC of the three, so that <img> and <video>
// (which cannot send a bearer token) can load it, while a link is useless
// to anyone who guesses or copies it after it expires — and the reader's
// right to the file is checked again on every fetch.

// linkKey is the signing key, read from the store once it is known.
type linkKey struct {
	mu  sync.Mutex
	key []byte
}

func (s *Service) linkSecret(ctx context.Context) ([]byte, error) {
	s.secret.mu.Lock()
	defer s.secret.mu.Unlock()
	if s.secret.key == nil {
		key, err := s.files.Secret(ctx, "download-links")
		if err != nil {
			return nil, err
		}
		s.secret.key = key
	}
	return s.secret.key, nil
}

func sign(key []byte, fileID string, userID, exp int64) string {
	m := hmac.New(sha256.New, key)
	fmt.Fprintf(m, "%s\n%d\n%d", fileID, userID, exp)
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil)[:18])
}

// Link is a download link to the file for the user, valid until exp.
func (s *Service) Link(ctx context.Context, userID int64, fileID string, exp time.Time) (string, error) {
	key, err := s.linkSecret(ctx)
	if err != nil {
		return "", err
	}
	e := exp.Unix()
	q := url.Values{"u": {strconv.FormatInt(userID, 10)}, "e": {strconv.FormatInt(e, 10)}, "s": {sign(key, fileID, userID, e)}}
	return "/files/" + fileID + "?" + q.Encode(), nil
}

// Verify checks a download link's query and returns its user.
func (s *Service) Verify(ctx context.Context, fileID string, q url.Values, now time.Time) (int64, error) {
	bad := domain.Errorf(domain.KindForbidden, "this link is not valid (or has expired): get a new one")
	userID, err1 := strconv.ParseInt(q.Get("u"), 10, 64)
	exp, err2 := strconv.ParseInt(q.Get("e"), 10, 64)
	if err1 != nil || err2 != nil || userID <= 0 {
		return 0, bad
	}
	key, err := s.linkSecret(ctx)
	if err != nil {
		return 0, err
	}
	if !hmac.Equal([]byte(q.Get("s")), []byte(sign(key, fileID, userID, exp))) || now.Unix() > exp {
		return 0, bad
	}
	return userID, nil
}
