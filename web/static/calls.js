// Voice and video calls between the two people of a direct chat
// (docs/API.md "Calls"). The signalling goes over the app's WebSocket
// (net.js): call, call_accept, call_hangup and call_signal out;
// call_incoming, call_accepted, call_taken, call_signal and call_ended in.
// The media goes between the two browsers, through the STUN/TURN servers
// chapar gives (its own relay). One call at a time.
//
//   Calls       a call's state and its RTCPeerConnection; tells the app
//               what to show (a plain object, or null: no call)
//   CallScreen  the call's overlay: ringing, the timer, the controls
//   callLabel   what a "call" event in a chat's history says
//
// Offers and answers are whole SDP; ICE candidates trickle as call_signal
// {"candidate":…}. Once a call is up, either side may change what it sends
// (the camera in a voice call): a new offer goes as call_signal
// {"sdp":{type,sdp}} and is answered the same way, with the "perfect
// negotiation" pattern of the WebRTC spec (the callee is the polite side
// when both offer at once).
import { useState, useEffect, useRef } from "./vendor/hooks.module.js";
import { html, userName, Avatar } from "./ui.js";
import { api } from "./net.js";
import { t, fmtNumber, fmtDuration, isolate } from "./i18n.js";

const VIDEO = { width: { ideal: 1280 }, height: { ideal: 720 } };
const NOTICE_MS = 4000; // how long the screen stays to say why a call ended

// forceRelay makes calls use the TURN relay only (iceTransportPolicy
// "relay"): the tests set it, and so may someone who does not want the
// other side to learn their address.
const forceRelay = () => window.CHAPAR_FORCE_RELAY === true || localStorage.getItem("chapar.forceRelay") === "1";

export class Calls {
  // stream: the app's Stream; onChange(view) is given what to show;
  // onPeer(id) asks the app to know a user (the caller's name).
  constructor(stream, onChange, onPeer) {
    this.stream = stream;
    this.onChange = onChange;
    this.onPeer = onPeer;
    this.c = null; // the call: see newCall
    // Leaving the page hangs up (closing the socket would end the call
    // too, but later and as a lost connection).
    this.onUnload = () => {
      const c = this.c;
      if (c && !c.closed && c.id) this.stream.live({ type: "call_hangup", call_id: c.id });
    };
    window.addEventListener("beforeunload", this.onUnload);
    // For the browser tests only (cmd/chapar/webclient_calls_test.go): the
    // call in progress, whose RTCPeerConnection they read statistics from.
    Object.defineProperty(window, "__chaparCallForTests", {
      configurable: true,
      get: () => {
        const c = this.c;
        return c && { id: c.id, phase: c.phase, pc: c.pc, tone: c.tone ? c.tone.state() : "", iceErrors: c.iceErrors };
      },
    });
  }

  close() {
    if (this.c && !this.c.closed) this.hangUp();
    window.removeEventListener("beforeunload", this.onUnload);
  }

  newCall(fields) {
    return {
      id: "", chatID: 0, peerID: 0, video: false, outgoing: false, polite: false,
      phase: "", status: "", message: "", detail: "", note: "",
      pc: null, local: null, remoteAudio: new MediaStream(), remoteVideo: new MediaStream(),
      offer: "", early: [], outbox: [], remoteCands: [], iceErrors: [], queue: Promise.resolve(),
      canSignal: false, established: false, needsNegotiation: false, makingOffer: false, ignoreOffer: false,
      muted: false, camera: false, remoteCamera: false, connectedAt: 0, outputs: [], sinkId: "",
      tone: null, closed: false, timer: 0,
      ...fields,
    };
  }

  // emit gives the app a fresh view of the call (what CallScreen shows).
  emit() {
    const c = this.c;
    this.onChange(c && {
      id: c.id, chatID: c.chatID, peerID: c.peerID, video: c.video, outgoing: c.outgoing,
      phase: c.phase, status: c.status, message: c.message, detail: c.detail, note: c.note,
      muted: c.muted, camera: c.camera, remoteCamera: c.remoteCamera, connectedAt: c.connectedAt,
      local: c.local, remoteAudio: c.remoteAudio, remoteVideo: c.remoteVideo,
      outputs: c.outputs, sinkId: c.sinkId, canCamera: !!c.pc,
    });
  }

