package domain

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// Bots (docs/BOTS.md): a bot is a user account that a program drives
// through the Telegram-compatible Bot API, signed in by a token of
// Telegram's form "<bot id>:<35 characters>". Any user may make bots;
// the bot's owner manages its token, name, description and commands.

// Bot is a bot's settings and state.
type Bot struct {
	UserID           int64
	OwnerID          int64
	Description      string
	ShortDescription string
	Commands         []BotCommand
	// Privacy: in groups where it is not an admin, the bot gets only
	// commands, replies to it and messages that mention it.
	Privacy bool
	// UpdateOffset is what getUpdates has confirmed: updates (events) at
	// lower positions are not given again.
	UpdateOffset   int64
	AllowedUpdates []string // as getUpdates or setWebhook last set them; empty: the default set
	Webhook        Webhook
	CreatedAt      time.Time
}

// Webhook is where a bot's updates are POSTed, if URL is set.
type Webhook struct {
	URL            string
	SecretToken    string // sent back in X-Telegram-Bot-Api-Secret-Token
	MaxConnections int    // updates posted at once
	LastErrorAt    time.Time
	LastError      string
}

// BotCommand is one entry of a bot's command menu.
type BotCommand struct {
	Command     string `json:"command"`
	Description string `json:"description"`
}

// BotStore keeps bots.
type BotStore interface {
	// CreateBot stores the bot's user (IsBot set) and the bot, with the
	// SHA-256 of its token, in one transaction. A taken username is
	// KindConflict.
	CreateBot(ctx context.Context, u User, b Bot, tokenHash []byte) (User, error)
	Bot(ctx context.Context, userID int64) (Bot, error)
	// BotByTokenHash finds the bot whose token hashes to h, or KindNotFound.
	BotByTokenHash(ctx context.Context, h []byte) (Bot, error)
	// BotsOf lists the bots a user owns, oldest first.
	BotsOf(ctx context.Context, ownerID int64) ([]Bot, error)
	// SetBotToken replaces the bot's token (the old one stops working).
	SetBotToken(ctx context.Context, botID int64, tokenHash []byte) error
	// UpdateBot saves Description, ShortDescription, Commands and Privacy.
	UpdateBot(ctx context.Context, b Bot) error
	// ConfirmUpdates raises the bot's update offset to offset (never
	// lowers it) and keeps allowed (nil: unchanged).
	ConfirmUpdates(ctx context.Context, botID, offset int64, allowed []string) error
	// SetWebhook sets (URL set) or removes a bot's webhook, clearing its
	// last error, and keeps allowed (nil: unchanged).
	SetWebhook(ctx context.Context, botID int64, w Webhook, allowed []string) error
	// WebhookFailed records a delivery's failure.
	WebhookFailed(ctx context.Context, botID int64, at time.Time, msg string) error
	// WebhookBots lists the bots that have a webhook.
	WebhookBots(ctx context.Context) ([]Bot, error)
	// LeaseWebhook gives node the delivery of a bot's updates until until,
	// if no other node holds it (its lease ended at now).
	LeaseWebhook(ctx context.Context, botID int64, node string, until, now time.Time) (bool, error)
	// AppendPrivate stores a private event (ev.ForUser set) in ev.ChatID's
	// log of private events and publishes it to that user alone.
	AppendPrivate(ctx context.Context, ev Event) (Event, error)
	// PrivateEvent returns one of a user's private events, or KindNotFound.
	PrivateEvent(ctx context.Context, userID, pos int64) (Event, error)
}

// Bot limits.
const (
	MaxBotsPerUser   = 20
	MaxBotCommands   = 100
	maxBotDesc       = 512
	maxBotShortDesc  = 120
	botSecretLen     = 35
	botSecretLetters = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-"
)

// newBotToken makes a token for the bot: its id, a colon and 35 random
// characters of A–Z a–z 0–9 _ - (libraries check this shape).
func newBotToken(botID int64) string {
	b := make([]byte, botSecretLen)
	rand.Read(b)
	for i := range b {
		b[i] = botSecretLetters[int(b[i])%len(botSecretLetters)] // 256 = 4 × 64: no bias
	}
	return strconv.FormatInt(botID, 10) + ":" + string(b)
}

