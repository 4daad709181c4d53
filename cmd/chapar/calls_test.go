package main

import (
	"encoding/json"
	"io"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pion/webrtc/v4"
	"github.com/pion/webrtc/v4/pkg/media"

	"github.com/chapar/chapar/client"
)

// pionPeer is one side of a call: a pion PeerConnection that may only use
// relayed candidates (chapar's TURN), sending an audio and a video track
// of made-up payloads and counting the bytes it receives.
type pionPeer struct {
	pc       *webrtc.PeerConnection
	received atomic.Int64
	tracks   atomic.Int32
	stop     chan struct{}
}

func newPionPeer(t *testing.T, ice []client.ICEServer) *pionPeer {
	t.Helper()
	var servers []webrtc.ICEServer
	for _, s := range ice {
		servers = append(servers, webrtc.ICEServer{URLs: s.URLs, Username: s.Username, Credential: s.Credential})
	}
	pc, err := webrtc.NewPeerConnection(webrtc.Configuration{ICEServers: servers, ICETransportPolicy: webrtc.ICETransportPolicyRelay})
	if err != nil {
		t.Fatal(err)
	}
	p := &pionPeer{pc: pc, stop: make(chan struct{})}
	t.Cleanup(func() { close(p.stop); pc.Close() })
	pc.OnTrack(func(tr *webrtc.TrackRemote, _ *webrtc.RTPReceiver) {
		p.tracks.Add(1)
		buf := make([]byte, 1500)
		for {
			n, _, err := tr.Read(buf)
			if err != nil {
				return
			}
			p.received.Add(int64(n))
		}
	})
	for _, c := range []struct{ mime, id string }{{webrtc.MimeTypeOpus, "audio"}, {webrtc.MimeTypeVP8, "video"}} {
		track, err := webrtc.NewTrackLocalStaticSample(webrtc.RTPCodecCapability{MimeType: c.mime}, c.id, "chapar-test")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := pc.AddTrack(track); err != nil {
			t.Fatal(err)
		}
		go func() { // 50 samples a second until the test ends
			tick := time.NewTicker(20 * time.Millisecond)
			defer tick.Stop()
			sample := make([]byte, 160)
			for {
				select {
				case <-p.stop:
					return
				case <-tick.C:
					track.WriteSample(media.Sample{Data: sample, Duration: 20 * time.Millisecond})
				}
			}
		}()
	}
	return p
}

// describe makes an offer or answer and waits for every candidate to be
// in it (no trickling needed).
func (p *pionPeer) describe(t *testing.T, offer bool) string {
	t.Helper()
	var d webrtc.SessionDescription
	var err error
	if offer {
		d, err = p.pc.CreateOffer(nil)
	} else {
		d, err = p.pc.CreateAnswer(nil)
	}
	if err != nil {
		t.Fatal(err)
	}
	gathered := webrtc.GatheringCompletePromise(p.pc)
	if err := p.pc.SetLocalDescription(d); err != nil {
		t.Fatal(err)
	}
	<-gathered
	return p.pc.LocalDescription().SDP
}

// take applies the other side's offer or answer.
func (p *pionPeer) take(t *testing.T, typ webrtc.SDPType, sdp string) {
	t.Helper()
	if err := p.pc.SetRemoteDescription(webrtc.SessionDescription{Type: typ, SDP: sdp}); err != nil {
		t.Fatal(err)
	}
}

// waitRelayed waits until every peer has received n bytes, and checks
// that they came through the relay.
func waitRelayed(t *testing.T, n int64, peers ...*pionPeer) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for _, p := range peers {
		for p.received.Load() < n {
			if time.Now().After(deadline) {
				t.Fatalf("media: %d bytes received, want %d", p.received.Load(), n)
			}
			time.Sleep(100 * time.Millisecond)
		}
		if !p.relayed() {
			t.Fatal("not relayed")
		}
	}
}

// relayed reports whether the selected candidate pair uses a relayed
// local candidate.
func (p *pionPeer) relayed() bool {
	stats := p.pc.GetStats()
	for _, s := range stats {
		pair, ok := s.(webrtc.ICECandidatePairStats)
		if !ok || !pair.Nominated || pair.State != webrtc.StatsICECandidatePairStateSucceeded {
			continue
		}
		if local, ok := stats[pair.LocalCandidateID].(webrtc.ICECandidateStats); ok && local.CandidateType == webrtc.ICECandidateTypeRelay {
			return true
		}
	}
	return false
}

