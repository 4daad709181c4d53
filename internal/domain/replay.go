package domain

import "context"

// Replay walks a user's update stream from one position up to another, in
// position order: the events of every chat they are (or were, until they
// left) a member of, read events, and their private events. It reads each changed chat a page at
// a time and merges the pages, so its memory is bounded however long the
// user was away, and only chats that changed are touched.
//
// The upper bound matters: a connection subscribes to live events first,
// then fixes `upto` at the committed position; every event after `upto`
// reaches it live, so the replay must not send any (it would pass over a
// live event still in flight in another chat).
type Replay struct {
	s       *Service
	userID  int64
	upto    int64
	cursors []*cursor
	started bool
	from    int64
}

type cursor struct {
	chatID int64 // 0 for the reads cursor, -1 for private events
	upto   int64
	after  int64
	buf    []Event
	done   bool
}

const replayPage = 256

// NewReplay starts a replay of events with from < pos <= upto.
func (s *Service) NewReplay(userID, from, upto int64) *Replay {
	return &Replay{s: s, userID: userID, from: from, upto: upto}
}

// LastPos is the newest committed position.
func (s *Service) LastPos(ctx context.Context) (int64, error) { return s.store.LastPos(ctx) }

func (r *Replay) start(ctx context.Context) error {
	r.started = true
	if r.from >= r.upto {
		return nil
	}
	chats, err := r.s.store.ChangedChats(ctx, r.userID, r.from)
	if err != nil {
		return err
	}
	r.cursors = append(r.cursors, &cursor{after: r.from, upto: r.upto}, &cursor{chatID: -1, after: r.from, upto: r.upto})
	for _, m := range chats {
		upto := r.upto
		if !m.Active() {
			upto = min(upto, m.LeftPos)
		}
		r.cursors = append(r.cursors, &cursor{chatID: m.ChatID, after: r.from, upto: upto})
	}
	return nil
}

func (r *Replay) fill(ctx context.Context, c *cursor) error {
	if len(c.buf) > 0 || c.done {
		return nil
	}
	var err error
	switch c.chatID {
	case 0:
		c.buf, err = r.s.store.ReadsAfter(ctx, r.userID, c.after, c.upto, replayPage)
	case -1:
		c.buf, err = r.s.store.PrivateAfter(ctx, r.userID, c.after, c.upto, replayPage)
	default:
		c.buf, err = r.s.store.EventsAfter(ctx, c.chatID, c.after, c.upto, replayPage)
	}
	if err != nil {
		return err
	}
	if len(c.buf) < replayPage {
		c.done = true
	}
	if n := len(c.buf); n > 0 {
		c.after = c.buf[n-1].Pos
	}
	return nil
}

// Next returns up to max further events in position order; none when the
// replay is complete.
func (r *Replay) Next(ctx context.Context, max int) ([]Event, error) {
	if !r.started {
		if err := r.start(ctx); err != nil {
			return nil, err
		}
	}
	var out []Event
	for len(out) < max {
		var best *cursor
		for _, c := range r.cursors {
			if err := r.fill(ctx, c); err != nil {
				return nil, err
			}
			if len(c.buf) > 0 && (best == nil || c.buf[0].Pos < best.buf[0].Pos) {
				best = c
			}
		}
		if best == nil {
			break
		}
		out = append(out, best.buf[0])
		best.buf = best.buf[1:]
	}
	return out, nil
}
