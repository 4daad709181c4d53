package domain

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"fmt"
	"math/big"
	"strings"

	"golang.org/x/crypto/argon2"
)

// Auth is the result of signing in.
type Auth struct {
	User    User
	Session Session
	Token   string
	NewUser bool
}

// Register creates an account with a username and password and signs in.
func (s *Service) Register(ctx context.Context, username, password, displayName, device string) (Auth, error) {
	if err := validUsername(username); err != nil {
		return Auth{}, err
	}
	if err := validPassword(password); err != nil {
		return Auth{}, err
	}
	if displayName == "" {
		displayName = username
	}
	if err := validName(displayName); err != nil {
		return Auth{}, err
	}
	if err := validDevice(device); err != nil {
		return Auth{}, err
	}
	hash, err := s.hashPassword(ctx, password)
	if err != nil {
		return Auth{}, err
	}
	u, err := s.store.CreateUser(ctx, User{Username: username, DisplayName: displayName, PasswordHash: hash})
	if err != nil {
		return Auth{}, err
	}
	a, err := s.newSession(ctx, u, device)
	a.NewUser = true
	return a, err
}

// Login signs in with username and password. addr is the client's address,
// for rate limiting.
func (s *Service) Login(ctx context.Context, username, password, device, addr string) (Auth, error) {
	if err := validDevice(device); err != nil {
		return Auth{}, err
	}
	userKey := "u:" + strings.ToLower(username)
	if no, wait := s.userLimit.blocked(userKey); no {
		return Auth{}, rateLimited(wait)
	}
	if no, wait := s.addrLimit.blocked(addr); no {
		return Auth{}, rateLimited(wait)
	}
	fail := func() (Auth, error) {
		s.userLimit.hit(userKey)
		s.addrLimit.hit(addr)
		return Auth{}, Errorf(KindUnauth, "wrong username or password")
	}
	if len(password) > 256 || len(username) > 64 {
		return fail()
	}
	u, err := s.store.UserByUsername(ctx, username)
	if IsKind(err, KindNotFound) || (err == nil && u.PasswordHash == "") {
		// Spend the same work as a real check, so timing does not tell
		// which usernames exist.
		s.verifyPassword(ctx, dummyHash, password)
		return fail()
	}
	if err != nil {
		return Auth{}, err
	}
	ok, err := s.verifyPassword(ctx, u.PasswordHash, password)
	if err != nil {
		return Auth{}, err
	}
	if !ok {
		return fail()
	}
	s.userLimit.clear(userKey)
	return s.newSession(ctx, u, device)
}

func (s *Service) newSession(ctx context.Context, u User, device string) (Auth, error) {
	token, hash, err := newToken()
	if err != nil {
		return Auth{}, err
	}
	if device == "" {
		device = "unknown device"
	}
	sess, err := s.store.CreateSession(ctx, Session{UserID: u.ID, TokenHash: hash, Device: device})
	if err != nil {
		return Auth{}, err
	}
	return Auth{User: u, Session: sess, Token: token}, nil
}

// tokenPrefix marks chapar session tokens, so a leaked one is recognisable
// by secret scanners.
const tokenPrefix = "chp_"

func newToken() (token string, hash []byte, err error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", nil, fmt.Errorf("random token: %w", err)
	}
	token = tokenPrefix + base64.RawURLEncoding.EncodeToString(b)
	return token, HashToken(token), nil
}

// HashToken is how session tokens are stored and looked up.
func HashToken(token string) []byte {
	h := sha256.Sum256([]byte(token))
	return h[:]
}

// Authenticate resolves a session token.
func (s *Service) Authenticate(ctx context.Context, token string) (Session, error) {
	if !strings.HasPrefix(token, tokenPrefix) || len(token) != len(tokenPrefix)+43 {
		return Session{}, Errorf(KindUnauth, "invalid or expired token")
	}
	sess, err := s.store.SessionByTokenHash(ctx, HashToken(token))
	if IsKind(err, KindNotFound) {
		return Session{}, Errorf(KindUnauth, "invalid or expired token")
	}
	return sess, err
}

// Logout ends a session.
func (s *Service) Logout(ctx context.Context, sess Session) error {
	return s.RevokeSession(ctx, sess.UserID, sess.ID)
}