  busy() { return !!this.c && !this.c.closed; }

  // start calls the other person of a direct chat.
  async start(chat, video) {
    if (this.busy()) return;
    this.dismiss();
    const c = this.c = this.newCall({ chatID: chat.id, peerID: chat.peer_id, video, outgoing: true, phase: "outgoing", status: "callCalling" });
    this.emit();
    try {
      await this.media(c, video);
      if (c.closed) return;
      await this.connect(c);
      for (const tr of c.local.getTracks()) c.pc.addTrack(tr, c.local);
      // A video call without a camera still shows the other side's.
      if (video && !c.camera) c.pc.addTransceiver("video", { direction: "recvonly" });
      await c.pc.setLocalDescription(await c.pc.createOffer());
      c.needsNegotiation = false; // the offer holds every track added so far
      if (c.closed) return;
      const ack = await this.stream.ask({ type: "call", chat_id: chat.id, video, sdp: c.pc.localDescription.sdp });
      c.id = ack.call.id;
      if (c.closed) { // hung up while the server was asked
        this.stream.ask({ type: "call_hangup", call_id: c.id }).catch(() => {});
        return;
      }
      c.status = "callRinging";
      c.tone = tone("ringback");
      this.startSignalling(c);
      this.emit();
      for (const f of c.early.splice(0)) this.frame(f);
    } catch (err) {
      if (!c.closed) this.fail(c, ...this.reason(err));
    }
  }

  // accept answers the ringing call, with the camera on or not.
  async accept(video) {
    const c = this.c;
    if (!c || c.phase !== "incoming") return;
    c.phase = "accepting";
    c.status = "callConnecting";
    this.stopTone(c);
    this.emit();
    try {
      await this.media(c, video);
      if (c.closed) return;
      await this.connect(c);
      await c.pc.setRemoteDescription({ type: "offer", sdp: c.offer });
      // The offer made the transceivers; the tracks go on them.
      for (const tr of c.local.getTracks()) c.pc.addTrack(tr, c.local);
      await this.flushCandidates(c);
      await c.pc.setLocalDescription(await c.pc.createAnswer());
      if (c.closed) return;
      await this.stream.ask({ type: "call_accept", call_id: c.id, sdp: c.pc.localDescription.sdp });
      if (c.closed) return;
      if (c.phase === "accepting") c.phase = "connecting";
      this.startSignalling(c);
      this.established(c);
      this.emit();
    } catch (err) {
      if (c.closed) return;
      if (err.code === "conflict" || err.code === "not_found") this.finish(c, "callTakenElsewhere");
      else this.fail(c, ...this.reason(err));
    }
  }

  // hangUp cancels, declines or ends the call.
  hangUp() {
    const c = this.c;
    if (!c || c.closed) { this.dismiss(); return; }
    if (c.id) this.stream.ask({ type: "call_hangup", call_id: c.id }).catch(() => {});
    this.finish(c, "");
  }

  // dismiss takes away the screen of a call that has ended.
  dismiss() {
    if (this.c && this.c.closed) {
      clearTimeout(this.c.timer);
      this.c = null;
      this.emit();
    }
  }

  toggleMute() {
    const c = this.c;
    if (!c || !c.local) return;
    c.muted = !c.muted;
    for (const tr of c.local.getAudioTracks()) tr.enabled = !c.muted;
    this.emit();
  }

