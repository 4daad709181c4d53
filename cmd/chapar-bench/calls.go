package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pion/webrtc/v4"
	"github.com/pion/webrtc/v4/pkg/media"

	"github.com/chapar/chapar/client"
)

// callsScenario: -calls 1:1 voice calls at once, each a pair of pion
// PeerConnections that may only use relayed candidates (the server's
// TURN), each side sending audio-sized packets (an 80-byte Opus frame
// every 20 ms, 32 kbit/s) for -seconds. It counts the packets sent and
// received and the servers' CPU while the calls run: how many relayed
// calls a node carries, and what one costs it.
type callsScenario struct {
	calls   int
	seconds int
}

func (s *callsScenario) flags(fs *flag.FlagSet) {
	fs.IntVar(&s.calls, "calls", 50, "simultaneous calls")
	fs.IntVar(&s.seconds, "seconds", 30, "how long every call runs once all are up")
}

func (s *callsScenario) check(opt options) error {
	if s.calls < 1 || s.calls > 5000 || s.seconds < 1 {
		return errors.New("-calls: 1 to 5000; -seconds: at least 1")
	}
	return nil
}

// callSide is one party's PeerConnection and counters.
type callSide struct {
	pc       *webrtc.PeerConnection
	track    *webrtc.TrackLocalStaticSample
	received atomic.Int64 // RTP packets
}

func newCallSide(ice []client.ICEServer) (*callSide, error) {
	var servers []webrtc.ICEServer
	for _, s := range ice {
		servers = append(servers, webrtc.ICEServer{URLs: s.URLs, Username: s.Username, Credential: s.Credential})
	}
	pc, err := webrtc.NewPeerConnection(webrtc.Configuration{ICEServers: servers, ICETransportPolicy: webrtc.ICETransportPolicyRelay})
	if err != nil {
		return nil, err
	}
	cs := &callSide{pc: pc}
	pc.OnTrack(func(tr *webrtc.TrackRemote, _ *webrtc.RTPReceiver) {
		buf := make([]byte, 1500)
		for {
			if _, _, err := tr.Read(buf); err != nil {
				return
			}
			cs.received.Add(1)
		}
	})
	if cs.track, err = webrtc.NewTrackLocalStaticSample(webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeOpus}, "audio", "bench"); err != nil {
		return nil, err
	}
	if _, err := pc.AddTrack(cs.track); err != nil {
		return nil, err
	}
	return cs, nil
}

// describe sets and returns a complete local offer or answer.
func (cs *callSide) describe(offer bool) (string, error) {
	var d webrtc.SessionDescription
	var err error
	if offer {
		d, err = cs.pc.CreateOffer(nil)
	} else {
		d, err = cs.pc.CreateAnswer(nil)
	}
	if err != nil {
		return "", err
	}
	gathered := webrtc.GatheringCompletePromise(cs.pc)
	if err := cs.pc.SetLocalDescription(d); err != nil {
		return "", err
	}
	<-gathered
	return cs.pc.LocalDescription().SDP, nil
}

