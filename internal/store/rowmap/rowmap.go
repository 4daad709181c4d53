// Package rowmap maps rows to domain values the same way for every SQL
// store. The SQLite and PostgreSQL schemas keep the same columns in the
// same units (times as Unix milliseconds), so one mapping serves both.
package rowmap

import (
	"encoding/json"
	"errors"
	"time"

	"github.com/chapar/chapar/internal/domain"
)

// Scanner is a row: *sql.Row, *sql.Rows, pgx.Row and pgx.Rows all are.
type Scanner interface{ Scan(dest ...any) error }

// EventCols are the events table's columns in the order ScanEvent reads.
// An anonymous channel post reads with actor 0.
// rights and until are those of role_changed and member_removed (a ban)
// events; NULL (PostgreSQL) or 0 for every other event.
const EventCols = `chat_id, seq, pos, type, CASE WHEN anon <> 0 THEN 0 ELSE actor_id END, date,
	COALESCE(client_id, ''), text, reply_to, fwd_chat, fwd_seq, fwd_sender, target, role, edited_at, deleted, views,
	COALESCE(rights, 0), COALESCE(until, 0), COALESCE(media, ''), COALESCE(rich, '')`

// ScanEvent reads one row of EventCols.
func ScanEvent(r Scanner) (domain.Event, error) {
	var e domain.Event
	var date, edited, rights, until int64
	var fwdChat, fwdSeq, fwdSender int64
	var role, media, rich string
	err := r.Scan(&e.ChatID, &e.Seq, &e.Pos, &e.Type, &e.ActorID, &date, &e.ClientID, &e.Text, &e.ReplyTo,
		&fwdChat, &fwdSeq, &fwdSender, &e.Target, &role, &edited, &e.Deleted, &e.Views, &rights, &until, &media, &rich)
	if err == nil && media != "" {
		if e.Type == domain.EvCall {
			err = json.Unmarshal([]byte(media), &e.Call)
		} else {
			err = json.Unmarshal([]byte(media), &e.Media)
		}
	}
	if err == nil && rich != "" {
		var r domain.Rich
		err = json.Unmarshal([]byte(rich), &r)
		e.Entities, e.Markup = r.Entities, r.Markup
	}
	e.Rights = domain.Rights(rights)
	if until != 0 {
		u := FromMS(until)
		e.Until = &u
	}
	e.Date = FromMS(date)
	e.Role = domain.Role(role)
	if edited != 0 {
		t := FromMS(edited)
		e.EditedAt = &t
	}
	if fwdChat != 0 {
		e.Forward = &domain.Forward{ChatID: fwdChat, Seq: fwdSeq, SenderID: fwdSender}
	}
	return e, err
}

// RichJSON is how the events table keeps an event's formatting and
// keyboard: NULL (nil) for none.
func RichJSON(e *domain.Event) any {
	r := domain.Rich{Entities: e.Entities, Markup: e.Markup}
	if r.Empty() {
		return nil
	}
	return JSON(r)
}

// MediaJSON is how the events table's media column keeps a message's
// media, or a call event's record: NULL (nil) for none.
func MediaJSON(e *domain.Event) any {
	var v any = e.Media
	switch {
	case e.Call != nil:
		v = e.Call
	case len(e.Media) == 0:
		return nil
	}
	b, err := json.Marshal(v)
	if err != nil {
		panic(err) // plain structs of strings and numbers
	}
	return string(b)
}

// FromMS turns stored Unix milliseconds into a time (0 is the zero time).
func FromMS(v int64) time.Time {
	if v == 0 {
		return time.Time{}
	}
	return time.UnixMilli(v).UTC()
}

// UploadCols are the uploads table's columns in the order ScanUpload reads
// ("offset" is a keyword in both dialects).
const UploadCols = `id, user_id, kind, mime, name, length, "offset", parts, hash, created_at, waveform`

// ScanUpload reads one row of UploadCols.
func ScanUpload(r Scanner) (domain.Upload, error) {
	var u domain.Upload
	var parts string
	var created int64
	err := r.Scan(&u.ID, &u.UserID, &u.Kind, &u.MIME, &u.Name, &u.Length, &u.Offset, &parts, &u.Hash, &created, &u.Waveform)
	if err == nil {
		err = json.Unmarshal([]byte(parts), &u.Parts)
	}
	u.CreatedAt = FromMS(created)
	return u, err
}

// FileCols are the files table's columns in the order ScanFile reads.
const FileCols = `id, owner_id, kind, mime, name, size, sha256, width, height, duration, waveform, parts, thumbs, created_at`

// ScanFile reads one row of FileCols.
func ScanFile(r Scanner) (domain.File, error) {
	var f domain.File
	var parts, thumbs string
	var created int64
	err := r.Scan(&f.ID, &f.OwnerID, &f.Kind, &f.MIME, &f.Name, &f.Size, &f.SHA256, &f.Width, &f.Height, &f.Duration,
		&f.Waveform, &parts, &thumbs, &created)
	if err == nil {
		err = errors.Join(json.Unmarshal([]byte(parts), &f.Parts), json.Unmarshal([]byte(thumbs), &f.Thumbs))
	}
	f.CreatedAt = FromMS(created)
	return f, err
}

// CallCols are the calls table's columns in the order ScanCall reads.
const CallCols = `id, chat_id, caller_id, callee_id, video, state, caller_conn, callee_conn, created_at, answered_at, seen_at`

// ScanCall reads one row of CallCols.
func ScanCall(r Scanner) (domain.Call, error) {
	var c domain.Call
	var created, answered, seen int64
	err := r.Scan(&c.ID, &c.ChatID, &c.CallerID, &c.CalleeID, &c.Video, &c.State, &c.CallerConn, &c.CalleeConn,
		&created, &answered, &seen)
	c.CreatedAt, c.AnsweredAt, c.SeenAt = FromMS(created), FromMS(answered), FromMS(seen)
	return c, err
}

// BotCols are the bots table's columns in the order ScanBot reads.
const BotCols = `user_id, owner_id, description, short_description, commands, privacy, update_offset, allowed_updates, created_at,
	webhook_url, webhook_secret, webhook_max_conn, webhook_error_at, webhook_error`

// ScanBot reads one row of BotCols.
func ScanBot(r Scanner) (domain.Bot, error) {
	var b domain.Bot
	var commands, allowed string
	var created, errorAt int64
	err := r.Scan(&b.UserID, &b.OwnerID, &b.Description, &b.ShortDescription, &commands, &b.Privacy, &b.UpdateOffset,
		&allowed, &created, &b.Webhook.URL, &b.Webhook.SecretToken, &b.Webhook.MaxConnections, &errorAt, &b.Webhook.LastError)
	b.Webhook.LastErrorAt = FromMS(errorAt)
	if err == nil {
		err = json.Unmarshal([]byte(commands), &b.Commands)
	}
	if err == nil && allowed != "" {
		err = json.Unmarshal([]byte(allowed), &b.AllowedUpdates)
	}
	b.CreatedAt = FromMS(created)
	return b, err
}

// JSON is v as stored in a text column.
func JSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err) // plain structs of strings and numbers
	}
	return string(b)
}

// Commands is a bot's command list as stored: [] for none.
func Commands(c []domain.BotCommand) []domain.BotCommand {
	if c == nil {
		return []domain.BotCommand{}
	}
	return c
}