  // toggleCamera turns the camera on or off. Either way the video
  // transceiver's direction changes, which renegotiates: the other side
  // learns at once that no more video comes (its track is muted).
  async toggleCamera() {
    const c = this.c;
    if (!c || !c.pc || c.closed || c.cameraBusy) return;
    c.cameraBusy = true;
    try {
      const tr = c.pc.getTransceivers().find((x) => !x.stopped && x.receiver.track && x.receiver.track.kind === "video");
      if (c.camera) {
        if (tr) {
          await tr.sender.replaceTrack(null);
          tr.direction = "recvonly";
        }
        for (const track of c.local.getVideoTracks()) { track.stop(); c.local.removeTrack(track); }
        c.camera = false;
      } else {
        const s = await navigator.mediaDevices.getUserMedia({ video: VIDEO });
        const track = s.getVideoTracks()[0];
        if (c.closed) { track.stop(); return; }
        c.local.addTrack(track);
        if (tr) {
          await tr.sender.replaceTrack(track);
          if (tr.sender.setStreams) tr.sender.setStreams(c.local);
          tr.direction = "sendrecv";
        } else {
          c.pc.addTrack(track, c.local);
        }
        c.camera = true;
        c.note = "";
      }
    } catch (err) {
      c.note = t("callNoCamera", "", mediaReason(err));
    } finally {
      c.cameraBusy = false;
      this.emit();
    }
  }

  // setSpeaker chooses where the other side's voice plays.
  setSpeaker(id) {
    if (!this.c) return;
    this.c.sinkId = id;
    this.emit();
  }

  // connectionLost: the socket closed, and the server ended the call with it.
  connectionLost() {
    const c = this.c;
    if (c && !c.closed) this.finish(c, c.phase === "incoming" ? "" : "callLost");
  }

  // frame takes the call frames of the stream.
  frame(f) {
    if (f.type === "call_incoming") { this.incoming(f); return; }
    const c = this.c;
    if (!c || c.closed) return;
    if (!c.id) {
      // The answer to "call" is not in yet: keep what comes for it.
      if (c.outgoing && c.early.length < 100) c.early.push(f);
      return;
    }
    if (f.call_id !== c.id) return;
    switch (f.type) {
      case "call_accepted":
        if (c.outgoing && c.phase === "outgoing") this.run(c, () => this.accepted(c, f.sdp));
        break;
      case "call_taken": // another device of ours answered
        if (c.phase === "incoming") this.finish(c, "");
        break;
      case "call_signal": {
        const d = f.data || {};
        if (d.candidate) this.run(c, () => this.addCandidate(c, d.candidate));
        else if (d.sdp) this.run(c, () => this.description(c, d.sdp));
        break;
      }
      case "call_ended":
        c.endedByServer = true;
        if (f.outcome === "declined" && c.outgoing) this.finish(c, "callDeclined");
        else if (f.outcome === "missed") this.finish(c, c.outgoing ? "callNoAnswer" : "callMissedNote");
        else this.finish(c, "");
        break;
    }
  }

  incoming(f) {
    // One call at a time: the server tells a second caller "busy", so a
    // ring now would be from this user's own other call; let it be.
    if (this.busy() || !f.call) return;
    this.dismiss();
    const call = f.call;
    const c = this.c = this.newCall({ id: call.id, chatID: call.chat_id, peerID: call.caller_id, video: !!call.video,
      phase: "incoming", offer: f.sdp || "", polite: true });
    c.tone = tone("ring");
    this.onPeer(call.caller_id);
    this.emit();
  }