// TestCallRelayed: alice calls bob (video) through chapar: the offer and
// answer go over the WebSocket, the media through chapar's TURN relay
// only, audio and video bytes flow both ways; alice hangs up and the chat
// records a finished video call with its duration.
func TestCallRelayed(t *testing.T) {
	srv := startServer(t, t.TempDir())
	alice, _ := newUser(t, srv.URL, "call_alice")
	bob, bobU := newUser(t, srv.URL, "call_bob")
	dm, err := alice.CreateDirect(bg, bobU.ID)
	if err != nil {
		t.Fatal(err)
	}
	as, _ := connect(t, alice, nil)
	bs, _ := connect(t, bob, nil)
	iceA, exp, err := alice.ICEServers(bg)
	if err != nil || len(iceA) != 1 || len(iceA[0].URLs) != 3 || iceA[0].Username == "" || time.Until(exp) < time.Hour {
		t.Fatalf("ice servers: %+v %v %v", iceA, exp, err)
	}
	iceB, _, err := bob.ICEServers(bg)
	if err != nil {
		t.Fatal(err)
	}
	a, b := newPionPeer(t, iceA), newPionPeer(t, iceB)

	call, err := as.Call(bg, dm.ID, true, a.describe(t, true))
	if err != nil || call.State != "ringing" || call.CalleeID != bobU.ID || !call.Video {
		t.Fatalf("call: %+v %v", call, err)
	}
	ring := nextFrame(t, bs, "call_incoming")
	if ring.Call == nil || ring.Call.ID != call.ID || ring.SDP == "" {
		t.Fatalf("bob's ring: %+v", ring)
	}
	b.take(t, webrtc.SDPTypeOffer, ring.SDP)
	if _, err := bs.AcceptCall(bg, call.ID, b.describe(t, false)); err != nil {
		t.Fatal(err)
	}
	acc := nextFrame(t, as, "call_accepted")
	a.take(t, webrtc.SDPTypeAnswer, acc.SDP)
	// Media flows both ways, relayed.
	deadline := time.Now().Add(20 * time.Second)
	for a.received.Load() < 20_000 || b.received.Load() < 20_000 || a.tracks.Load() < 2 || b.tracks.Load() < 2 {
		if time.Now().After(deadline) {
			t.Fatalf("media: alice got %d bytes on %d tracks, bob %d on %d", a.received.Load(), a.tracks.Load(),
				b.received.Load(), b.tracks.Load())
		}
		time.Sleep(100 * time.Millisecond)
	}
	if !a.relayed() || !b.relayed() {
		t.Fatalf("not relayed: alice %v, bob %v", a.relayed(), b.relayed())
	}
	if n := turnRelayedBytes(t, srv.URL); n < 40_000 {
		t.Fatalf("chapar_turn_relayed_bytes_total = %d", n)
	}
	t.Logf("relayed: alice received %d bytes, bob %d", a.received.Load(), b.received.Load())
	// Any JSON passes between the two devices (ICE candidates, renegotiation).
	if err := as.CallSignal(bg, call.ID, json.RawMessage(`{"candidate":"x"}`)); err != nil {
		t.Fatal(err)
	}
	if f := nextFrame(t, bs, "call_signal"); f.CallID != call.ID || string(f.Data) != `{"candidate":"x"}` {
		t.Fatalf("signal: %+v", f)
	}
	time.Sleep(1100 * time.Millisecond) // a call of at least a second
	if err := as.HangUp(bg, call.ID); err != nil {
		t.Fatal(err)
	}
	for _, s := range []*client.Stream{as, bs} {
		if f := nextFrame(t, s, "call_ended"); f.CallID != call.ID || f.Outcome != "ended" || f.Duration < 1 {
			t.Fatalf("ended: %+v", f)
		}
	}
	rec := nextEvent(t, bs, func(e client.Event) bool { return e.Type == "call" })
	if rec.Call == nil || rec.Call.ID != call.ID || rec.Call.Outcome != "ended" || !rec.Call.Video || rec.Call.Duration < 1 {
		t.Fatalf("record: %+v", rec)
	}
	// Hanging up again: the call is gone.
	wantCode(t, as.HangUp(bg, call.ID), "not_found")
}

