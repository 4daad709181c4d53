package client

import (
	"bufio"
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gobwas/ws"
	"github.com/gobwas/ws/wsutil"
)

// Server frame types.
const (
	FrameWelcome  = "welcome"
	FrameEvent    = "event"
	FrameSynced   = "synced"
	FrameAck      = "ack"
	FrameError    = "error"
	FrameTyping   = "typing"
	FramePresence = "presence"
	FramePong     = "pong"
)

// Frame is one frame from the server. Type says which fields are set:
//
//	welcome   UserID, SessionID, Pos (where the replay starts)
//	event     Event
//	synced    Pos (the replay is done up to here)
//	ack       ID, Event, Duplicate
//	error     ID (if the request had one), Error
//	typing    ChatID, UserID
//	presence  UserID, Online, LastSeen
//	pong      ID
type Frame struct {
	Type      string    `json:"type"`
	ID        int64     `json:"id,omitempty"`
	UserID    int64     `json:"user_id,omitempty"`
	SessionID int64     `json:"session_id,omitempty"`
	Pos       int64     `json:"pos,omitempty"`
	Event     *Event    `json:"event,omitempty"`
	Duplicate bool      `json:"duplicate,omitempty"`
	Error     *APIError `json:"error,omitempty"`
	ChatID    int64     `json:"chat_id,omitempty"`
	Online    bool      `json:"online,omitempty"`
	LastSeen  time.Time `json:"last_seen,omitzero"`
	ConnID    string    `json:"conn_id,omitempty"` // welcome: this connection's id

	// Calls: call_incoming (Call, SDP: the offer), call_accepted (CallID,
	// SDP: the answer), call_taken (CallID: another device answered),
	// call_signal (CallID, Data), call_ended (CallID, Outcome, Duration).
	Call     *Call           `json:"call,omitempty"`
	CallID   string          `json:"call_id,omitempty"`
	SDP      string          `json:"sdp,omitempty"`
	Data     json.RawMessage `json:"data,omitempty"`
	Outcome  string          `json:"outcome,omitempty"`
	Duration float64         `json:"duration,omitempty"`

	// callback_answer: a bot's answer to a pressed button (QueryID,
	// ChatID, Seq, Text, ShowAlert, URL).
	QueryID   string `json:"query_id,omitempty"`
	Seq       int64  `json:"seq,omitempty"`
	Text      string `json:"text,omitempty"`
	ShowAlert bool   `json:"show_alert,omitempty"`
	URL       string `json:"url,omitempty"`

	// Raw is the frame as received, for fields this package does not know.
	Raw json.RawMessage `json:"-"`
}

// clientFrame is any frame the client sends.
type clientFrame struct {
	Type     string          `json:"type"`
	ID       int64           `json:"id,omitempty"`
	Token    string          `json:"token,omitempty"`
	Pos      *int64          `json:"pos,omitempty"`
	ChatID   int64           `json:"chat_id,omitempty"`
	Seq      int64           `json:"seq,omitempty"`
	ClientID string          `json:"client_id,omitempty"`
	Text     string          `json:"text,omitempty"`
	ReplyTo  int64           `json:"reply_to,omitempty"`
	Forward  *Forward        `json:"forward,omitempty"`
	Media    []string        `json:"media,omitempty"`
	CallID   string          `json:"call_id,omitempty"`
	Video    bool            `json:"video,omitempty"`
	SDP      string          `json:"sdp,omitempty"`
	Data     json.RawMessage `json:"data,omitempty"`
}

const (
	// handshakeTimeout bounds connect, upgrade and hello→welcome when the
	// caller's context does not bound them sooner.
	handshakeTimeout = 30 * time.Second
	// writeTimeout bounds one frame write. A write that times out may have
	// sent part of a frame, so it ends the stream; the caller's context
	// deliberately does not shorten it, or an impatient Send would kill
	// the stream for everyone using it.
	writeTimeout = 30 * time.Second
	// closeTimeout is how long Close waits for the server's close frame.
	closeTimeout = 2 * time.Second
	// maxFrame bounds a server frame. The API promises at most 64 KiB;
	// the margin keeps a slightly larger frame from a newer server from
	// breaking the client, while a broken server still cannot make it
	// buffer without bound.
	maxFrame = 1 << 20
	// framesBuffer is how many frames may wait for the consumer before the
	// stream stops reading from the network.
	framesBuffer = 128
)