  // media asks for the microphone, and the camera for video. A video call
  // goes on without the camera if only the camera is refused.
  async media(c, video) {
    if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
      throw Object.assign(new Error(t("mediaInsecure")), { media: "callNoMic" });
    }
    try {
      c.local = await navigator.mediaDevices.getUserMedia({ audio: true, video: video ? VIDEO : false });
    } catch (err) {
      if (!video) throw Object.assign(err, { media: "callNoMic" });
      try {
        c.local = await navigator.mediaDevices.getUserMedia({ audio: true });
      } catch (err2) {
        throw Object.assign(err2, { media: "callNoMic" });
      }
      c.note = t("callNoCamera", "", mediaReason(err));
    }
    if (c.closed) { for (const tr of c.local.getTracks()) tr.stop(); return; }
    c.camera = c.local.getVideoTracks().length > 0;
    await this.listOutputs(c);
    this.emit();
  }

  // listOutputs lists the speakers the browser can play to, where it can
  // choose (HTMLMediaElement.setSinkId).
  async listOutputs(c) {
    if (!("setSinkId" in HTMLMediaElement.prototype) || !navigator.mediaDevices.enumerateDevices) return;
    try {
      const all = await navigator.mediaDevices.enumerateDevices();
      c.outputs = all.filter((d) => d.kind === "audiooutput" && d.deviceId).map((d) => ({ id: d.deviceId, label: d.label }));
    } catch (err) {
      c.outputs = [];
    }
  }

  // connect makes the call's RTCPeerConnection.
  async connect(c) {
    const { ice_servers: iceServers } = await api("GET", "/v1/calls/ice-servers");
    if (c.closed) throw Object.assign(new Error("hung up"), { code: "closed" });
    const pc = c.pc = new RTCPeerConnection({ iceServers, iceTransportPolicy: forceRelay() ? "relay" : "all" });
    pc.onicecandidate = (e) => { if (e.candidate && e.candidate.candidate) this.signal(c, { candidate: e.candidate.toJSON() }); };
    pc.onicecandidateerror = (e) => {
      // Kept for the tests and for debugging: a relay that cannot be
      // reached shows here (chrome://webrtc-internals says more).
      if (c.iceErrors.length < 20) c.iceErrors.push(`${e.url} ${e.errorCode} ${e.errorText}`);
    };
    pc.ontrack = (e) => this.track(c, e.track);
    pc.onconnectionstatechange = () => this.connection(c);
    pc.onnegotiationneeded = () => this.run(c, () => this.negotiate(c));
    this.emit();
  }

  // run does one step of the signalling after those before it: frames
  // are applied in the order they came.
  run(c, step) {
    c.queue = c.queue.then(() => (c.closed ? null : step())).catch((err) => {
      if (!c.closed) this.fail(c, "callError", err.message);
    });
  }

  // signal sends a call_signal to the other device: once the call has an
  // id (and, for the callee, is answered), before that it waits.
  signal(c, data) {
    if (c.closed) return;
    if (!c.canSignal) { c.outbox.push(data); return; }
    this.stream.ask({ type: "call_signal", call_id: c.id, data }).catch(() => {});
  }

  startSignalling(c) {
    c.canSignal = true;
    for (const data of c.outbox.splice(0)) this.signal(c, data);
  }

  // accepted: the callee's answer reached the caller.
  async accepted(c, sdp) {
    c.phase = "connecting";
    c.status = "callConnecting";
    this.stopTone(c);
    this.emit();
    await c.pc.setRemoteDescription({ type: "answer", sdp });
    await this.flushCandidates(c);
    this.established(c);
  }

  // established: the first offer and answer are done; from now on either
  // side renegotiates by itself.
  established(c) {
    c.established = true;
    if (c.needsNegotiation) this.run(c, () => this.negotiate(c));
  }

  async negotiate(c) {
    if (!c.established) { c.needsNegotiation = true; return; }
    c.needsNegotiation = false;
    try {
      c.makingOffer = true;
      await c.pc.setLocalDescription();
      this.signal(c, { sdp: c.pc.localDescription.toJSON() });
    } finally {
      c.makingOffer = false;
    }
  }

  // description applies the other side's renegotiation offer or answer.
  async description(c, desc) {
    if (!c.pc) return;
    const collision = desc.type === "offer" && (c.makingOffer || c.pc.signalingState !== "stable");
    c.ignoreOffer = !c.polite && collision;
    if (c.ignoreOffer) return; // ours wins; theirs is rolled back there
    await c.pc.setRemoteDescription(desc); // the polite side rolls its own back
    await this.flushCandidates(c);
    if (desc.type === "offer") {
      await c.pc.setLocalDescription();
      this.signal(c, { sdp: c.pc.localDescription.toJSON() });
    }
  }

  // addCandidate applies a candidate of the other side, or keeps it until
  // there is a remote description (the caller's come while it rings).
  async addCandidate(c, cand) {
    if (!c.pc || !c.pc.remoteDescription) {
      if (c.remoteCands.length < 200) c.remoteCands.push(cand);
      return;
    }
    try {
      await c.pc.addIceCandidate(cand);
    } catch (err) {
      if (!c.ignoreOffer) console.warn("chapar: ICE candidate refused", err);
    }
  }

  async flushCandidates(c) {
    for (const cand of c.remoteCands.splice(0)) await this.addCandidate(c, cand);
  }

  // track takes a track of the other side. Each change makes a new
  // stream: a media element given a stream without tracks does not start
  // when tracks are added to it later.
  track(c, track) {
    const key = track.kind === "audio" ? "remoteAudio" : "remoteVideo";
    const live = c[key].getTracks().filter((x) => x !== track && x.readyState !== "ended");
    c[key] = new MediaStream([...live, track]);
    this.emit();
    if (track.kind === "video") {
      // A video track is muted while nothing comes (the other camera is off).
      const update = () => {
        c.remoteCamera = c.remoteVideo.getTracks().some((x) => !x.muted && x.readyState === "live");
        this.emit();
      };
      track.addEventListener("mute", update);
      track.addEventListener("unmute", update);
      track.addEventListener("ended", update);
      update();
    }
  }

  connection(c) {
    if (c.closed) return;
    switch (c.pc.connectionState) {
      case "connected":
        if (!c.connectedAt) c.connectedAt = Date.now();
        c.phase = "active";
        c.status = "";
        break;
      case "disconnected":
        if (c.phase === "active") c.status = "callReconnecting";
        break;
      case "failed":
        this.fail(c, "callFailed");
        return;
    }
    this.emit();
  }

  // reason turns why a call could not be made into a message key and its
  // detail.
  reason(err) {
    if (err.media) return [err.media, mediaReason(err)];
    switch (err.code) {
      case "busy": return ["callBusy"];
      case "peer_offline": return ["callOffline"];
      case "blocked": return ["callBlocked"];
      case "conflict": return ["callConflict"];
      case "offline": return ["callNoServer"];
      case "closed": return [""];
    }
    return ["callError", err.message];
  }

  // fail ends the call on this side and the server's, saying why.
  fail(c, message, detail) {
    if (c.id && !c.endedByServer) this.stream.ask({ type: "call_hangup", call_id: c.id }).catch(() => {});
    this.finish(c, message, detail);
  }

  // finish lets go of everything the call holds. With a message the screen
  // stays a few seconds to say it; else it goes.
  finish(c, message, detail) {
    if (c.closed) return;
    c.closed = true;
    this.stopTone(c);
    if (c.pc) c.pc.close();
    if (c.local) for (const tr of c.local.getTracks()) tr.stop();
    if (this.c !== c) return;
    if (!message) { this.c = null; this.emit(); return; }
    c.phase = "ended";
    c.message = message;
    c.detail = detail || "";
    c.timer = setTimeout(() => this.dismiss(), NOTICE_MS);
    this.emit();
  }

  stopTone(c) {
    if (c.tone) { c.tone.stop(); c.tone = null; }
  }
}

