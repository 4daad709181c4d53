package client

import (
	"context"
	"net/http"
	"net/url"
	"time"
)

// ChannelRequest creates a channel: public with a Username, else private
// (joined by invite link).
type ChannelRequest struct {
	Title      string `json:"title"`
	Username   string `json:"username,omitempty"`
	About      string `json:"about,omitempty"`
	Signatures bool   `json:"signatures,omitempty"` // posts name their author
}

// CreateChannel makes a channel owned by the caller.
func (c *Client) CreateChannel(ctx context.Context, req ChannelRequest) (*Chat, error) {
	return c.chat(ctx, http.MethodPost, "/v1/chats", struct {
		Type string `json:"type"`
		ChannelRequest
	}{ChatChannel, req})
}

// ChatUpdate changes a group's or channel's settings; nil fields stay.
type ChatUpdate struct {
	Title         *string   `json:"title,omitempty"`
	Username      *string   `json:"username,omitempty"` // "" makes the chat private
	About         *string   `json:"about,omitempty"`
	Signatures    *bool     `json:"signatures,omitempty"`
	SlowMode      *int      `json:"slow_mode,omitempty"`
	DefaultRights *[]string `json:"default_rights,omitempty"`
	LinkedChatID  *int64    `json:"linked_chat_id,omitempty"`
}

// UpdateChat changes a group's or channel's settings.
func (c *Client) UpdateChat(ctx context.Context, chatID int64, u ChatUpdate) (*Chat, error) {
	return c.chat(ctx, http.MethodPatch, chatPath(chatID), u)
}

// ChatByUsername finds a public chat (Joined tells whether the caller is in it).
func (c *Client) ChatByUsername(ctx context.Context, username string) (*Chat, error) {
	return c.chat(ctx, http.MethodGet, "/v1/resolve/"+url.PathEscape(username), nil)
}

// Join subscribes to a public channel or joins a public group.
func (c *Client) Join(ctx context.Context, chatID int64) (*Chat, error) {
	return c.chat(ctx, http.MethodPost, chatPath(chatID)+"/join", nil)
}

// InviteRequest describes a new invite link.
type InviteRequest struct {
	Name          string `json:"name,omitempty"`
	ExpiresIn     int64  `json:"expires_in,omitempty"` // seconds; 0: never
	UsageLimit    int    `json:"usage_limit,omitempty"`
	NeedsApproval bool   `json:"needs_approval,omitempty"`
}

// Invite is an invite link; Code is the link's secret part.
type Invite struct {
	Code          string     `json:"code"`
	ChatID        int64      `json:"chat_id"`
	CreatorID     int64      `json:"creator_id"`
	Name          string     `json:"name,omitempty"`
	CreatedAt     time.Time  `json:"created_at"`
	ExpiresAt     *time.Time `json:"expires_at,omitempty"`
	UsageLimit    int        `json:"usage_limit,omitempty"`
	Uses          int        `json:"uses"`
	NeedsApproval bool       `json:"needs_approval"`
	Revoked       bool       `json:"revoked"`
}

// CreateInvite makes an invite link (needs the invite right).
func (c *Client) CreateInvite(ctx context.Context, chatID int64, req InviteRequest) (*Invite, error) {
	var out Invite
	return &out, c.do(ctx, http.MethodPost, chatPath(chatID)+"/invites", nil, req, &out)
}

// JoinResult is the answer to JoinByInvite: the chat, or Pending when the
// link needs an admin's approval.
type JoinResult struct {
	Chat    *Chat
	Pending bool
}

// JoinByInvite joins through an invite link.
func (c *Client) JoinByInvite(ctx context.Context, code string) (*JoinResult, error) {
	var raw struct {
		Chat
		Pending bool `json:"pending"`
	}
	if err := c.do(ctx, http.MethodPost, "/v1/invites/"+url.PathEscape(code)+"/join", nil, nil, &raw); err != nil {
		return nil, err
	}
	if raw.Pending {
		return &JoinResult{Pending: true}, nil
	}
	return &JoinResult{Chat: &raw.Chat}, nil
}

// DecideJoinRequest approves or declines a user's join request.
func (c *Client) DecideJoinRequest(ctx context.Context, chatID, userID int64, approve bool) error {
	return c.do(ctx, http.MethodPost, chatPath(chatID)+"/requests/"+itoa(userID), nil, map[string]bool{"approve": approve}, nil)
}

// Ban removes a user and keeps them out until until (zero: forever).
func (c *Client) Ban(ctx context.Context, chatID, userID int64, until time.Time) error {
	body := map[string]any{}
	if !until.IsZero() {
		body["until"] = until
	}
	return c.do(ctx, http.MethodPut, chatPath(chatID)+"/bans/"+itoa(userID), nil, body, nil)
}