// Stream is one WebSocket connection to the update stream.
//
// Frames delivers every server frame in order, except the welcome (see
// Welcome) and the answers to this stream's own requests, which go to the
// waiting Send, MarkRead or Ping. (An answer whose caller gave up — its
// context ended — is delivered on Frames instead.) Events caused by the
// stream's own requests, such as the sender's copy of a sent message, are
// delivered on Frames as usual.
//
// Nothing is dropped: when the consumer falls behind, the stream stops
// reading from the network. Because the answers to requests come on the
// same connection, in order, a request waits while the frames before its
// answer are undelivered — so do not call Send from the goroutine that
// reads Frames, or drain Frames while you wait.
//
// All methods are safe for concurrent use; writes are serialized.
type Stream struct {
	conn net.Conn
	rd   *wsutil.Reader // only the reader goroutine (or Connect, before it) uses it
	bw   *bufio.Writer

	// wtoken is held while writing: one writer at a time. It is a
	// channel, not a mutex, so that waiting for it can give up with the
	// caller's context.
	wtoken    chan struct{}
	sentClose bool // guarded by wtoken

	welcome   Frame
	frames    chan Frame
	nextID    atomic.Int64
	keepAlive time.Duration
	// waitStart is when the reader began waiting for the network (Unix
	// nanoseconds), or 0 while it is busy handing a frame over. The
	// keep-alive measures silence from it, so a slow consumer is not
	// mistaken for a silent server.
	waitStart atomic.Int64

	mu      sync.Mutex
	waiters map[int64]chan Frame // request id → its answer; a nil channel swallows it
	err     error                // why the stream ended (first reason wins)

	done        chan struct{} // closed when the stream ends
	closing     chan struct{} // closed by Close: the consumer is gone
	readerDone  chan struct{} // closed when the reader goroutine exits (after frames)
	endOnce     sync.Once
	closingOnce sync.Once
}

// Connect opens the update stream: it dials /v1/ws, says hello with the
// client's token and pos (the last position the caller has applied; nil
// starts from now), and waits for the welcome. The server then sends the
// missed events, a synced frame, and live frames.
//
// ctx bounds only the connecting; the stream lives until Close or until
// the server or the network ends it. An error from the server before the
// welcome is returned as an *APIError (a bad pos, say), joined with the
// *CloseError of the close that follows it.
func (c *Client) Connect(ctx context.Context, pos *int64) (*Stream, error) {
	if c.baseErr != nil {
		return nil, c.baseErr
	}
	token := c.Token()
	if token == "" {
		return nil, &APIError{Status: http.StatusUnauthorized, Code: CodeUnauthorized, Message: "not signed in"}
	}
	var statusErr error
	d := ws.Dialer{
		Timeout:   handshakeTimeout,
		TLSConfig: c.tlsConfig(),
		OnStatusError: func(status int, _ []byte, resp io.Reader) {
			statusErr = readStatusError(status, resp)
		},
	}
	if c.userAgent != "" {
		d.Header = ws.HandshakeHeaderHTTP(http.Header{"User-Agent": {c.userAgent}})
	}
	if c.netDial != nil {
		d.NetDial = c.netDial
	}
	conn, br, _, err := d.Dial(ctx, c.wsBase+"/v1/ws")
	if err != nil {
		switch {
		case statusErr != nil:
			return nil, statusErr
		case ctx.Err() != nil:
			return nil, ctx.Err()
		}
		return nil, fmt.Errorf("chapar: connect: %w", err)
	}
	// Bytes the server sent right after the handshake may already sit in
	// br; otherwise read through a buffer of our own, which also saves a
	// syscall per frame header.
	var src io.Reader = br
	if br == nil {
		src = bufio.NewReaderSize(conn, 8<<10)
	}
	s := &Stream{
		conn: conn,
		rd: &wsutil.Reader{
			Source:         src,
			State:          ws.StateClientSide,
			CheckUTF8:      true,
			MaxFrameSize:   maxFrame,
			MaxMessageSize: maxFrame,
		},
		bw:         bufio.NewWriterSize(conn, 4<<10),
		wtoken:     make(chan struct{}, 1),
		frames:     make(chan Frame, framesBuffer),
		keepAlive:  c.keepAlive,
		waiters:    make(map[int64]chan Frame),
		done:       make(chan struct{}),
		closing:    make(chan struct{}),
		readerDone: make(chan struct{}),
	}
	// Control frames inside a fragmented message are answered like any.
	s.rd.OnIntermediate = s.onControl

	conn.SetDeadline(time.Now().Add(handshakeTimeout))
	stop := context.AfterFunc(ctx, func() { conn.SetDeadline(time.Unix(1, 0)) })
	err = s.hello(token, pos)
	if !stop() && err == nil {
		err = ctx.Err() // the deadline may have been cut under us
	}
	if err != nil {
		s.end(err)
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, err
	}
	conn.SetDeadline(time.Time{})
	go s.readLoop()
	if s.keepAlive > 0 {
		go s.keepAliveLoop()
	}
	return s, nil
}

