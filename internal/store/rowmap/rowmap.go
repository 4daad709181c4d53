// Package rowmap maps rows to domain values the same way for every SQL
// store. The SQLite and PostgreSQL schemas keep the same columns in the
// same units (times as Unix milliseconds), so one mapping serves both.
package rowmap

import (
	"time"

	"github.com/chapar/chapar/internal/domain"
)

// Scanner is a row: *sql.Row, *sql.Rows, pgx.Row and pgx.Rows all are.
type Scanner interface{ Scan(dest ...any) error }

// EventCols are the events table's columns in the order ScanEvent reads.
const EventCols = `chat_id, seq, pos, type, actor_id, date, COALESCE(client_id, ''), text, reply_to,
	fwd_chat, fwd_seq, fwd_sender, target, role, edited_at, deleted`

// ScanEvent reads one row of EventCols.
func ScanEvent(r Scanner) (domain.Event, error) {
	var e domain.Event
	var date, edited int64
	var fwdChat, fwdSeq, fwdSender int64
	var role string
	err := r.Scan(&e.ChatID, &e.Seq, &e.Pos, &e.Type, &e.ActorID, &date, &e.ClientID, &e.Text, &e.ReplyTo,
		&fwdChat, &fwdSeq, &fwdSender, &e.Target, &role, &edited, &e.Deleted)
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

// FromMS turns stored Unix milliseconds into a time (0 is the zero time).
func FromMS(v int64) time.Time {
	if v == 0 {
		return time.Time{}
	}
	return time.UnixMilli(v).UTC()
}