// CreateBot makes a bot owned by ownerID and returns its user and token.
// Its username must end in "bot", as on Telegram.
func (s *Service) CreateBot(ctx context.Context, ownerID int64, username, name string) (User, string, error) {
	owner, err := s.store.UserByID(ctx, ownerID)
	if err != nil {
		return User{}, "", err
	}
	if owner.IsBot {
		return User{}, "", Errorf(KindForbidden, "bots cannot make bots")
	}
	if err := validUsername(username); err != nil {
		return User{}, "", err
	}
	if !strings.HasSuffix(strings.ToLower(username), "bot") {
		return User{}, "", Invalid("username", "a bot's username must end in \"bot\"")
	}
	if name == "" {
		name = username
	}
	if err := validName(name); err != nil {
		return User{}, "", err
	}
	mine, err := s.store.BotsOf(ctx, ownerID)
	if err != nil {
		return User{}, "", err
	}
	if len(mine) >= MaxBotsPerUser {
		return User{}, "", Errorf(KindRateLimited, "a user may have at most %d bots", MaxBotsPerUser)
	}
	// The token names the bot's id, which the store gives: the bot is
	// stored with a placeholder hash, then its real token is set.
	u, err := s.store.CreateBot(ctx, User{Username: username, DisplayName: name, IsBot: true},
		Bot{OwnerID: ownerID, Privacy: true}, nil)
	if err != nil {
		return User{}, "", err
	}
	token := newBotToken(u.ID)
	if err := s.store.SetBotToken(ctx, u.ID, HashToken(token)); err != nil {
		return User{}, "", err
	}
	return u, token, nil
}

// ownBot returns a bot of ownerID's, or KindNotFound.
func (s *Service) ownBot(ctx context.Context, ownerID, botID int64) (Bot, error) {
	b, err := s.store.Bot(ctx, botID)
	if err == nil && b.OwnerID != ownerID {
		err = Errorf(KindNotFound, "bot not found")
	}
	return b, err
}

// Bots lists the bots a user owns, with their users.
func (s *Service) Bots(ctx context.Context, ownerID int64) ([]Bot, error) {
	return s.store.BotsOf(ctx, ownerID)
}

// BotOf returns one of the owner's bots.
func (s *Service) BotOf(ctx context.Context, ownerID, botID int64) (Bot, error) {
	return s.ownBot(ctx, ownerID, botID)
}

// NewBotToken revokes a bot's token and returns a new one.
func (s *Service) NewBotToken(ctx context.Context, ownerID, botID int64) (string, error) {
	if _, err := s.ownBot(ctx, ownerID, botID); err != nil {
		return "", err
	}
	token := newBotToken(botID)
	return token, s.store.SetBotToken(ctx, botID, HashToken(token))
}

// BotSettings are what an owner (or the bot itself) may change.
type BotSettings struct {
	Name             *string // the bot user's display name
	Description      *string
	ShortDescription *string
	Commands         *[]BotCommand
	Privacy          *bool
}

// SetBot changes a bot's settings. actorID is its owner or the bot.
func (s *Service) SetBot(ctx context.Context, actorID, botID int64, set BotSettings) (Bot, error) {
	b, err := s.store.Bot(ctx, botID)
	if err == nil && actorID != b.OwnerID && actorID != botID {
		err = Errorf(KindNotFound, "bot not found")
	}
	if err != nil {
		return b, err
	}
	if set.Description != nil {
		if utf8.RuneCountInString(*set.Description) > maxBotDesc {
			return b, Invalid("description", "at most %d characters", maxBotDesc)
		}
		b.Description = *set.Description
	}
	if set.ShortDescription != nil {
		if utf8.RuneCountInString(*set.ShortDescription) > maxBotShortDesc {
			return b, Invalid("short_description", "at most %d characters", maxBotShortDesc)
		}
		b.ShortDescription = *set.ShortDescription
	}
	if set.Commands != nil {
		if err := validCommands(*set.Commands); err != nil {
			return b, err
		}
		b.Commands = *set.Commands
	}
	if set.Privacy != nil {
		b.Privacy = *set.Privacy
	}
	if set.Name != nil {
		if _, err := s.UpdateProfile(ctx, botID, ProfileUpdate{DisplayName: set.Name}); err != nil {
			return b, err
		}
	}
	return b, s.store.UpdateBot(ctx, b)
}