// tlsConfig reuses the HTTP transport's TLS settings (custom roots, say)
// for the WebSocket, so that one WithHTTPClient configures both.
func (c *Client) tlsConfig() *tls.Config {
	if t, ok := c.hc.Transport.(*http.Transport); ok && t.TLSClientConfig != nil {
		return t.TLSClientConfig
	}
	return nil
}

// readStatusError decodes a refused upgrade like any HTTP error answer.
func readStatusError(status int, r io.Reader) error {
	resp, err := http.ReadResponse(bufio.NewReader(io.LimitReader(r, maxErrorBody)), nil)
	if err != nil {
		return &APIError{Status: status, Code: codeOfStatus(status)}
	}
	defer resp.Body.Close()
	return decodeError(resp)
}

// hello says hello and reads up to the welcome.
func (s *Stream) hello(token string, pos *int64) error {
	b, err := json.Marshal(clientFrame{Type: "hello", Token: token, Pos: pos})
	if err != nil {
		return err
	}
	if err := s.write(context.Background(), ws.OpText, b); err != nil {
		return err
	}
	var apiErr *APIError
	for {
		f, err := s.readFrame()
		if err != nil {
			if apiErr != nil {
				return fmt.Errorf("%w; %w", apiErr, err)
			}
			return err
		}
		switch f.Type {
		case FrameWelcome:
			s.welcome = f
			return nil
		case FrameError:
			apiErr = f.Error
		default:
			s.closeWith(ws.StatusProtocolError, "welcome expected")
			return &CloseError{Code: int(ws.StatusProtocolError), Reason: "server sent " + f.Type + " before welcome"}
		}
	}
}

// Welcome is the server's welcome: UserID, SessionID and Pos, the
// position the replay starts after.
func (s *Stream) Welcome() Frame { return s.welcome }

// Frames delivers the server's frames in order. It is closed when the
// stream ends; Err then says why.
func (s *Stream) Frames() <-chan Frame { return s.frames }

// Done is closed when the stream ends.
func (s *Stream) Done() <-chan struct{} { return s.done }

// Err is why the stream ended, or nil while it is open: ErrClosed after
// Close, else a *CloseError with the close code (CloseSlowConsumer,
// CloseRevoked, …, or CloseAbnormal when the connection was lost).
func (s *Stream) Err() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.err
}

// Send sends a message over the stream and waits for its ack. An empty
// req.ClientID gets a random one. A server error comes back as *APIError.
func (s *Stream) Send(ctx context.Context, chatID int64, req SendRequest) (*SendResult, error) {
	w := req.wire()
	f, err := s.request(ctx, clientFrame{Type: "send", ChatID: chatID, ClientID: w.ClientID, Text: w.Text, ReplyTo: w.ReplyTo, Forward: w.Forward,
		Media: w.Media})
	if err != nil {
		return nil, err
	}
	if f.Event == nil {
		return nil, fmt.Errorf("chapar: ack without an event")
	}
	return &SendResult{Event: *f.Event, Duplicate: f.Duplicate}, nil
}