// Sessions lists the user's signed-in devices.
func (s *Service) Sessions(ctx context.Context, userID int64) ([]Session, error) {
	return s.store.Sessions(ctx, userID)
}

// RevokeSession signs a device out and closes its connections.
func (s *Service) RevokeSession(ctx context.Context, userID, sessionID int64) error {
	if err := s.store.DeleteSession(ctx, userID, sessionID); err != nil {
		return err
	}
	s.notify.Notify(Signal{Kind: SigSessionRevoked, UserID: userID, SessionID: sessionID})
	return nil
}

// TouchSession records that a device was seen.
func (s *Service) TouchSession(ctx context.Context, sessionID int64) error {
	return s.store.TouchSession(ctx, sessionID, s.now())
}

// PhoneStart sends a one-time code to phone.
func (s *Service) PhoneStart(ctx context.Context, phone, addr string) error {
	if err := validPhone(phone); err != nil {
		return err
	}
	if no, wait := s.phoneLimit.blocked(phone); no {
		return rateLimited(wait)
	}
	if no, wait := s.addrLimit.blocked(addr); no {
		return rateLimited(wait)
	}
	s.phoneLimit.hit(phone)
	n, err := rand.Int(rand.Reader, big.NewInt(1_000_000))
	if err != nil {
		return fmt.Errorf("random code: %w", err)
	}
	code := fmt.Sprintf("%06d", n.Int64())
	if err := s.store.SetPhoneCode(ctx, phone, codeHash(phone, code), s.now().Add(s.cfg.PhoneCodeTTL)); err != nil {
		return err
	}
	if err := s.sms.SendCode(ctx, phone, code); err != nil {
		return &Error{Kind: KindUnavailable, Message: "could not send the code", Cause: err}
	}
	return nil
}

const maxCodeAttempts = 5

// PhoneVerify checks a code and signs in, creating the account on first use.
func (s *Service) PhoneVerify(ctx context.Context, phone, code, displayName, device, addr string) (Auth, error) {
	if err := validPhone(phone); err != nil {
		return Auth{}, err
	}
	if err := validDevice(device); err != nil {
		return Auth{}, err
	}
	if displayName != "" {
		if err := validName(displayName); err != nil {
			return Auth{}, err
		}
	}
	hash, expires, attempts, err := s.store.PhoneCode(ctx, phone)
	if err != nil {
		return Auth{}, err
	}
	if attempts >= maxCodeAttempts || s.now().After(expires) {
		return Auth{}, Errorf(KindUnauth, "the code has expired; ask for a new one")
	}
	if subtle.ConstantTimeCompare(hash, codeHash(phone, code)) != 1 {
		if err := s.store.PhoneCodeAttempt(ctx, phone); err != nil {
			return Auth{}, err
		}
		s.addrLimit.hit(addr)
		return Auth{}, Errorf(KindUnauth, "wrong code")
	}
	if err := s.store.DeletePhoneCode(ctx, phone); err != nil {
		return Auth{}, err
	}
	u, err := s.store.UserByPhone(ctx, phone)
	created := false
	if IsKind(err, KindNotFound) {
		if displayName == "" {
			displayName = phone
		}
		u, err = s.store.CreateUser(ctx, User{Phone: phone, DisplayName: displayName})
		created = true
	}
	if err != nil {
		return Auth{}, err
	}
	a, err := s.newSession(ctx, u, device)
	a.NewUser = created
	return a, err
}

func codeHash(phone, code string) []byte {
	h := sha256.Sum256([]byte(phone + "\x00" + code))
	return h[:]
}

// ProfileUpdate changes the fields that are set.
type ProfileUpdate struct {
	DisplayName *string
	Bio         *string
	Username    *string
}

