package domain

import (
	"context"
	"fmt"
	"strconv"
)

// SendRequest is a message to send.
type SendRequest struct {
	ChatID   int64
	ClientID string
	Text     string
	ReplyTo  int64
	Forward  *Forward // copy this message instead of Text
	Media    []string // files to attach (ids of finished uploads); Text is then the caption
	Rich     Rich     // formatting; a keyboard only from a bot
}

// MaxAlbum is the most files one message carries.
const MaxAlbum = 10

// Send appends a message to a chat. A repeated ClientID returns the first
// message with duplicate=true.
func (s *Service) Send(ctx context.Context, userID int64, r SendRequest) (Event, bool, error) {
	if err := validClientID(r.ClientID); err != nil {
		return Event{}, false, err
	}
	if s.cfg.SendLimit > 0 {
		key := strconv.FormatInt(userID, 10)
		if no, wait := s.sendLimit.blocked(key); no {
			return Event{}, false, rateLimited(wait)
		}
		s.sendLimit.hit(key)
	}
	if r.ReplyTo < 0 {
		return Event{}, false, Invalid("reply_to", "must be a message's seq")
	}
	nm := NewMessage{ChatID: r.ChatID, SenderID: userID, ClientID: r.ClientID, Text: r.Text, ReplyTo: r.ReplyTo, Need: RightPost}
	if r.Forward != nil {
		if r.Text != "" || len(r.Media) > 0 {
			return Event{}, false, Invalid("text", "a forward carries the original text; leave text empty")
		}
		src, err := s.readableMessage(ctx, userID, r.Forward.ChatID, r.Forward.Seq)
		if err != nil {
			return Event{}, false, err
		}
		nm.Text, nm.Media = src.Text, src.Media // the files are shared, not copied
		nm.Forward = &Forward{ChatID: src.ChatID, Seq: src.Seq, SenderID: src.ActorID}
		if src.Forward != nil { // keep the original origin
			nm.Forward = src.Forward
		}
	} else if len(r.Media) > 0 {
		if err := validText("text", r.Text, 0, s.cfg.MaxCaption); err != nil {
			return Event{}, false, err
		}
		media, err := s.attachments(ctx, userID, r.Media)
		if err != nil {
			return Event{}, false, err
		}
		nm.Media = media
	} else if err := validText("text", r.Text, 1, s.cfg.MaxTextLen); err != nil {
		return Event{}, false, err
	}
	if len(nm.Media) > 0 {
		nm.Need |= RightSendMedia
	}
	if r.Forward == nil {
		if err := s.checkRich(ctx, userID, r.Text, r.Rich); err != nil {
			return Event{}, false, err
		}
		nm.Rich = r.Rich
	}
	// Membership, rights and blocks are checked by the store inside the
	// transaction, with no extra read on this path.
	ev, dup, err := s.store.AppendMessage(ctx, nm)
	if err == nil {
		s.discuss(ctx, userID, ev)
	}
	return ev, dup, err
}

// attachments resolves the files a message is to carry: finished files
// the sender may read (their own uploads, or files in messages they can
// read, which are then shared, not copied). An album of several holds
// photos and videos, or only files, or only audio; a voice note goes alone.
func (s *Service) attachments(ctx context.Context, userID int64, ids []string) ([]Media, error) {
	if len(ids) > MaxAlbum {
		return nil, Invalid("media", "at most %d files in one message", MaxAlbum)
	}
	media := make([]Media, 0, len(ids))
	seen := map[string]bool{}
	for _, id := range ids {
		if id == "" || len(id) > 64 || seen[id] {
			return nil, Invalid("media", "each file once, by its id")
		}
		seen[id] = true
		may, err := s.store.CanReadFile(ctx, userID, id)
		if err != nil {
			return nil, err
		}
		var f File
		if may {
			f, err = s.store.File(ctx, id)
		}
		if !may || IsKind(err, KindNotFound) {
			return nil, Errorf(KindNotFound, "file %s not found (finish its upload first)", id)
		}
		if err != nil {
			return nil, err
		}
		media = append(media, MediaOf(f))
	}
	if len(media) > 1 {
		group := func(kind string) string {
			if kind == MediaPhoto || kind == MediaVideo {
				return "visual"
			}
			return kind
		}
		for _, m := range media {
			if m.Kind == MediaVoice || group(m.Kind) != group(media[0].Kind) {
				return nil, Invalid("media", "an album holds photos and videos, or only files, or only audio; a voice note goes alone")
			}
		}
	}
	return media, nil
}

// discuss copies a channel post into the channel's discussion group, as a
// forward sent by the poster, where subscribers comment on it by replying.
// The copy's client_id is made from the post's, so a resent post (or a
// copy lost to a crash, made again when the post is resent) is copied
// once. A poster who is not in the group, or may not post there, is not
// copied: the post itself stands either way.
func (s *Service) discuss(ctx context.Context, userID int64, post Event) {
	if t, err := s.chatType(ctx, post.ChatID); err != nil || t != ChatChannel {
		return
	}
	c, err := s.store.Chat(ctx, post.ChatID)
	if err != nil || c.LinkedChatID == 0 {
		return
	}
	_, _, err = s.store.AppendMessage(ctx, NewMessage{ChatID: c.LinkedChatID, SenderID: userID, Need: RightPost,
		ClientID: fmt.Sprintf("discuss.%d.%d", post.ChatID, post.Seq), Text: post.Text, Media: post.Media,
		Forward: &Forward{ChatID: post.ChatID, Seq: post.Seq}})
	if err != nil {
		s.log.Debug("post not copied to its discussion group", "chat", post.ChatID, "seq", post.Seq, "err", err)
	}
}