// MarkRead marks a chat read up to seq and answers the read event.
func (s *Stream) MarkRead(ctx context.Context, chatID, seq int64) (*Event, error) {
	f, err := s.request(ctx, clientFrame{Type: "read", ChatID: chatID, Seq: seq})
	if err != nil {
		return nil, err
	}
	if f.Event == nil {
		return nil, fmt.Errorf("chapar: ack without an event")
	}
	return f.Event, nil
}

// Typing tells the chat's online members that the caller is typing. The
// server does not answer it; an error arrives on Frames as an error frame
// without an id.
func (s *Stream) Typing(ctx context.Context, chatID int64) error {
	b, err := json.Marshal(clientFrame{Type: "typing", ChatID: chatID})
	if err != nil {
		return err
	}
	return s.write(ctx, ws.OpText, b)
}

// Ping sends a ping frame and waits for the pong: the round-trip time.
func (s *Stream) Ping(ctx context.Context) (time.Duration, error) {
	start := time.Now()
	if _, err := s.request(ctx, clientFrame{Type: "ping"}); err != nil {
		return 0, err
	}
	return time.Since(start), nil
}

// request sends f with a new id and waits for the frame that answers it.
// An error frame is returned as its *APIError.
func (s *Stream) request(ctx context.Context, f clientFrame) (Frame, error) {
	f.ID = s.nextID.Add(1)
	ch := make(chan Frame, 1)
	if err := s.register(f.ID, ch); err != nil {
		return Frame{}, err
	}
	b, err := json.Marshal(f)
	if err == nil {
		err = s.write(ctx, ws.OpText, b)
	}
	if err != nil {
		s.forget(f.ID)
		return Frame{}, err
	}
	var r Frame
	select {
	case r = <-ch:
	case <-ctx.Done():
		s.forget(f.ID)
		return Frame{}, ctx.Err()
	case <-s.done:
		select {
		case r = <-ch: // answered just before the end
		default:
			return Frame{}, s.Err()
		}
	}
	if r.Type == FrameError {
		if r.Error == nil {
			return Frame{}, &APIError{Code: CodeInternal, Status: http.StatusInternalServerError, Message: "error frame without an error"}
		}
		return Frame{}, r.Error
	}
	return r, nil
}

func (s *Stream) register(id int64, ch chan Frame) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.err != nil {
		return s.err
	}
	s.waiters[id] = ch
	return nil
}

func (s *Stream) forget(id int64) {
	s.mu.Lock()
	delete(s.waiters, id)
	s.mu.Unlock()
}

// route hands an answer to the request waiting for it, and reports whether
// f is for the consumer instead.
func (s *Stream) route(f Frame) bool {
	if f.ID == 0 || (f.Type != FrameAck && f.Type != FrameError && f.Type != FramePong) {
		return true
	}
	s.mu.Lock()
	ch, ok := s.waiters[f.ID]
	if ok {
		delete(s.waiters, f.ID)
	}
	s.mu.Unlock()
	if !ok {
		return true
	}
	if ch != nil {
		ch <- f // buffered, and only this answer is ever sent on it
	}
	return false
}

// Close closes the stream: it sends a close frame, waits briefly for the
// server's, and closes the connection. Requests still waiting fail with
// ErrClosed. It is safe to call more than once.
func (s *Stream) Close() error {
	s.closingOnce.Do(func() {
		s.mu.Lock()
		if s.err == nil {
			s.err = ErrClosed
		}
		s.mu.Unlock()
		close(s.closing)
	})
	select {
	case <-s.done:
	default:
		ctx, cancel := context.WithTimeout(context.Background(), closeTimeout)
		if s.write(ctx, ws.OpClose, ws.NewCloseFrameBody(ws.StatusNormalClosure, "")) == nil {
			// The reader ends when the server's close frame arrives.
			select {
			case <-s.readerDone:
			case <-ctx.Done():
			}
		}
		cancel()
		s.end(ErrClosed)
	}
	<-s.readerDone
	return nil
}

// end ends the stream for reason err (the first reason is kept).
func (s *Stream) end(err error) {
	s.mu.Lock()
	if s.err == nil {
		s.err = err
	}
	s.mu.Unlock()
	s.endOnce.Do(func() {
		close(s.done)
		s.conn.Close()
	})
}

