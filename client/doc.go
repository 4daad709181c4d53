// Package client is a Go client for the chapar server's public API
// (docs/API.md): typed methods for every HTTP endpoint, the WebSocket update
// stream, and Follow, which keeps a stream alive across disconnects.
//
// It is what the server's integration tests, the chapar CLI and the load
// generator use, so it speaks the wire protocol exactly as documented and
// nothing more: when this package and docs/API.md disagree, the document wins.
//
// # HTTP
//
//	c := client.New("http://localhost:8080")
//	auth, err := c.Login(ctx, client.LoginRequest{Username: "sara", Password: pw})
//	// c now sends auth.Token on every request.
//	res, err := c.Send(ctx, chatID, client.SendRequest{Text: "salam"})
//
// A Client is safe for concurrent use. A non-2xx answer is returned as an
// *APIError; IsCode tests its code.
//
// # The update stream
//
// Connect opens one WebSocket. Its Frames channel carries every server frame
// (events, synced, typing, presence, …) in order; the answers to the
// stream's own requests (Send, MarkRead, Ping) are routed to the waiting
// caller instead. Frames are never dropped: if the consumer stops reading,
// the stream stops reading from the network, and the server's backpressure
// (close code 4008, "reconnect and resume") takes over.
//
// Follow wraps Connect in a reconnect loop that resumes from the highest
// position seen, so each event is delivered exactly once.
package client