// validCommands checks a command menu as Telegram does: 1–32 characters
// of a–z, 0–9 and _, a description of 1–256 characters, at most 100.
func validCommands(cs []BotCommand) error {
	if len(cs) > MaxBotCommands {
		return Invalid("commands", "at most %d", MaxBotCommands)
	}
	for _, c := range cs {
		if len(c.Command) == 0 || len(c.Command) > 32 || strings.Trim(c.Command, "abcdefghijklmnopqrstuvwxyz0123456789_") != "" {
			return Invalid("commands", "a command is 1-32 characters of a-z, 0-9 and _ (got %q)", c.Command)
		}
		if n := utf8.RuneCountInString(c.Description); n == 0 || n > 256 {
			return Invalid("commands", "a command's description is 1-256 characters")
		}
	}
	return nil
}

// AuthenticateBot signs a bot in by its token.
func (s *Service) AuthenticateBot(ctx context.Context, token string) (Bot, error) {
	id, secret, ok := strings.Cut(token, ":")
	botID, err := strconv.ParseInt(id, 10, 64)
	if !ok || err != nil || botID <= 0 || len(secret) != botSecretLen {
		return Bot{}, Errorf(KindUnauth, "Unauthorized")
	}
	b, err := s.store.BotByTokenHash(ctx, HashToken(token))
	if IsKind(err, KindNotFound) || (err == nil && b.UserID != botID) {
		return Bot{}, Errorf(KindUnauth, "Unauthorized")
	}
	return b, err
}

// ConfirmUpdates records what a bot's getUpdates confirmed.
func (s *Service) ConfirmUpdates(ctx context.Context, botID, offset int64, allowed []string) error {
	return s.store.ConfirmUpdates(ctx, botID, offset, allowed)
}

// Message returns a message the user may read.
func (s *Service) Message(ctx context.Context, userID, chatID, seq int64) (Event, error) {
	return s.readableMessage(ctx, userID, chatID, seq)
}

// BotChatWith returns a bot's direct chat with a user, who must have
// started it: a bot cannot write to someone first (as on Telegram).
func (s *Service) BotChatWith(ctx context.Context, botID, userID int64) (ChatSummary, error) {
	c, err := s.store.DirectChat(ctx, directKey(botID, userID))
	if IsKind(err, KindNotFound) {
		return ChatSummary{}, Errorf(KindForbidden, "bot can't initiate conversation with a user")
	}
	if err != nil {
		return ChatSummary{}, err
	}
	return s.ChatBrief(ctx, botID, c.ID)
}

// EvCallback is a private event for a bot: a user pressed one of its
// message's inline buttons (Target: the message's seq, Text: the
// button's callback data, ActorID: the user).
const EvCallback = "callback_query"

// SigFrame carries a frame to one user's devices (Signal.Frame), such as
// a bot's answer to a pressed button.
const SigFrame SignalKind = 101

// PressButton sends the callback data of an inline button of a bot's
// message to that bot, and returns the query's id (the bot answers it with
// answerCallbackQuery; the answer reaches the user's devices as a
// callback_answer frame).
func (s *Service) PressButton(ctx context.Context, userID, chatID, seq int64, data string) (string, error) {
	if err := s.limit(s.signalLimit, userID); err != nil {
		return "", err
	}
	m, err := s.readableMessage(ctx, userID, chatID, seq)
	if err != nil {
		return "", err
	}
	found := false
	if m.Markup != nil && data != "" {
		for _, row := range m.Markup.InlineKeyboard {
			for _, b := range row {
				found = found || b.CallbackData == data
			}
		}
	}
	if !found {
		return "", Invalid("data", "the message has no such button")
	}
	bot, err := s.store.UserByID(ctx, m.ActorID)
	if err != nil || !bot.IsBot {
		return "", Invalid("data", "the message has no such button")
	}
	ev, err := s.store.AppendPrivate(ctx, Event{ChatID: chatID, Type: EvCallback, ForUser: bot.ID, ActorID: userID,
		Target: seq, Text: data})
	if err != nil {
		return "", err
	}
	return strconv.FormatInt(ev.Pos, 10), nil
}

