package client

import (
	"context"
	"errors"
	"math/rand/v2"
	"time"
)

// FollowOptions configure Follow. The zero value follows from now on with
// the default backoff.
type FollowOptions struct {
	// Pos is the last position already applied; nil starts from now.
	Pos *int64
	// MinBackoff and MaxBackoff bound the wait between reconnects, which
	// doubles per failed attempt (with jitter) and starts over once a
	// connection has caught up. Defaults: 250ms and 30s.
	MinBackoff, MaxBackoff time.Duration
	// OnConnect, if set, is called with each new stream after its welcome
	// and before its first frame is handled — to send on it, say. It must
	// not read the stream's Frames.
	OnConnect func(*Stream)
	// OnDisconnect, if set, is told each time the stream ends or a
	// connect fails, with the reason and the wait before the next try.
	OnDisconnect func(err error, retryIn time.Duration)
}

// Follow keeps the update stream open until ctx ends: it connects, hands
// each frame to handle in order, and when the connection drops it
// reconnects with backoff and resumes from the highest position seen (an
// event's pos, or a synced frame's). Each event is handed over exactly
// once: anything at or below that position that a server sends again is
// skipped. Frames other than events (synced, typing, presence, error) are
// handed over as they come; the welcome is not (see OnConnect).
//
// Follow returns ctx's error when ctx ends, handle's error when it fails,
// and the error when reconnecting cannot help: the token is bad or was
// revoked (CloseUnauthorized, CloseRevoked, unauthorized), or the server
// refused the request (a 4xx *APIError, such as a pos it does not have).
func (c *Client) Follow(ctx context.Context, opts FollowOptions, handle func(Frame) error) error {
	if c.baseErr != nil {
		return c.baseErr
	}
	minB, maxB := opts.MinBackoff, opts.MaxBackoff
	if minB <= 0 {
		minB = 250 * time.Millisecond
	}
	if maxB < minB {
		maxB = max(30*time.Second, minB)
	}
	var last int64
	known := opts.Pos != nil
	if known {
		last = *opts.Pos
	}
	attempt := 0
	for {
		var pos *int64
		if known {
			p := last
			pos = &p
		}
		s, err := c.Connect(ctx, pos)
		welcomed, caughtUp := false, false
		if err == nil {
			welcomed = true
			if !known {
				// From now on, "now" is this position: a reconnect must
				// not skip what happens in between.
				last, known = s.Welcome().Pos, true
			}
			if opts.OnConnect != nil {
				opts.OnConnect(s)
			}
			err = follow(ctx, s, &last, &caughtUp, handle)
		}
		var he *handlerError
		switch {
		case errors.As(err, &he):
			return he.err
		case ctx.Err() != nil:
			return ctx.Err()
		case !retryable(err, welcomed):
			return err
		}
		if caughtUp {
			attempt = 0
		}
		wait := backoff(attempt, minB, maxB)
		var ae *APIError
		if errors.As(err, &ae) && ae.RetryAfter > wait {
			wait = ae.RetryAfter
		}
		attempt++
		if opts.OnDisconnect != nil {
			opts.OnDisconnect(err, wait)
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return ctx.Err()
		case <-t.C:
		}
	}
}

// handlerError marks the handler's own error, which ends Follow as is.
type handlerError struct{ err error }

func (e *handlerError) Error() string { return e.err.Error() }

// follow hands one stream's frames to handle until the stream or ctx ends.
func follow(ctx context.Context, s *Stream, last *int64, caughtUp *bool, handle func(Frame) error) error {
	defer s.Close()
	for {
		var f Frame
		var ok bool
		select {
		case f, ok = <-s.Frames():
		case <-ctx.Done():
			return ctx.Err()
		}
		if !ok {
			return s.Err()
		}
		switch f.Type {
		case FrameEvent:
			if f.Event != nil && f.Event.Pos > 0 {
				if f.Event.Pos <= *last {
					continue // delivered before this reconnect
				}
				*last = f.Event.Pos
			}
		case FrameSynced:
			*caughtUp = true
			*last = max(*last, f.Pos)
		}
		if err := handle(f); err != nil {
			return &handlerError{err}
		}
	}
}

// retryable tells a dropped connection or failed connect that another try
// may cure from one that it cannot.
func retryable(err error, welcomed bool) bool {
	var ae *APIError
	if errors.As(err, &ae) {
		// The server answered: a 4xx is final, except "slow down" ones.
		return ae.Status >= 500 || ae.Status == 408 || ae.Status == 429
	}
	switch CloseCode(err) {
	case CloseUnauthorized, CloseRevoked:
		return false
	case CloseProtocol:
		// During the hello it would only repeat; later it is one bad frame.
		return welcomed
	}
	return !errors.Is(err, ErrClosed)
}

// backoff is the wait before reconnect attempt n (from 0): doubling from
// minB up to maxB, with jitter so that many clients dropped at once (a
// server restart) do not all come back at the same instant.
func backoff(n int, minB, maxB time.Duration) time.Duration {
	d := minB
	for i := 0; i < n && d < maxB; i++ {
		d *= 2
	}
	d = min(d, maxB)
	return d/2 + rand.N(d/2+1)
}