// TestCallRelayedOverTCP: with only the TURN-over-TCP URL (a network that
// blocks UDP to the relay), a call still connects, relayed, both ways.
func TestCallRelayedOverTCP(t *testing.T) {
	srv := startServer(t, t.TempDir())
	alice, _ := newUser(t, srv.URL, "tcp_alice")
	bob, bobU := newUser(t, srv.URL, "tcp_bob")
	dm, err := alice.CreateDirect(bg, bobU.ID)
	if err != nil {
		t.Fatal(err)
	}
	as, _ := connect(t, alice, nil)
	bs, _ := connect(t, bob, nil)
	tcpOnly := func(c *client.Client) []client.ICEServer {
		ice, _, err := c.ICEServers(bg)
		if err != nil {
			t.Fatal(err)
		}
		for _, u := range ice[0].URLs {
			if strings.HasSuffix(u, "?transport=tcp") {
				ice[0].URLs = []string{u}
				return ice
			}
		}
		t.Fatalf("no TURN-over-TCP URL in %v", ice[0].URLs)
		return nil
	}
	a, b := newPionPeer(t, tcpOnly(alice)), newPionPeer(t, tcpOnly(bob))
	call, err := as.Call(bg, dm.ID, false, a.describe(t, true))
	if err != nil {
		t.Fatal(err)
	}
	ring := nextFrame(t, bs, "call_incoming")
	b.take(t, webrtc.SDPTypeOffer, ring.SDP)
	if _, err := bs.AcceptCall(bg, call.ID, b.describe(t, false)); err != nil {
		t.Fatal(err)
	}
	acc := nextFrame(t, as, "call_accepted")
	a.take(t, webrtc.SDPTypeAnswer, acc.SDP)
	waitRelayed(t, 10_000, a, b)
	if err := as.HangUp(bg, call.ID); err != nil {
		t.Fatal(err)
	}
}

