package client

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"time"
)

// The typed endpoints of docs/API.md, in its order.

// Register creates an account and signs in: the client keeps the token.
func (c *Client) Register(ctx context.Context, req RegisterRequest) (*Auth, error) {
	return c.signIn(ctx, "/v1/auth/register", req)
}

// Login signs in with a username and password: the client keeps the token.
func (c *Client) Login(ctx context.Context, req LoginRequest) (*Auth, error) {
	return c.signIn(ctx, "/v1/auth/login", req)
}

// PhoneStart sends a sign-in code to a phone number (E.164, e.g.
// "+989121234567") and answers how long the code is valid.
func (c *Client) PhoneStart(ctx context.Context, phone string) (time.Duration, error) {
	var out struct {
		ExpiresIn int64 `json:"expires_in"`
	}
	err := c.do(ctx, http.MethodPost, "/v1/auth/phone/start", nil, struct {
		Phone string `json:"phone"`
	}{phone}, &out)
	if err != nil {
		return 0, err
	}
	return time.Duration(out.ExpiresIn) * time.Second, nil
}

// PhoneVerify signs in with the code PhoneStart sent, creating the account
// on first use (Auth.NewUser): the client keeps the token.
func (c *Client) PhoneVerify(ctx context.Context, req PhoneVerifyRequest) (*Auth, error) {
	return c.signIn(ctx, "/v1/auth/phone/verify", req)
}

func (c *Client) signIn(ctx context.Context, path string, req any) (*Auth, error) {
	var a Auth
	if err := c.do(ctx, http.MethodPost, path, nil, req, &a); err != nil {
		return nil, err
	}
	c.SetToken(a.Token)
	return &a, nil
}

// Logout ends the current session; the client forgets the token.
func (c *Client) Logout(ctx context.Context) error {
	if err := c.do(ctx, http.MethodPost, "/v1/auth/logout", nil, nil, nil); err != nil {
		return err
	}
	c.SetToken("")
	return nil
}

// Sessions lists the caller's signed-in devices.
func (c *Client) Sessions(ctx context.Context) ([]Session, error) {
	var out struct {
		Sessions []Session `json:"sessions"`
	}
	err := c.do(ctx, http.MethodGet, "/v1/sessions", nil, nil, &out)
	return out.Sessions, err
}

// RevokeSession signs a device out and closes its sockets.
func (c *Client) RevokeSession(ctx context.Context, sessionID int64) error {
	return c.do(ctx, http.MethodDelete, "/v1/sessions/"+itoa(sessionID), nil, nil, nil)
}

// Me is the caller's own account.
func (c *Client) Me(ctx context.Context) (*User, error) {
	return c.user(ctx, http.MethodGet, "/v1/me", nil)
}

// UpdateMe changes the caller's profile and answers the result.
func (c *Client) UpdateMe(ctx context.Context, upd ProfileUpdate) (*User, error) {
	return c.user(ctx, http.MethodPatch, "/v1/me", upd)
}

// User is another user's public account.
func (c *Client) User(ctx context.Context, userID int64) (*User, error) {
	return c.user(ctx, http.MethodGet, "/v1/users/"+itoa(userID), nil)
}

// UserByUsername finds a user by username; an "@" prefix is allowed and
// case does not matter.
func (c *Client) UserByUsername(ctx context.Context, username string) (*User, error) {
	if username == "" {
		return nil, &APIError{Status: http.StatusNotFound, Code: CodeNotFound, Message: "user not found"}
	}
	return c.user(ctx, http.MethodGet, "/v1/users/by-username/"+url.PathEscape(username), nil)
}

func (c *Client) user(ctx context.Context, method, path string, in any) (*User, error) {
	var u User
	if err := c.do(ctx, method, path, nil, in, &u); err != nil {
		return nil, err
	}
	return &u, nil
}

// Blocks lists the users the caller has blocked.
func (c *Client) Blocks(ctx context.Context) ([]User, error) {
	var out struct {
		Users []User `json:"users"`
	}
	err := c.do(ctx, http.MethodGet, "/v1/blocks", nil, nil, &out)
	return out.Users, err
}

// Block blocks a user.
func (c *Client) Block(ctx context.Context, userID int64) error {
	return c.do(ctx, http.MethodPut, "/v1/blocks/"+itoa(userID), nil, nil, nil)
}

// Unblock unblocks a user.
func (c *Client) Unblock(ctx context.Context, userID int64) error {
	return c.do(ctx, http.MethodDelete, "/v1/blocks/"+itoa(userID), nil, nil, nil)
}

// CreateDirect opens the direct chat with a user, creating it if there is
// none yet.
func (c *Client) CreateDirect(ctx context.Context, userID int64) (*Chat, error) {
	return c.chat(ctx, http.MethodPost, "/v1/chats", struct {
		Type   string `json:"type"`
		UserID int64  `json:"user_id"`
	}{ChatDirect, userID})
}