// Unban lets a banned user join again.
func (c *Client) Unban(ctx context.Context, chatID, userID int64) error {
	return c.do(ctx, http.MethodDelete, chatPath(chatID)+"/bans/"+itoa(userID), nil, nil, nil)
}

// Restrict denies a group member rights (by name) until until (zero: forever).
func (c *Client) Restrict(ctx context.Context, chatID, userID int64, denied []string, until time.Time) (*Event, error) {
	body := map[string]any{"denied": denied}
	if !until.IsZero() {
		body["until"] = until
	}
	return c.event(ctx, http.MethodPut, chatPath(chatID)+"/members/"+itoa(userID)+"/restrict", nil, body)
}

// SetAdmin makes a member an admin with rights (by name); none makes them a member again.
func (c *Client) SetAdmin(ctx context.Context, chatID, userID int64, rights []string) (*Event, error) {
	if rights == nil {
		rights = []string{}
	}
	return c.event(ctx, http.MethodPut, chatPath(chatID)+"/members/"+itoa(userID)+"/admin", nil, map[string]any{"rights": rights})
}

// Pin pins a message (seq 0 unpins).
func (c *Client) Pin(ctx context.Context, chatID, seq int64) (*Event, error) {
	return c.event(ctx, http.MethodPost, chatPath(chatID)+"/pin", nil, map[string]int64{"seq": seq})
}

// ReactionCount is how many chose one reaction.
type ReactionCount struct {
	Emoji string `json:"emoji"`
	Count int    `json:"count"`
	Mine  bool   `json:"mine,omitempty"`
}

// MessageStats are a message's views and reactions.
type MessageStats struct {
	Seq       int64           `json:"seq"`
	Views     int             `json:"views"`
	Reactions []ReactionCount `json:"reactions"`
}

// React sets the caller's reaction to a message ("" removes it).
func (c *Client) React(ctx context.Context, chatID, seq int64, emoji string) (*MessageStats, error) {
	var out MessageStats
	return &out, c.do(ctx, http.MethodPut, chatPath(chatID)+"/messages/"+itoa(seq)+"/reaction", nil, map[string]string{"emoji": emoji}, &out)
}

// Stats returns messages' views and reactions; with view, the caller is
// counted as having seen them.
func (c *Client) Stats(ctx context.Context, chatID int64, seqs []int64, view bool) ([]MessageStats, error) {
	var out struct {
		Stats []MessageStats `json:"stats"`
	}
	err := c.do(ctx, http.MethodPost, chatPath(chatID)+"/stats", nil, map[string]any{"seqs": seqs, "view": view}, &out)
	return out.Stats, err
}

// LogEntry is one admin action.
type LogEntry struct {
	ID      int64     `json:"id"`
	ChatID  int64     `json:"chat_id"`
	ActorID int64     `json:"actor_id"`
	Action  string    `json:"action"`
	Target  int64     `json:"target,omitempty"`
	Detail  string    `json:"detail,omitempty"`
	Date    time.Time `json:"date"`
}

// AdminLog lists a chat's admin actions, newest first, those with id < before (0: from the newest).
func (c *Client) AdminLog(ctx context.Context, chatID, before int64) ([]LogEntry, error) {
	var out struct {
		Entries []LogEntry `json:"entries"`
	}
	q := url.Values{}
	if before > 0 {
		q.Set("before", itoa(before))
	}
	err := c.do(ctx, http.MethodGet, chatPath(chatID)+"/log", q, nil, &out)
	return out.Entries, err
}

// Directory is what SearchDirectory found.
type Directory struct {
	Users []User `json:"users"`
	Chats []Chat `json:"chats"`
}

// SearchDirectory finds users and public chats by @username prefix or name.
func (c *Client) SearchDirectory(ctx context.Context, q string, limit int) (*Directory, error) {
	v := url.Values{"q": {q}}
	if limit > 0 {
		v.Set("limit", itoa(int64(limit)))
	}
	var out Directory
	return &out, c.do(ctx, http.MethodGet, "/v1/search/directory", v, nil, &out)
}

// SearchPublic finds posts in public channels.
func (c *Client) SearchPublic(ctx context.Context, q SearchQuery) (*SearchResult, error) {
	v := url.Values{"q": {q.Query}}
	if q.Limit != 0 {
		v.Set("limit", itoa(int64(q.Limit)))
	}
	if q.Offset != 0 {
		v.Set("offset", itoa(int64(q.Offset)))
	}
	var out SearchResult
	return &out, c.do(ctx, http.MethodGet, "/v1/search/public", v, nil, &out)
}