// CallbackQuery returns a query a user sent the bot.
func (s *Service) CallbackQuery(ctx context.Context, botID int64, queryID string) (Event, error) {
	pos, err := strconv.ParseInt(queryID, 10, 64)
	var ev Event
	if err == nil {
		ev, err = s.store.PrivateEvent(ctx, botID, pos)
	}
	if err != nil || ev.Type != EvCallback {
		return Event{}, Invalid("callback_query_id", "query is too old and response timeout expired or query ID is invalid")
	}
	return ev, nil
}

// CallbackAnswer is a bot's answer to a pressed button: a notice, or an
// alert, or a URL to open.
type CallbackAnswer struct {
	QueryID   string `json:"query_id"`
	ChatID    int64  `json:"chat_id"`
	Seq       int64  `json:"seq"`
	Text      string `json:"text,omitempty"`
	ShowAlert bool   `json:"show_alert,omitempty"`
	URL       string `json:"url,omitempty"`
}

// AnswerCallback sends a bot's answer to the devices of the user who
// pressed the button.
func (s *Service) AnswerCallback(ctx context.Context, botID int64, a CallbackAnswer) error {
	ev, err := s.CallbackQuery(ctx, botID, a.QueryID)
	if err != nil {
		return err
	}
	if utf8.RuneCountInString(a.Text) > 200 {
		return Invalid("text", "at most 200 characters")
	}
	if a.URL != "" && !linkURL(a.URL) {
		return Invalid("url", "must be an http, https or tg URL")
	}
	a.ChatID, a.Seq = ev.ChatID, ev.Target
	frame, err := json.Marshal(struct {
		Type string `json:"type"`
		CallbackAnswer
	}{"callback_answer", a})
	if err != nil {
		return err
	}
	s.notify.Notify(Signal{Kind: SigFrame, UserID: ev.ActorID, Frame: frame})
	return nil
}

// BotByID returns a bot (for the Bot API, which has authenticated it).
func (s *Service) BotByID(ctx context.Context, botID int64) (Bot, error) {
	return s.store.Bot(ctx, botID)
}

// SetWebhook sets or removes a bot's webhook.
func (s *Service) SetWebhook(ctx context.Context, botID int64, w Webhook, allowed []string) error {
	return s.store.SetWebhook(ctx, botID, w, allowed)
}

// WebhookFailed records why a delivery failed (getWebhookInfo shows it).
func (s *Service) WebhookFailed(ctx context.Context, botID int64, msg string) {
	if err := s.store.WebhookFailed(ctx, botID, s.now().UTC(), msg); err != nil {
		s.log.Warn("webhook error", "bot", botID, "err", err)
	}
}

// WebhookBots lists the bots with webhooks.
func (s *Service) WebhookBots(ctx context.Context) ([]Bot, error) { return s.store.WebhookBots(ctx) }

// LeaseWebhook claims the delivery of a bot's updates for a node.
func (s *Service) LeaseWebhook(ctx context.Context, botID int64, node string, until time.Time) (bool, error) {
	return s.store.LeaseWebhook(ctx, botID, node, until, s.now())
}

// MemberOf returns a chat member as someone who may read the chat sees
// them (a left or never-joined user comes back with LeftSeq set or
// KindNotFound).
func (s *Service) MemberOf(ctx context.Context, userID, chatID, targetID int64) (Member, error) {
	if _, err := s.access(ctx, chatID, userID); err != nil {
		return Member{}, err
	}
	return s.store.Member(ctx, chatID, targetID)
}

// ChatBrief is a chat as a member (or, for a public chat, anyone) sees it,
// without the counts and last message of ChatSummary: the Bot API reads
// one for every update it gives, and a bot's unread count (it never reads)
// would grow with the chat.
func (s *Service) ChatBrief(ctx context.Context, userID, chatID int64) (ChatSummary, error) {
	a, err := s.access(ctx, chatID, userID)
	if err != nil {
		return ChatSummary{}, err
	}
	cs := ChatSummary{Chat: a.chat, Role: a.member.Role, Rights: a.rights}
	if a.chat.Type == ChatDirect {
		ms, err := s.store.Members(ctx, chatID, 0, 2)
		if err != nil {
			return cs, err
		}
		for _, m := range ms {
			if m.UserID != userID {
				cs.PeerID = m.UserID
			}
		}
	}
	return cs, nil
}
