// The client's side of the API: HTTP requests and the live stream.

// The session token lives in localStorage so that a reload keeps the user
// signed in; the strict CSP (no inline or foreign scripts) is what keeps
// other code from reading it. See docs/WEB.md.
export const store = {
  get token() { return localStorage.getItem("chapar.token") || ""; },
  set token(v) { v ? localStorage.setItem("chapar.token", v) : localStorage.removeItem("chapar.token"); },
  pos(user) { const v = localStorage.getItem("chapar.pos." + user); return v === null ? null : Number(v); },
  setPos(user, p) { localStorage.setItem("chapar.pos." + user, String(p)); },
};

// api calls the HTTP API; a failure throws an Error with the server's code.
export async function api(method, path, body) {
  const headers = {};
  if (store.token) headers.Authorization = "Bearer " + store.token;
  if (body !== undefined) headers["Content-Type"] = "application/json";
  const res = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  if (res.status === 204) return null;
  const data = await res.json().catch(() => ({}));
  if (!res.ok) {
    const e = new Error((data.error && data.error.message) || res.statusText);
    e.code = data.error && data.error.code;
    e.status = res.status;
    e.retry_after = Number(res.headers.get("Retry-After")) || 0; // as the socket's error frames say it
    throw e;
  }
  return data;
}

const offlineError = () => Object.assign(new Error("not connected to the server"), { code: "offline" });

// Stream keeps one WebSocket open, resuming from the last position applied,
// so that after a drop or a server restart the page gets exactly what it
// missed. Sends wait in an outbox while offline and go out when the stream
// is synced again; a send whose answer was lost is sent again with the same
// client_id, which the server answers with the original message, so a
// message is never posted twice.
export class Stream {
  // on: {event(ev), status(s), typing(frame), presence(frame), call(frame),
  // callbackAnswer(frame)}
  constructor(userID, on) {
    this.userID = userID;
    this.on = on;
    this.pending = new Map(); // request id → {item, requeue}
    this.outbox = [];          // requests waiting for a synced connection
    this.nextID = 1;
    this.backoff = 250;
    this.synced = false;
    this.closed = false;
    // A page kept in the back/forward cache would keep its socket open, and
    // its user would look online while gone: close on leaving, reconnect on
    // coming back.
    this.hidden = false;
    this.onHide = () => { this.hidden = true; if (this.ws) this.ws.close(1000); };
    this.onShow = (e) => { this.hidden = false; if (e.persisted && !this.closed) this.connect(); };
    window.addEventListener("pagehide", this.onHide);
    window.addEventListener("pageshow", this.onShow);
    this.connect();
  }

  connect() {
    if (this.closed) return;
    const ws = new WebSocket((location.protocol === "https:" ? "wss://" : "ws://") + location.host + "/v1/ws");
    this.ws = ws;
    this.synced = false;
    this.on.status("connecting");
    ws.onopen = () => {
      const hello = { type: "hello", token: store.token };
      const pos = store.pos(this.userID);
      if (pos !== null) hello.pos = pos;
      ws.send(JSON.stringify(hello));
    };
    ws.onmessage = (m) => this.frame(JSON.parse(m.data));
    ws.onclose = (e) => {
      if (ws !== this.ws) return;
      this.synced = false;
      // Whatever was in flight goes back to the front of the outbox, in
      // order; but what was asked only for now (a call's steps) fails.
      const inflight = [];
      for (const p of this.pending.values()) {
        if (p.item.now) p.item.reject(offlineError());
        else inflight.push(p.item);
      }
      this.pending.clear();
      this.outbox.unshift(...inflight);
      if (this.closed || this.hidden) return;
      if (e.code === 4001 || e.code === 4003) { this.on.status("signed-out"); return; }
      if (e.code === 4002) localStorage.removeItem("chapar.pos." + this.userID); // resume from now
      this.on.status("offline");
      setTimeout(() => this.connect(), this.backoff);
      this.backoff = Math.min(this.backoff * 2, 10000);
    };
  }

  frame(f) {
    switch (f.type) {
      case "welcome":
        if (store.pos(this.userID) === null) store.setPos(this.userID, f.pos);
        break;
      case "event":
        this.on.event(f.event);
        if (f.event.pos > (store.pos(this.userID) || 0)) store.setPos(this.userID, f.event.pos);
        break;
      case "synced":
        store.setPos(this.userID, Math.max(f.pos, store.pos(this.userID) || 0));
        this.backoff = 250;
        this.synced = true;
        this.on.status("online");
        this.flush();
        break;
      case "typing":
        this.on.typing(f);
        break;
      case "presence":
        this.on.presence(f);
        break;
      case "call_incoming": case "call_accepted": case "call_taken": case "call_signal": case "call_ended":
        if (this.on.call) this.on.call(f);
        break;
      case "callback_answer":
        if (this.on.callbackAnswer) this.on.callbackAnswer(f);
        break;
      case "ack": case "error": {
        const p = this.pending.get(f.id);
        if (!p) break;
        this.pending.delete(f.id);
        if (f.type === "ack") p.item.resolve(f);
        else p.item.reject(Object.assign(new Error(f.error.message), { code: f.error.code, retry_after: f.error.retry_after || 0 }));
        break;
      }
    }
  }

  // request queues a request frame; it goes out now if the stream is synced,
  // else when it is. The promise settles with the server's answer.
  request(req) {
    return new Promise((resolve, reject) => {
      this.outbox.push({ req, resolve, reject });
      this.flush();
    });
  }

  // ask sends a request now, for what is worth doing only now (a call's
  // steps: a call ends with the connection it was made on). Unlike
  // request, it fails at once while the stream is not connected, and if the
  // connection drops before the answer, with the code "offline".
  ask(req) {
    return new Promise((resolve, reject) => {
      if (!this.synced || this.ws.readyState !== WebSocket.OPEN) { reject(offlineError()); return; }
      const id = this.nextID++;
      this.pending.set(id, { item: { req, resolve, reject, now: true } });
      this.ws.send(JSON.stringify({ ...req, id }));
    });
  }

  // send posts a message (text, or forward) into a chat and returns its
  // client_id at once, and a promise of the ack.
  send(chatID, fields) {
    const clientID = crypto.randomUUID();
    const done = this.request({ type: "send", chat_id: chatID, client_id: clientID, ...fields });
    return { clientID, done };
  }

  flush() {
    if (!this.synced || this.ws.readyState !== WebSocket.OPEN) return;
    while (this.outbox.length) {
      const item = this.outbox.shift();
      const id = this.nextID++;
      this.pending.set(id, { item });
      this.ws.send(JSON.stringify({ ...item.req, id }));
    }
  }

  // live sends a frame only if connected: for things not worth queueing.
  live(frame) {
    if (this.synced && this.ws.readyState === WebSocket.OPEN) this.ws.send(JSON.stringify(frame));
  }

  close() {
    this.closed = true;
    window.removeEventListener("pagehide", this.onHide);
    window.removeEventListener("pageshow", this.onShow);
    if (this.ws) this.ws.close();
  }
}