// chatType is a chat's type, which never changes, from a bounded cache.
func (s *Service) chatType(ctx context.Context, chatID int64) (ChatType, error) {
	s.typesMu.Lock()
	t, ok := s.types[chatID]
	s.typesMu.Unlock()
	if ok {
		return t, nil
	}
	c, err := s.store.Chat(ctx, chatID)
	if err != nil {
		return "", err
	}
	s.typesMu.Lock()
	if len(s.types) >= maxCachedTypes {
		clear(s.types)
	}
	s.types[chatID] = c.Type
	s.typesMu.Unlock()
	return c.Type, nil
}

// maxCachedTypes bounds the chat type cache (about 40 bytes an entry).
const maxCachedTypes = 100_000

// readableMessage returns a live message in a chat the caller may read
// (one they are in, or a public one).
func (s *Service) readableMessage(ctx context.Context, userID, chatID, seq int64) (Event, error) {
	if _, err := s.access(ctx, chatID, userID); err != nil {
		return Event{}, err
	}
	m, err := s.store.Message(ctx, chatID, seq)
	if err != nil || m.Deleted {
		return Event{}, Errorf(KindNotFound, "message not found")
	}
	return m, nil
}

// History pages through a chat's messages: the newest `limit` before
// `before` if before > 0, else the oldest after `after` if after >= 0, else
// the newest. Anyone may read a public chat's history.
func (s *Service) History(ctx context.Context, userID, chatID, before, after int64, limit int) ([]Event, error) {
	if _, err := s.access(ctx, chatID, userID); err != nil {
		return nil, err
	}
	if before < 0 {
		return nil, Invalid("before", "must not be negative")
	}
	if after < -1 {
		return nil, Invalid("after", "must not be negative")
	}
	if limit <= 0 {
		limit = 50
	}
	limit = min(limit, s.cfg.HistoryLimit)
	return s.store.History(ctx, chatID, before, after, limit)
}

// Edit changes the text of the caller's own message, and its formatting
// and keyboard to rich's.
func (s *Service) Edit(ctx context.Context, userID, chatID, seq int64, text string, rich Rich) (Event, error) {
	if err := validText("text", text, 1, s.cfg.MaxTextLen); err != nil {
		return Event{}, err
	}
	if err := s.checkRich(ctx, userID, text, rich); err != nil {
		return Event{}, err
	}
	m, err := s.readableMessage(ctx, userID, chatID, seq)
	if err != nil {
		return Event{}, err
	}
	if m.ActorID != userID {
		// Channel posts are edited by admins with the edit right.
		a, err := s.managed(ctx, chatID, userID, RightEdit)
		if err != nil || a.chat.Type != ChatChannel {
			return Event{}, Errorf(KindForbidden, "you can only edit your own messages")
		}
	}
	switch {
	case m.Forward != nil:
		return Event{}, Errorf(KindForbidden, "forwarded messages cannot be edited")
	case s.now().Sub(m.Date) > s.cfg.EditWindow:
		return Event{}, Errorf(KindForbidden, "messages can only be edited for %s", s.cfg.EditWindow)
	}
	return s.store.EditMessage(ctx, chatID, seq, userID, text, rich)
}

// Delete deletes a message for everyone: one's own, or anyone's for group
// admins.
func (s *Service) Delete(ctx context.Context, userID, chatID, seq int64) (Event, error) {
	m, err := s.readableMessage(ctx, userID, chatID, seq)
	if err != nil {
		return Event{}, err
	}
	if m.ActorID != userID {
		if _, err := s.managed(ctx, chatID, userID, RightDelete); err != nil {
			if IsKind(err, KindNotFound) {
				return Event{}, err
			}
			return Event{}, Errorf(KindForbidden, "you can only delete your own messages")
		}
	}
	return s.store.DeleteMessage(ctx, chatID, seq, userID)
}

// MarkRead records that the caller has read the chat up to seq.
func (s *Service) MarkRead(ctx context.Context, userID, chatID, seq int64) (Event, error) {
	if seq <= 0 {
		return Event{}, Invalid("seq", "must be positive")
	}
	if _, err := s.member(ctx, chatID, userID); err != nil {
		return Event{}, err
	}
	ev, _, err := s.store.MarkRead(ctx, chatID, userID, seq)
	return ev, err
}

// Typing tells the chat's online members that the caller is typing.
// Nobody sees a channel's admins typing.
func (s *Service) Typing(ctx context.Context, userID, chatID int64) error {
	if _, err := s.member(ctx, chatID, userID); err != nil {
		return err
	}
	if c, err := s.store.Chat(ctx, chatID); err != nil || c.Type == ChatChannel {
		return err
	}
	// One signal per user and chat every few seconds is all a typing
	// indicator needs; more is dropped quietly rather than fanned out.
	key := fmt.Sprint(userID, ":", chatID)
	if no, _ := s.typingLimit.blocked(key); no {
		return nil
	}
	s.typingLimit.hit(key)
	s.notify.Notify(Signal{Kind: SigTyping, ChatIDs: []int64{chatID}, UserID: userID})
	return nil
}

// SetOnline records a user coming online or going offline (their first
// connection opened or last one closed) and tells their direct chats.
func (s *Service) SetOnline(ctx context.Context, userID int64, online bool) error {
	now := s.now().UTC()
	if !online {
		if err := s.store.SetLastSeen(ctx, userID, now); err != nil {
			return err
		}
	}
	ids, err := s.store.DirectChatIDs(ctx, userID)
	if err != nil {
		return err
	}
	s.notify.Notify(Signal{Kind: SigPresence, ChatIDs: ids, UserID: userID, Online: online, LastSeen: now})
	return nil
}