// turnRelayedBytes reads chapar_turn_relayed_bytes_total from /metrics.
func turnRelayedBytes(t *testing.T, base string) int64 {
	resp, err := http.Get(base + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	m := regexp.MustCompile(`(?m)^chapar_turn_relayed_bytes_total (\S+)$`).FindSubmatch(b)
	if m == nil {
		t.Fatalf("no chapar_turn_relayed_bytes_total in /metrics")
	}
	f, _ := strconv.ParseFloat(string(m[1]), 64)
	return int64(f)
}

// TestCallRingingAndRefusals: every device of the callee rings and one
// answers (the other stops); declining, cancelling, a closed caller,
// busy, offline, blocked, group and stranger calls, bad requests; each
// call's record in the chat.
func TestCallRingingAndRefusals(t *testing.T) {
	srv := startServer(t, t.TempDir())
	alice, aliceU := newUser(t, srv.URL, "ring_alice")
	bob, bobU := newUser(t, srv.URL, "ring_bob")
	carol, _ := newUser(t, srv.URL, "ring_carol")
	dave, daveU := newUser(t, srv.URL, "ring_dave")
	ab, err := alice.CreateDirect(bg, bobU.ID)
	if err != nil {
		t.Fatal(err)
	}
	cb, err := carol.CreateDirect(bg, bobU.ID)
	if err != nil {
		t.Fatal(err)
	}
	ad, err := alice.CreateDirect(bg, daveU.ID)
	if err != nil {
		t.Fatal(err)
	}
	as, _ := connect(t, alice, nil)
	b1, _ := connect(t, bob, nil)
	b2, _ := connect(t, bob, nil) // bob's second device
	cs, _ := connect(t, carol, nil)
	record := func(s *client.Stream, outcome string) client.CallRecord {
		t.Helper()
		ev := nextEvent(t, s, func(e client.Event) bool { return e.Type == "call" })
		if ev.Call == nil || ev.Call.Outcome != outcome {
			t.Fatalf("call record: %+v, want outcome %s", ev.Call, outcome)
		}
		return *ev.Call
	}

	// Both of bob's devices ring; the second answers, the first stops.
	call, err := as.Call(bg, ab.ID, false, "v=0 offer")
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []*client.Stream{b1, b2} {
		if f := nextFrame(t, s, "call_incoming"); f.Call.ID != call.ID || f.Call.CallerID != aliceU.ID || f.SDP != "v=0 offer" {
			t.Fatalf("ring: %+v", f)
		}
	}
	// While it rings, the caller's candidates reach every device; a
	// device that has not answered cannot send any.
	if err := as.CallSignal(bg, call.ID, json.RawMessage(`{"candidate":1}`)); err != nil {
		t.Fatal(err)
	}
	for _, s := range []*client.Stream{b1, b2} {
		if f := nextFrame(t, s, "call_signal"); string(f.Data) != `{"candidate":1}` {
			t.Fatalf("early candidate: %+v", f)
		}
	}
	wantCode(t, b1.CallSignal(bg, call.ID, json.RawMessage(`{}`)), "not_found")
	// Carol calls bob, who is being rung: busy, and her chat says so.
	_, err = cs.Call(bg, cb.ID, false, "v=0 carol")
	wantCode(t, err, "busy")
	record(cs, "busy")
	if _, err := b2.AcceptCall(bg, call.ID, "v=0 answer"); err != nil {
		t.Fatal(err)
	}
	if f := nextFrame(t, as, "call_accepted"); f.CallID != call.ID || f.SDP != "v=0 answer" {
		t.Fatalf("accepted: %+v", f)
	}
	if f := nextFrame(t, b1, "call_taken"); f.CallID != call.ID {
		t.Fatalf("taken: %+v", f)
	}
	_, err = b1.AcceptCall(bg, call.ID, "v=0 late")
	wantCode(t, err, "conflict")
	// Now signals go to the answering device only, both ways.
	if err := b2.CallSignal(bg, call.ID, json.RawMessage(`"from bob"`)); err != nil {
		t.Fatal(err)
	}
	if f := nextFrame(t, as, "call_signal"); string(f.Data) != `"from bob"` {
		t.Fatalf("bob's signal: %+v", f)
	}
	wantCode(t, b1.CallSignal(bg, call.ID, json.RawMessage(`{}`)), "not_found")
	// Alice is in a call: she cannot start another.
	_, err = as.Call(bg, ad.ID, false, "v=0")
	wantCode(t, err, "conflict")
	// Bob's answering device goes away: the call ends for alice.
	b2.Close()
	if f := nextFrame(t, as, "call_ended"); f.Outcome != "ended" {
		t.Fatalf("after bob's device closed: %+v", f)
	}
	record(as, "ended")

	// Declined.
	call, err = as.Call(bg, ab.ID, true, "v=0")
	if err != nil {
		t.Fatal(err)
	}
	nextFrame(t, b1, "call_incoming")
	if err := b1.HangUp(bg, call.ID); err != nil {
		t.Fatal(err)
	}
	if f := nextFrame(t, as, "call_ended"); f.Outcome != "declined" {
		t.Fatalf("declined: %+v", f)
	}
	if r := record(as, "declined"); !r.Video {
		t.Fatalf("declined video call recorded as %+v", r)
	}
	// Cancelled by the caller: missed for bob.
	call, err = as.Call(bg, ab.ID, false, "v=0")
	if err != nil {
		t.Fatal(err)
	}
	nextFrame(t, b1, "call_incoming")
	if err := as.HangUp(bg, call.ID); err != nil {
		t.Fatal(err)
	}
	if f := nextFrame(t, b1, "call_ended"); f.Outcome != "missed" {
		t.Fatalf("cancelled: %+v", f)
	}
	record(b1, "missed")
	// The caller's socket closes while ringing: missed.
	a2, _ := connect(t, alice, nil)
	if _, err := a2.Call(bg, ab.ID, false, "v=0"); err != nil {
		t.Fatal(err)
	}
	nextFrame(t, b1, "call_incoming")
	a2.Close()
	if f := nextFrame(t, b1, "call_ended"); f.Outcome != "missed" {
		t.Fatalf("caller gone: %+v", f)
	}
	record(b1, "missed")

	// Dave has no connection: offline, and a missed call in the chat.
	_, err = as.Call(bg, ad.ID, false, "v=0")
	wantCode(t, err, "peer_offline")
	record(as, "missed")
	// Blocked.
	if err := dave.Block(bg, aliceU.ID); err != nil {
		t.Fatal(err)
	}
	_, err = as.Call(bg, ad.ID, false, "v=0")
	wantCode(t, err, "blocked")
	// A group cannot be called; nor a chat one is not in.
	g, err := alice.CreateGroup(bg, "g", []int64{bobU.ID})
	if err != nil {
		t.Fatal(err)
	}
	_, err = as.Call(bg, g.ID, false, "v=0")
	wantCode(t, err, "bad_request")
	_, err = as.Call(bg, cb.ID, false, "v=0")
	wantCode(t, err, "not_found")
	// Bad requests.
	_, err = as.Call(bg, ab.ID, false, "")
	wantCode(t, err, "invalid_argument")
	_, err = as.Call(bg, ab.ID, false, strings.Repeat("a", 40_000))
	wantCode(t, err, "invalid_argument")
	wantCode(t, as.HangUp(bg, "nope"), "not_found")
	wantCode(t, as.CallSignal(bg, "nope", json.RawMessage(`{}`)), "not_found")
	_, err = b1.AcceptCall(bg, "nope", "v=0")
	wantCode(t, err, "not_found")
	// Carol may not hang up or answer a call that is not hers.
	call, err = as.Call(bg, ab.ID, false, "v=0")
	if err != nil {
		t.Fatal(err)
	}
	wantCode(t, cs.HangUp(bg, call.ID), "not_found")
	_, err = cs.AcceptCall(bg, call.ID, "v=0")
	wantCode(t, err, "not_found")
	wantCode(t, cs.CallSignal(bg, call.ID, json.RawMessage(`{}`)), "not_found")
	if err := as.HangUp(bg, call.ID); err != nil {
		t.Fatal(err)
	}
	// TURN credentials only for a signed-in user.
	resp, err := http.Get(srv.URL + "/v1/calls/ice-servers")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("ice servers without a token: %d", resp.StatusCode)
	}

}