// write sends one frame; writers take turns.
func (s *Stream) write(ctx context.Context, op ws.OpCode, p []byte) error {
	select {
	case s.wtoken <- struct{}{}:
	case <-s.done:
		return s.Err()
	case <-ctx.Done():
		return ctx.Err()
	}
	defer func() { <-s.wtoken }()
	if s.sentClose {
		// No data may follow our close frame (RFC 6455, 5.5.1). A pong
		// for a ping that crossed it, or a close echo, is not needed
		// either: skipping it must not fail the reader.
		if op.IsControl() {
			return nil
		}
		if err := s.Err(); err != nil {
			return err
		}
		return ErrClosed
	}
	if op == ws.OpClose {
		s.sentClose = true
	}
	s.conn.SetWriteDeadline(time.Now().Add(writeTimeout))
	err := wsutil.WriteClientMessage(s.bw, op, p)
	if err == nil {
		err = s.bw.Flush()
	}
	if err != nil {
		// Part of a frame may be out: the connection is unusable.
		s.end(&CloseError{Code: CloseAbnormal, Reason: "write failed", Err: err})
		return s.Err()
	}
	return nil
}

// closeWith starts a close from our side for a protocol fault.
func (s *Stream) closeWith(code ws.StatusCode, reason string) {
	ctx, cancel := context.WithTimeout(context.Background(), closeTimeout)
	defer cancel()
	s.write(ctx, ws.OpClose, ws.NewCloseFrameBody(code, reason))
}

// readLoop reads frames until the stream ends, routing answers to their
// requests and everything else to Frames.
func (s *Stream) readLoop() {
	defer close(s.readerDone)
	defer close(s.frames) // after end, so that Err is set when Frames closes
	for {
		f, err := s.readFrame()
		if err != nil {
			s.end(err)
			return
		}
		if !s.route(f) {
			continue
		}
		select {
		case s.frames <- f:
		case <-s.closing:
			// The consumer has called Close; we only read on to see the
			// server's close frame.
		case <-s.done:
			return
		}
	}
}

// readFrame reads the next data frame and decodes it, answering control
// frames on the way.
func (s *Stream) readFrame() (Frame, error) {
	for {
		s.waitStart.Store(time.Now().UnixNano())
		f, ok, err := s.readOne()
		s.waitStart.Store(0)
		if err != nil {
			return Frame{}, s.readError(err)
		}
		if ok {
			return f, nil
		}
	}
}

// readOne reads one message; ok is false for control frames and anything
// else that is not a frame for the caller.
func (s *Stream) readOne() (f Frame, ok bool, err error) {
	hdr, err := s.rd.NextFrame()
	if err != nil {
		return f, false, err
	}
	if hdr.OpCode.IsControl() {
		if err := s.onControl(hdr, s.rd); err != nil {
			return f, false, err
		}
		return f, false, s.rd.Discard()
	}
	p, err := readPayload(s.rd, hdr)
	if err != nil {
		return f, false, err
	}
	if hdr.OpCode != ws.OpText {
		return f, false, nil // the protocol has no binary frames; skip them
	}
	if err := json.Unmarshal(p, &f); err != nil {
		return f, false, &protocolError{fmt.Errorf("malformed frame from the server: %w", err)}
	}
	f.Raw = p
	if f.Type == FrameError && f.Error != nil && f.Error.Status == 0 {
		f.Error.Status = statusOfCode[f.Error.Code]
		f.Error.RetryAfter = time.Duration(f.Error.RetrySeconds) * time.Second
	}
	return f, true, nil
}

// readPayload reads a whole message, whose first frame is hdr. A single
// frame's length is known (and bounded by MaxFrameSize), so it is read
// into a buffer of just that size; a fragmented message grows as it
// arrives.
func readPayload(rd *wsutil.Reader, hdr ws.Header) ([]byte, error) {
	n := hdr.Length
	if !hdr.Fin {
		n = min(n, 4<<10)
	}
	p := make([]byte, 0, n)
	for {
		if len(p) == cap(p) {
			p = append(p, 0)[:len(p)]
		}
		m, err := rd.Read(p[len(p):cap(p)])
		p = p[:len(p)+m]
		if err == io.EOF {
			return p, nil
		}
		if err != nil {
			return nil, err
		}
	}
}