// mediaReason says in words why the browser gave no microphone or camera.
function mediaReason(err) {
  switch (err && err.name) {
    case "NotAllowedError": case "SecurityError": return t("mediaDenied");
    case "NotFoundError": case "OverconstrainedError": return t("mediaMissing");
    case "NotReadableError": case "AbortError": return t("mediaInUse");
  }
  return (err && err.message) || String(err);
}

// tone plays a ringing sound made with WebAudio (no audio files): "ring"
// for an incoming call (two short rings every 3 s), "ringback" for the
// caller while the other side rings (1 s every 4 s).
function tone(kind) {
  let ctx;
  try {
    ctx = new AudioContext();
  } catch (err) {
    return { stop() {}, state: () => "none" };
  }
  const gain = ctx.createGain();
  gain.gain.value = 0;
  gain.connect(ctx.destination);
  const ring = kind === "ring";
  const oscs = (ring ? [400, 450] : [425]).map((f) => {
    const o = ctx.createOscillator();
    o.frequency.value = f;
    o.connect(gain);
    o.start();
    return o;
  });
  const bursts = ring ? [[0, 0.4], [0.6, 1.0]] : [[0, 1]];
  const period = ring ? 3 : 4;
  const level = ring ? 0.12 : 0.06;
  let next = ctx.currentTime + 0.05;
  const schedule = () => {
    while (next < ctx.currentTime + 2 * period) {
      for (const [on, off] of bursts) {
        gain.gain.setValueAtTime(0, next + on);
        gain.gain.linearRampToValueAtTime(level, next + on + 0.02); // no clicks
        gain.gain.setValueAtTime(level, next + off - 0.02);
        gain.gain.linearRampToValueAtTime(0, next + off);
      }
      next += period;
    }
  };
  schedule();
  const timer = setInterval(schedule, 1000);
  ctx.resume().catch(() => {});
  return {
    stop() {
      clearInterval(timer);
      for (const o of oscs) o.stop();
      ctx.close().catch(() => {});
    },
    state: () => ctx.state,
  };
}