// TestClusterCall: a call between users on two nodes (PostgreSQL + NATS):
// both of bob's devices ring, on different nodes; the one on node 1
// answers and the one on node 2 stops ringing; signals cross the bus;
// the call is relayed by node 1's TURN server with credentials node 2
// minted (one secret for the cluster); hanging up records it once.
func TestClusterCall(t *testing.T) {
	env := newClusterEnv(t)
	n1, n2 := env.startNode(t), env.startNode(t)
	alice, _ := newUser(t, n2.URL, "cc_alice")
	bob, bobU := newUser(t, n1.URL, "cc_bob")
	dm, err := alice.CreateDirect(bg, bobU.ID)
	if err != nil {
		t.Fatal(err)
	}
	bobs := onNodes(bob, []string{n1.URL, n2.URL})
	as, _ := connect(t, alice, nil)
	b1, _ := connect(t, bobs[0], nil)
	b2, _ := connect(t, bobs[1], nil)
	iceA, _, err := alice.ICEServers(bg) // node 2's relay, node 2's credentials
	if err != nil {
		t.Fatal(err)
	}
	iceB, _, err := bobs[0].ICEServers(bg)
	if err != nil {
		t.Fatal(err)
	}
	// Alice relays through node 1's TURN with node 2's credentials.
	iceA[0].URLs = iceB[0].URLs
	a, b := newPionPeer(t, iceA), newPionPeer(t, iceB)
	call, err := as.Call(bg, dm.ID, false, a.describe(t, true))
	if err != nil {
		t.Fatal(err)
	}
	var offer string
	for _, s := range []*client.Stream{b1, b2} {
		f := nextFrame(t, s, "call_incoming")
		if f.Call.ID != call.ID {
			t.Fatalf("ring: %+v", f)
		}
		offer = f.SDP
	}
	b.take(t, webrtc.SDPTypeOffer, offer)
	if _, err := b1.AcceptCall(bg, call.ID, b.describe(t, false)); err != nil {
		t.Fatal(err)
	}
	if f := nextFrame(t, b2, "call_taken"); f.CallID != call.ID {
		t.Fatalf("taken: %+v", f)
	}
	acc := nextFrame(t, as, "call_accepted")
	a.take(t, webrtc.SDPTypeAnswer, acc.SDP)
	waitRelayed(t, 10_000, a, b)
	if err := b1.CallSignal(bg, call.ID, json.RawMessage(`{"n":1}`)); err != nil {
		t.Fatal(err)
	}
	if f := nextFrame(t, as, "call_signal"); string(f.Data) != `{"n":1}` {
		t.Fatalf("signal across nodes: %+v", f)
	}
	if err := as.HangUp(bg, call.ID); err != nil {
		t.Fatal(err)
	}
	if f := nextFrame(t, b1, "call_ended"); f.Outcome != "ended" {
		t.Fatalf("ended: %+v", f)
	}
	hist, err := bob.History(bg, dm.ID, client.HistoryQuery{})
	if err != nil {
		t.Fatal(err)
	}
	calls := 0
	for _, e := range hist {
		if e.Type == "call" {
			calls++
		}
	}
	if calls != 1 {
		t.Fatalf("%d call records", calls)
	}
}
