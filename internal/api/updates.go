package api

import (
	"context"

	"github.com/chapar/chapar/internal/hub"
	"net/http"
	"time"

	"github.com/chapar/chapar/internal/domain"
)

// pollWaiter wakes a long poll when anything reaches the user.
type pollWaiter struct{ wake chan struct{} }

func (p *pollWaiter) Push(pos int64, _ []byte) {
	if pos == 0 { // signals (typing, presence) are not part of the stream
		return
	}
	select {
	case p.wake <- struct{}{}:
	default:
	}
}

func (p *pollWaiter) Kick(int, string) {
	select {
	case p.wake <- struct{}{}:
	default:
	}
}

// updates is the long-poll form of the update stream.
func (s *Server) updates(w http.ResponseWriter, r *http.Request, sess domain.Session) {
	q := r.URL.Query()
	timeout, err := queryInt(r, "timeout", 25)
	limit, err2 := queryInt(r, "limit", 100)
	pos, err3 := queryInt(r, "pos", -1)
	if err = firstErr(err, err2, err3); err == nil {
		switch {
		case timeout < 0 || timeout > 60:
			err = domain.Invalid("timeout", "must be 0-60 seconds")
		case limit < 1 || limit > 1000:
			err = domain.Invalid("limit", "must be 1-1000")
		case q.Has("pos") && pos < 0:
			err = domain.Invalid("pos", "must not be negative")
		}
	}
	if err != nil {
		s.reply(w, 0, nil, err)
		return
	}
	ctx := r.Context()
	// Subscribe before reading the position, so nothing committed after it
	// can slip by unseen (see domain.Replay).
	waiter := &pollWaiter{wake: make(chan struct{}, 1)}
	hc, err := s.subscribe(ctx, waiter, sess)
	if err != nil {
		s.reply(w, 0, nil, err)
		return
	}
	defer s.hub.Unregister(hc)

	upto, err := s.svc.LastPos(ctx)
	if err != nil || !q.Has("pos") {
		s.reply(w, http.StatusOK, map[string]any{"updates": []domain.Event{}, "pos": upto}, err)
		return
	}
	if pos > upto {
		s.reply(w, 0, nil, domain.Invalid("pos", "is ahead of the server (%d)", upto))
		return
	}
	evs, next, err := s.collect(r, sess.UserID, pos, upto, int(limit))
	if err == nil && len(evs) == 0 && timeout > 0 {
		t := time.NewTimer(time.Duration(timeout) * time.Second)
		defer t.Stop()
		select {
		case <-waiter.wake:
			if upto, err = s.svc.LastPos(ctx); err == nil {
				evs, next, err = s.collect(r, sess.UserID, pos, upto, int(limit))
			}
		case <-t.C:
		case <-ctx.Done():
			return
		}
	}
	s.reply(w, http.StatusOK, map[string]any{"updates": nonNil(evs), "pos": next}, err)
}

// subscribe registers sub for the user's chats. The user is registered
// first, so a chat they join from now on reaches sub through the hub; their
// chats are read after that, and read again once subscribed, to drop any
// chat they left in between (whose removal the hub could not route to sub).
func (s *Server) subscribe(ctx context.Context, sub hub.Subscriber, sess domain.Session) (*hub.Conn, error) {
	return s.hub.RegisterUser(ctx, sub, sess.UserID, sess.ID, s.svc.ActiveChatIDs)
}

// collect reads up to limit updates in (from, upto]; the position to
// continue from is upto if it read them all, else the last one's.
func (s *Server) collect(r *http.Request, userID, from, upto int64, limit int) ([]domain.Event, int64, error) {
	evs, err := s.svc.NewReplay(userID, from, upto).Next(r.Context(), limit)
	if err != nil {
		return nil, from, err
	}
	if len(evs) == limit {
		return evs, evs[len(evs)-1].Pos, nil
	}
	return evs, upto, nil
}