// fmtClock is a call's length on its timer: "01:05", "1:02:05".
export function fmtClock(secs) {
  const s = Math.max(0, Math.floor(secs));
  const two = (n) => fmtNumber(n, { minimumIntegerDigits: 2, useGrouping: false });
  const h = Math.floor(s / 3600);
  return (h ? fmtNumber(h) + ":" + two(Math.floor(s / 60) % 60) : two(Math.floor(s / 60))) + ":" + two(s % 60);
}

// callLabel says what a "call" event was, as its viewer saw it (the event's
// actor is the caller): "📞 Outgoing call · 1:23", "📹 Missed call", …
export function callLabel(m, meID) {
  const rec = m.call || {};
  const mine = m.actor_id === meID;
  let what;
  switch (rec.outcome) {
    case "ended": what = t(mine ? "callOutgoing" : "callIncoming") + " · " + fmtDuration(rec.duration || 0); break;
    case "missed": what = t(mine ? "callCancelled" : "callMissed"); break;
    case "declined": what = t("callDeclinedRec"); break;
    case "busy": what = t(mine ? "callBusyRec" : "callMissed"); break;
    default: what = t(mine ? "callOutgoing" : "callIncoming");
  }
  return (rec.video ? "📹 " : "📞 ") + what;
}

// missedCall reports whether a call event is one its viewer did not take.
export const missedCall = (m, meID) => m.actor_id !== meID && m.call && m.call.outcome !== "ended";