// UpdateProfile changes the caller's profile.
func (s *Service) UpdateProfile(ctx context.Context, userID int64, p ProfileUpdate) (User, error) {
	u, err := s.store.UserByID(ctx, userID)
	if err != nil {
		return User{}, err
	}
	if p.DisplayName != nil {
		if err := validName(*p.DisplayName); err != nil {
			return User{}, err
		}
		u.DisplayName = *p.DisplayName
	}
	if p.Bio != nil {
		if err := validBio(*p.Bio); err != nil {
			return User{}, err
		}
		u.Bio = *p.Bio
	}
	if p.Username != nil {
		if err := validUsername(*p.Username); err != nil {
			return User{}, err
		}
		u.Username = *p.Username
	}
	return s.store.UpdateUser(ctx, u)
}

// User looks a user up by id.
func (s *Service) User(ctx context.Context, id int64) (User, error) {
	return s.store.UserByID(ctx, id)
}

// UserByUsername looks a user up by @username.
func (s *Service) UserByUsername(ctx context.Context, name string) (User, error) {
	name = strings.TrimPrefix(name, "@")
	if validUsername(name) != nil {
		return User{}, Errorf(KindNotFound, "user not found")
	}
	return s.store.UserByUsername(ctx, name)
}

// Online reports whether a user has a live connection.
func (s *Service) Online(userID int64) bool { return s.presence.Online(userID) }

// Block stops target from messaging the caller in direct chats (and the
// caller from messaging target).
func (s *Service) Block(ctx context.Context, userID, targetID int64, blocked bool) error {
	if userID == targetID {
		return Invalid("user_id", "cannot block yourself")
	}
	if _, err := s.store.UserByID(ctx, targetID); err != nil {
		return err
	}
	return s.store.SetBlock(ctx, userID, targetID, blocked, directKey(userID, targetID))
}

// Blocks lists the users the caller blocked.
func (s *Service) Blocks(ctx context.Context, userID int64) ([]User, error) {
	ids, err := s.store.Blocks(ctx, userID)
	if err != nil {
		return nil, err
	}
	out := make([]User, 0, len(ids))
	for _, id := range ids {
		u, err := s.store.UserByID(ctx, id)
		if err != nil {
			return nil, err
		}
		out = append(out, u)
	}
	return out, nil
}

// Password hashing: argon2id in the PHC string format.

func (s *Service) hashPassword(ctx context.Context, password string) (string, error) {
	salt := make([]byte, 16)
	if _, err := rand.Read(salt); err != nil {
		return "", fmt.Errorf("salt: %w", err)
	}
	if err := s.acquireHash(ctx); err != nil {
		return "", err
	}
	key := argon2.IDKey([]byte(password), salt, s.cfg.Argon2Time, s.cfg.Argon2Memory, 1, 32)
	<-s.hashSem
	return fmt.Sprintf("$argon2id$v=19$m=%d,t=%d,p=1$%s$%s", s.cfg.Argon2Memory, s.cfg.Argon2Time,
		base64.RawStdEncoding.EncodeToString(salt), base64.RawStdEncoding.EncodeToString(key)), nil
}

// acquireHash waits for a slot: argon2id takes memory, so only a few run at once.
func (s *Service) acquireHash(ctx context.Context) error {
	select {
	case s.hashSem <- struct{}{}:
		return nil
	case <-ctx.Done():
		return &Error{Kind: KindUnavailable, Message: "server busy", Cause: ctx.Err()}
	}
}

// dummyHash is verified against when the user does not exist.
const dummyHash = "$argon2id$v=19$m=19456,t=2,p=1$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"

func (s *Service) verifyPassword(ctx context.Context, phc, password string) (bool, error) {
	var m, t uint32
	var p uint8
	parts := strings.Split(phc, "$")
	if len(parts) != 6 || parts[1] != "argon2id" {
		return false, fmt.Errorf("unknown password hash format")
	}
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &m, &t, &p); err != nil {
		return false, fmt.Errorf("parse password hash: %w", err)
	}
	salt, err1 := base64.RawStdEncoding.DecodeString(parts[4])
	want, err2 := base64.RawStdEncoding.DecodeString(parts[5])
	if err1 != nil || err2 != nil {
		return false, fmt.Errorf("decode password hash")
	}
	if err := s.acquireHash(ctx); err != nil {
		return false, err
	}
	got := argon2.IDKey([]byte(password), salt, t, m, p, uint32(len(want)))
	<-s.hashSem
	return subtle.ConstantTimeCompare(got, want) == 1, nil
}