// CreateGroup creates a group with the caller as owner and members as its
// other members.
func (c *Client) CreateGroup(ctx context.Context, title string, members []int64) (*Chat, error) {
	if members == nil {
		members = []int64{}
	}
	return c.chat(ctx, http.MethodPost, "/v1/chats", struct {
		Type    string  `json:"type"`
		Title   string  `json:"title"`
		Members []int64 `json:"members"`
	}{ChatGroup, title, members})
}

// Chats lists the caller's chats, newest activity first.
func (c *Client) Chats(ctx context.Context) ([]Chat, error) {
	var out struct {
		Chats []Chat `json:"chats"`
	}
	err := c.do(ctx, http.MethodGet, "/v1/chats", nil, nil, &out)
	return out.Chats, err
}

// Chat is one chat's summary.
func (c *Client) Chat(ctx context.Context, chatID int64) (*Chat, error) {
	return c.chat(ctx, http.MethodGet, chatPath(chatID), nil)
}

func (c *Client) chat(ctx context.Context, method, path string, in any) (*Chat, error) {
	var ch Chat
	if err := c.do(ctx, method, path, nil, in, &ch); err != nil {
		return nil, err
	}
	return &ch, nil
}

// SetTitle renames a group or channel.
func (c *Client) SetTitle(ctx context.Context, chatID int64, title string) (*Chat, error) {
	return c.UpdateChat(ctx, chatID, ChatUpdate{Title: &title})
}

// Members lists a chat's members ordered by user id, starting after the
// user id after (0 for the first page); limit 0 means the server's default.
func (c *Client) Members(ctx context.Context, chatID, after int64, limit int) ([]Member, error) {
	q := url.Values{}
	if after > 0 {
		q.Set("after", itoa(after))
	}
	if limit > 0 {
		q.Set("limit", strconv.Itoa(limit))
	}
	var out struct {
		Members []Member `json:"members"`
	}
	err := c.do(ctx, http.MethodGet, chatPath(chatID)+"/members", q, nil, &out)
	return out.Members, err
}

// AddMembers adds users to a group; it answers one member_added event per
// user added.
func (c *Client) AddMembers(ctx context.Context, chatID int64, userIDs []int64) ([]Event, error) {
	if userIDs == nil {
		userIDs = []int64{}
	}
	var out struct {
		Events []Event `json:"events"`
	}
	err := c.do(ctx, http.MethodPost, chatPath(chatID)+"/members", nil, struct {
		UserIDs []int64 `json:"user_ids"`
	}{userIDs}, &out)
	return out.Events, err
}

// RemoveMember removes a user from a group (member_removed), or the caller
// itself (member_left).
func (c *Client) RemoveMember(ctx context.Context, chatID, userID int64) (*Event, error) {
	return c.event(ctx, http.MethodDelete, chatPath(chatID)+"/members/"+itoa(userID), nil, nil)
}

// SetRole gives a member a role (RoleOwner, RoleAdmin or RoleMember).
func (c *Client) SetRole(ctx context.Context, chatID, userID int64, role string) (*Event, error) {
	return c.event(ctx, http.MethodPut, chatPath(chatID)+"/members/"+itoa(userID)+"/role", nil, struct {
		Role string `json:"role"`
	}{role})
}

// Leave leaves a group.
func (c *Client) Leave(ctx context.Context, chatID int64) (*Event, error) {
	return c.event(ctx, http.MethodPost, chatPath(chatID)+"/leave", nil, nil)
}

// Send sends a message. An empty req.ClientID gets a random one.
func (c *Client) Send(ctx context.Context, chatID int64, req SendRequest) (*SendResult, error) {
	var res SendResult
	if err := c.do(ctx, http.MethodPost, chatPath(chatID)+"/messages", nil, req.wire(), &res); err != nil {
		return nil, err
	}
	return &res, nil
}

// wire is the request as sent: with a client id, and a forward carrying
// only what the client may say.
func (r SendRequest) wire() SendRequest {
	if r.ClientID == "" {
		r.ClientID = newClientID()
	}
	if r.Forward != nil {
		r.Forward = &Forward{ChatID: r.Forward.ChatID, Seq: r.Forward.Seq}
	}
	return r
}

// History reads a page of a chat's messages, in ascending seq.
func (c *Client) History(ctx context.Context, chatID int64, q HistoryQuery) ([]Event, error) {
	v := url.Values{}
	if q.Before > 0 {
		v.Set("before", itoa(q.Before))
	}
	if q.After > 0 || q.FromStart {
		v.Set("after", itoa(q.After))
	}
	if q.Limit > 0 {
		v.Set("limit", strconv.Itoa(q.Limit))
	}
	var out struct {
		Messages []Event `json:"messages"`
	}
	err := c.do(ctx, http.MethodGet, chatPath(chatID)+"/messages", v, nil, &out)
	return out.Messages, err
}