// CallScreen shows the call: who, its state or timer, the videos, and the
// buttons (accept or decline while it rings; microphone, camera, speaker
// and hang up once it is on).
export function CallScreen({ view, calls, users }) {
  const name = userName(users[view.peerID]);
  const remoteVideo = useRef(null);
  const localVideo = useRef(null);
  const audio = useRef(null);
  const [, tick] = useState(0);
  const active = view.phase === "active";
  useEffect(() => {
    if (!active) return;
    const timer = setInterval(() => tick((n) => n + 1), 1000);
    return () => clearInterval(timer);
  }, [active]);
  useEffect(() => {
    const set = (el, s) => {
      if (!el || el.srcObject === s) return;
      el.srcObject = s;
      if (s.getTracks().length) el.play().catch(() => {}); // autoplay, where the browser allows it
    };
    set(remoteVideo.current, view.remoteVideo);
    set(audio.current, view.remoteAudio);
    set(localVideo.current, view.local);
  });
  useEffect(() => {
    if (audio.current && view.sinkId && audio.current.setSinkId) audio.current.setSinkId(view.sinkId).catch(() => {});
  }, [view.sinkId]);

  const ringing = view.phase === "incoming";
  const ended = view.phase === "ended";
  const status = ended ? t(view.message, isolate(name), view.detail)
    : ringing ? t(view.video ? "callIncomingVideo" : "callIncomingVoice")
    : active && !view.status ? fmtClock((Date.now() - view.connectedAt) / 1000)
    : t(view.status || "callConnecting");
  const showRemote = view.remoteCamera && !ringing && !ended;
  const showLocal = view.camera && view.local && !ended;
  return html`
    <section class=${"call-screen" + (showRemote ? " has-video" : "")} role="dialog" aria-label=${t("callWith", name)} data-phase=${view.phase}>
      <video class="remote-video" ref=${remoteVideo} autoplay playsinline muted hidden=${!showRemote}></video>
      <audio class="remote-audio" ref=${audio} autoplay></audio>
      <div class="call-info">
        <${Avatar} name=${name} id=${view.peerID} />
        <strong class="call-peer" dir="auto">${name}</strong>
        ${!ringing && html`<small class="call-kind">${t(view.video ? "videoCall" : "voiceCall")}</small>`}
        <p class=${"call-status" + (active && !view.status ? " call-timer" : "") + (ended ? " call-message" : "")} role="status">${status}</p>
        ${view.note && !ended && html`<p class="call-note" role="alert">${view.note}</p>`}
      </div>
      <video class="local-video" ref=${localVideo} autoplay playsinline muted hidden=${!showLocal}></video>
      <div class="call-controls">
        ${ringing ? html`
          <${CallButton} cls="call-decline" label=${t("callDecline")} icon="📞" onClick=${() => calls.hangUp()} />
          <${CallButton} cls="call-accept" label=${t(view.video ? "callAcceptVoice" : "callAccept")} icon="📞" onClick=${() => calls.accept(false)} />
          ${view.video && html`<${CallButton} cls="call-accept call-accept-video" label=${t("callAcceptVideo")} icon="📹" onClick=${() => calls.accept(true)} />`}`
        : ended ? html`
          <button type="button" class="call-close" onClick=${() => calls.dismiss()}>${t("close")}</button>`
        : html`
          <${CallButton} cls=${"call-mute" + (view.muted ? " off" : "")} pressed=${view.muted} icon="🎤" onClick=${() => calls.toggleMute()}
            label=${t(view.muted ? "callUnmute" : "callMute")} caption=${t(view.muted ? "callUnmuteShort" : "callMuteShort")} />
          <${CallButton} cls=${"call-camera" + (view.camera ? "" : " off")} pressed=${!view.camera} disabled=${!view.canCamera} icon="📷" onClick=${() => calls.toggleCamera()}
            label=${t(view.camera ? "callCameraOff" : "callCameraOn")} caption=${t(view.camera ? "callCameraOffShort" : "callCameraOnShort")} />
          ${view.outputs.length > 1 && html`<label class="call-speaker"><span aria-hidden="true">🔊</span>
            <select aria-label=${t("callSpeaker")} value=${view.sinkId || view.outputs[0].id} onChange=${(e) => calls.setSpeaker(e.target.value)}>
              ${view.outputs.map((o, i) => html`<option value=${o.id}>${o.label || t("speakerN", fmtNumber(i + 1))}</option>`)}
            </select></label>`}
          <${CallButton} cls="call-hangup" label=${t("callHangUp")} icon="📞" onClick=${() => calls.hangUp()} />`}
      </div>
    </section>`;
}

// CallButton is a round button with its caption under it (the caption is
// for the eye; the label, for screen readers, may say more).
function CallButton({ cls, label, caption, icon, pressed, disabled, onClick }) {
  return html`<div class="call-action">
    <button type="button" class=${"call-btn " + cls} aria-label=${label} title=${label} aria-pressed=${pressed === undefined ? undefined : String(pressed)}
      disabled=${disabled} onClick=${onClick}><span aria-hidden="true">${icon}</span></button>
    <span class="call-caption" aria-hidden="true">${caption || label}</span>
  </div>`;
}