func (s *callsScenario) run(ctx context.Context, b *bench) (*result, error) {
	setupStart := time.Now()
	nodes := len(b.servers)
	us, err := b.register(ctx, 2*s.calls, func(i int) int { return roundRobin(i, nodes) })
	if err != nil {
		return nil, err
	}
	type pair struct {
		caller, callee     *callSide
		callerSt, calleeSt *client.Stream
		callID             string
	}
	pairs := make([]*pair, s.calls)
	var mu sync.Mutex
	err = parallel(ctx, s.calls, b.opt.concurrency, func(ctx context.Context, i int) error {
		a, c := us[2*i], us[2*i+1]
		dm, err := a.c.CreateDirect(ctx, c.id)
		if err != nil {
			return err
		}
		p := &pair{}
		if p.callerSt, err = a.c.Connect(ctx, nil); err != nil {
			return err
		}
		if p.calleeSt, err = c.c.Connect(ctx, nil); err != nil {
			return err
		}
		go discard(p.callerSt)
		incoming := make(chan client.Frame, 1)
		go func() {
			for f := range p.calleeSt.Frames() {
				if f.Type == "call_incoming" {
					incoming <- f
				}
			}
		}()
		iceA, _, err := a.c.ICEServers(ctx)
		if err != nil {
			return err
		}
		iceC, _, err := c.c.ICEServers(ctx)
		if err != nil {
			return err
		}
		if p.caller, err = newCallSide(iceA); err != nil {
			return err
		}
		if p.callee, err = newCallSide(iceC); err != nil {
			return err
		}
		offer, err := p.caller.describe(true)
		if err != nil {
			return err
		}
		call, err := p.callerSt.Call(ctx, dm.ID, false, offer)
		if err != nil {
			return fmt.Errorf("call: %w", err)
		}
		p.callID = call.ID
		var ring client.Frame
		select {
		case ring = <-incoming:
		case <-ctx.Done():
			return ctx.Err()
		}
		if err := p.callee.pc.SetRemoteDescription(webrtc.SessionDescription{Type: webrtc.SDPTypeOffer, SDP: ring.SDP}); err != nil {
			return err
		}
		answer, err := p.callee.describe(false)
		if err != nil {
			return err
		}
		connected := make(chan struct{})
		var once sync.Once
		p.caller.pc.OnConnectionStateChange(func(st webrtc.PeerConnectionState) {
			if st == webrtc.PeerConnectionStateConnected {
				once.Do(func() { close(connected) })
			}
		})
		// The caller's stream is drained by discard: the answer is read
		// from the callee's accept and given to the caller directly (the
		// signalling path is what TestCallRelayed checks; here it is the
		// relay that is measured).
		if _, err := p.calleeSt.AcceptCall(ctx, call.ID, answer); err != nil {
			return err
		}
		if err := p.caller.pc.SetRemoteDescription(webrtc.SessionDescription{Type: webrtc.SDPTypeAnswer, SDP: answer}); err != nil {
			return err
		}
		select {
		case <-connected:
		case <-time.After(30 * time.Second):
			return errors.New("a call did not connect in 30 s")
		}
		mu.Lock()
		pairs[i] = p
		mu.Unlock()
		return nil
	})
	if err != nil {
		return nil, err
	}
	res := &result{Clients: 2 * s.calls, Users: 2 * s.calls, Calls: s.calls}
	res.SetupS = round3(time.Since(setupStart).Seconds())
	b.logf("%d calls up in %.1f s; sending for %d s", s.calls, res.SetupS, s.seconds)

	before := b.scrapeAll(ctx)
	cpu0 := cpuTime()
	var sent atomic.Int64
	stop := make(chan struct{})
	var wg sync.WaitGroup
	frame := make([]byte, 80)
	for _, p := range pairs {
		for _, side := range []*callSide{p.caller, p.callee} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				tick := time.NewTicker(20 * time.Millisecond)
				defer tick.Stop()
				for {
					select {
					case <-stop:
						return
					case <-tick.C:
						if side.track.WriteSample(media.Sample{Data: frame, Duration: 20 * time.Millisecond}) == nil {
							sent.Add(1)
						}
					}
				}
			}()
		}
	}
	start := time.Now()
	time.Sleep(time.Duration(s.seconds) * time.Second)
	close(stop)
	wg.Wait()
	elapsed := time.Since(start)
	time.Sleep(time.Second) // the last packets on their way
	res.setServer(before, b.scrapeAll(ctx))
	res.GenCPUs = round3((cpuTime() - cpu0).Seconds())
	var got int64
	for _, p := range pairs {
		got += p.caller.received.Load() + p.callee.received.Load()
		p.callerSt.HangUp(context.Background(), p.callID)
		p.caller.pc.Close()
		p.callee.pc.Close()
		p.callerSt.Close()
		p.calleeSt.Close()
	}
	res.DurationS = round3(elapsed.Seconds())
	res.PacketsSent, res.PacketsReceived = sent.Load(), got
	if res.PacketsSent > 0 {
		res.PacketLossPct = round3(100 * float64(res.PacketsSent-got) / float64(res.PacketsSent))
	}
	// Server CPU per call: milliseconds of CPU per second of one call.
	res.CPUPerCallMs = round3(float64(res.ServerCPUs) * 1000 / elapsed.Seconds() / float64(s.calls))
	b.logf("%d calls for %.0f s: %d packets sent, %d received (%.2f%% lost); server CPU %.2f s = %.2f ms per call-second; generator %.1f s",
		s.calls, elapsed.Seconds(), res.PacketsSent, got, res.PacketLossPct, float64(res.ServerCPUs), res.CPUPerCallMs, res.GenCPUs)
	return res, nil
}