// onControl answers a control frame: a pong for a ping, the close
// handshake for a close. It writes through the stream's own writer, so
// answers never interleave with other writes — which is why this package
// does not use wsutil.ReadServerData, whose control answers go straight to
// the connection.
func (s *Stream) onControl(h ws.Header, r io.Reader) error {
	var buf [ws.MaxControlFramePayloadSize]byte
	p := buf[:h.Length] // CheckHeader has bounded a control frame to 125 bytes
	if _, err := io.ReadFull(r, p); err != nil {
		return err
	}
	switch h.OpCode {
	case ws.OpPing:
		return s.write(context.Background(), ws.OpPong, p)
	case ws.OpClose:
		ce := &CloseError{Code: int(ws.StatusNoStatusRcvd)}
		var echo []byte
		switch {
		case len(p) == 1:
			s.closeWith(ws.StatusProtocolError, "bad close frame")
			return &protocolError{errors.New("close frame with a 1-byte payload")}
		case len(p) >= 2:
			code, reason := ws.ParseCloseFrameData(p)
			if err := ws.CheckCloseFrameData(code, reason); err != nil {
				s.closeWith(ws.StatusProtocolError, "bad close frame")
				return &protocolError{fmt.Errorf("close frame: %w", err)}
			}
			ce.Code, ce.Reason, echo = int(code), reason, p[:2]
		}
		// Answer with the same code, unless we began the close.
		ctx, cancel := context.WithTimeout(context.Background(), closeTimeout)
		s.write(ctx, ws.OpClose, echo)
		cancel()
		return ce
	}
	return nil // a pong: nothing to do
}

// protocolError is a violation of the protocol by the server.
type protocolError struct{ err error }

func (e *protocolError) Error() string { return e.err.Error() }
func (e *protocolError) Unwrap() error { return e.err }

// readError turns a read failure into the stream's end reason, closing
// from our side with the code RFC 6455 gives the fault.
func (s *Stream) readError(err error) error {
	var ce *CloseError
	if errors.As(err, &ce) {
		return ce
	}
	var code ws.StatusCode
	var wp ws.ProtocolError
	var pe *protocolError
	switch {
	case errors.Is(err, wsutil.ErrFrameTooLarge), errors.Is(err, wsutil.ErrMessageTooLarge):
		code = ws.StatusMessageTooBig
	case errors.Is(err, wsutil.ErrInvalidUTF8):
		code = ws.StatusInvalidFramePayloadData
	case errors.As(err, &wp), errors.As(err, &pe):
		code = ws.StatusProtocolError
	default:
		return &CloseError{Code: CloseAbnormal, Err: err}
	}
	s.closeWith(code, "")
	return &CloseError{Code: int(code), Reason: "closed by the client", Err: err}
}

// keepAliveLoop pings a silent server and ends the stream if it stays
// silent, so that a half-open connection does not go unnoticed.
func (s *Stream) keepAliveLoop() {
	t := time.NewTicker(max(s.keepAlive/4, time.Millisecond))
	defer t.Stop()
	var pinged int64 // the waitStart a ping was sent for
	for {
		select {
		case <-s.done:
			return
		case <-t.C:
		}
		start := s.waitStart.Load()
		if start == 0 {
			continue // handing a frame to a slow consumer is no silence
		}
		idle := time.Since(time.Unix(0, start))
		switch {
		case idle >= 2*s.keepAlive:
			s.end(&CloseError{Code: CloseAbnormal, Err: errKeepAlive})
			return
		case idle >= s.keepAlive && pinged != start:
			pinged = start
			go s.ping()
		}
	}
}

// ping sends a ping whose pong nobody waits for: any frame from the server
// shows it is alive.
func (s *Stream) ping() {
	id := s.nextID.Add(1)
	if s.register(id, nil) != nil {
		return
	}
	b, _ := json.Marshal(clientFrame{Type: "ping", ID: id})
	ctx, cancel := context.WithTimeout(context.Background(), s.keepAlive)
	defer cancel()
	if s.write(ctx, ws.OpText, b) != nil {
		s.forget(id)
	}
}