// Edit changes the text of one of the caller's messages.
func (c *Client) Edit(ctx context.Context, chatID, seq int64, text string) (*Event, error) {
	return c.event(ctx, http.MethodPatch, chatPath(chatID)+"/messages/"+itoa(seq), nil, struct {
		Text string `json:"text"`
	}{text})
}

// Delete deletes a message for everyone.
func (c *Client) Delete(ctx context.Context, chatID, seq int64) (*Event, error) {
	return c.event(ctx, http.MethodDelete, chatPath(chatID)+"/messages/"+itoa(seq), nil, nil)
}

// MarkRead marks a chat read up to seq; the read position never moves
// backwards.
func (c *Client) MarkRead(ctx context.Context, chatID, seq int64) (*Event, error) {
	return c.event(ctx, http.MethodPost, chatPath(chatID)+"/read", nil, struct {
		Seq int64 `json:"seq"`
	}{seq})
}

// Typing tells the chat's online members that the caller is typing.
func (c *Client) Typing(ctx context.Context, chatID int64) error {
	return c.do(ctx, http.MethodPost, chatPath(chatID)+"/typing", nil, nil, nil)
}

func (c *Client) event(ctx context.Context, method, path string, q url.Values, in any) (*Event, error) {
	var ev Event
	if err := c.do(ctx, method, path, q, in, &ev); err != nil {
		return nil, err
	}
	return &ev, nil
}

// Updates long-polls the update stream: the events after pos (at most
// limit; 0 means the server's default), waiting up to timeout for one if
// there are none. Call again with the answer's Pos. With pos nil it answers
// at once with the current position and no events. timeout is rounded up
// to whole seconds; a negative one means the server's default (25s). The
// request is bounded by ctx, which must allow for the timeout.
func (c *Client) Updates(ctx context.Context, pos *int64, timeout time.Duration, limit int) (*UpdatesResult, error) {
	q := url.Values{}
	if pos != nil {
		q.Set("pos", itoa(*pos))
	}
	if timeout >= 0 {
		q.Set("timeout", strconv.FormatInt(int64((timeout+time.Second-1)/time.Second), 10))
	}
	if limit > 0 {
		q.Set("limit", strconv.Itoa(limit))
	}
	var out UpdatesResult
	if err := c.do(ctx, http.MethodGet, "/v1/updates", q, nil, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// Healthz reports whether the server is ready: nil, or the *APIError of its
// 503 while it starts or stops.
func (c *Client) Healthz(ctx context.Context) error {
	var out struct {
		Status string `json:"status"`
	}
	return c.do(ctx, http.MethodGet, "/healthz", nil, nil, &out)
}

func chatPath(id int64) string { return "/v1/chats/" + itoa(id) }

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// SearchQuery selects what SearchMessages looks for.
type SearchQuery struct {
	Query  string // the words (required)
	ChatID int64  // one chat only, if not 0
	Limit  int    // 1-100 (default 20)
	Offset int    // 0-1000
}

// SearchResult is a page of search results.
type SearchResult struct {
	Messages   []Event `json:"messages"`
	NextOffset int     `json:"next_offset,omitempty"` // 0: no more pages
}

// SearchMessages finds messages in the caller's chats, best match first.
func (c *Client) SearchMessages(ctx context.Context, q SearchQuery) (*SearchResult, error) {
	v := url.Values{"q": {q.Query}}
	if q.ChatID != 0 {
		v.Set("chat_id", itoa(q.ChatID))
	}
	if q.Limit != 0 {
		v.Set("limit", itoa(int64(q.Limit)))
	}
	if q.Offset != 0 {
		v.Set("offset", itoa(int64(q.Offset)))
	}
	var out SearchResult
	if err := c.do(ctx, "GET", "/v1/search/messages", v, nil, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// File is a finished upload as GET /v1/files/{id} gives it: what it is,
// and links to its bytes and thumbnails that work for an hour.
type File struct {
	ID       string    `json:"id"`
	Kind     string    `json:"kind"`
	MIME     string    `json:"mime"`
	Name     string    `json:"name,omitempty"`
	Size     int64     `json:"size"`
	Width    int       `json:"width,omitempty"`
	Height   int       `json:"height,omitempty"`
	Duration float64   `json:"duration,omitempty"`
	Waveform []int     `json:"waveform,omitempty"`
	URL      string    `json:"url"` // relative to the server's base URL
	Expires  time.Time `json:"url_expires"`
	Thumbs   []struct {
		Side   int    `json:"side"`
		Width  int    `json:"width"`
		Height int    `json:"height"`
		URL    string `json:"url"`
	} `json:"thumbs,omitempty"`
}

// File describes a file the user may read (one they uploaded, or one a
// message they can read carries). Uploads themselves speak tus (docs/API.md
// "Media"): any tus client does.
func (c *Client) File(ctx context.Context, id string) (*File, error) {
	var f File
	if err := c.do(ctx, "GET", "/v1/files/"+url.PathEscape(id), nil, nil, &f); err != nil {
		return nil, err
	}
	return &f, nil
}
