// chapar's web client: sign in, chat list, conversations, live over the
// WebSocket with resume. Everything shown comes through preact, which sets
// text, never HTML, so user content cannot inject markup.
import { h, render } from "./vendor/preact.module.js";
import { useState, useEffect, useRef, useCallback } from "./vendor/hooks.module.js";
import htm from "./vendor/htm.module.js";

const html = htm.bind(h);

// --- languages ---------------------------------------------------------------

const strings = {
  en: {
    username: "Username", password: "Password", signIn: "Sign in", signUp: "Sign up",
    toSignUp: "New here? Sign up", toSignIn: "Have an account? Sign in", signOut: "Sign out",
    startChat: "Start a chat with @username", chats: "Chats", message: "Message", send: "Send",
    choose: "Choose a chat, or start one by @username.", connecting: "Connecting…",
    offline: "Offline — messages will be sent when the connection is back", typing: "typing…",
    deleted: "(deleted)", edited: "(edited)", unread: "unread", other: "فارسی",
    chat_created: "chat created", member_added: "member added", member_removed: "member removed",
    member_left: "member left", role_changed: "role changed", title_changed: "title changed",
  },
  fa: {
    username: "نام کاربری", password: "گذرواژه", signIn: "ورود", signUp: "ثبت‌نام",
    toSignUp: "حساب ندارید؟ ثبت‌نام کنید", toSignIn: "حساب دارید؟ وارد شوید", signOut: "خروج",
    startChat: "گفتگو با ‎@نام‌کاربری", chats: "گفتگوها", message: "پیام", send: "بفرست",
    choose: "یک گفتگو را انتخاب کنید، یا با ‎@نام‌کاربری گفتگویی تازه آغاز کنید.", connecting: "در حال اتصال…",
    offline: "آفلاین — پیام‌ها پس از برقراری اتصال فرستاده می‌شوند", typing: "در حال نوشتن…",
    deleted: "(پاک شده)", edited: "(ویرایش شده)", unread: "نخوانده", other: "English",
    chat_created: "گفتگو ساخته شد", member_added: "عضو افزوده شد", member_removed: "عضو برداشته شد",
    member_left: "عضو رفت", role_changed: "نقش تغییر کرد", title_changed: "عنوان تغییر کرد",
  },
};

// The language is the user's choice, else the browser's; Persian lays the
// page out right to left.
let lang = localStorage.getItem("chapar.lang") || (navigator.language.startsWith("fa") ? "fa" : "en");
const t = (key) => strings[lang][key] || key;

function applyLang() {
  document.documentElement.lang = lang;
  document.documentElement.dir = lang === "fa" ? "rtl" : "ltr";
}
applyLang();

function LangSwitch({ onChange }) {
  const flip = () => {
    lang = lang === "fa" ? "en" : "fa";
    localStorage.setItem("chapar.lang", lang);
    applyLang();
    onChange(lang);
  };
  return html`<button type="button" class="link lang" onClick=${flip}>${t("other")}</button>`;
}

// --- the API -------------------------------------------------------------

// The session token lives in localStorage so that a reload keeps the user
// signed in; the strict CSP (no inline or foreign scripts) is what keeps
// other code from reading it.
const store = {
  get token() { return localStorage.getItem("chapar.token") || ""; },
  set token(v) { v ? localStorage.setItem("chapar.token", v) : localStorage.removeItem("chapar.token"); },
  pos(user) { const v = localStorage.getItem("chapar.pos." + user); return v === null ? null : Number(v); },
  setPos(user, p) { localStorage.setItem("chapar.pos." + user, String(p)); },
};

async function api(method, path, body) {
  const headers = {};
  if (store.token) headers.Authorization = "Bearer " + store.token;
  if (body !== undefined) headers["Content-Type"] = "application/json";
  const res = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  if (res.status === 204) return null;
  const data = await res.json().catch(() => ({}));
  if (!res.ok) {
    const e = new Error((data.error && data.error.message) || res.statusText);
    e.code = data.error && data.error.code;
    throw e;
  }
  return data;
}

// --- the live stream -------------------------------------------------------

// Stream keeps one WebSocket open, resuming from the last position applied,
// and resends queued messages (same client_id, so never twice) when it is
// back.
class Stream {
  constructor(userID, onEvent, onStatus) {
    this.userID = userID;
    this.onEvent = onEvent;
    this.onStatus = onStatus;
    this.pending = new Map(); // request id → {resolve, reject}
    this.outbox = [];          // sends waiting for a connection
    this.nextID = 1;
    this.backoff = 250;
    this.closed = false;
    this.connect();
  }

  connect() {
    if (this.closed) return;
    const ws = new WebSocket((location.protocol === "https:" ? "wss://" : "ws://") + location.host + "/v1/ws");
    this.ws = ws;
    this.onStatus("connecting");
    ws.onopen = () => {
      const hello = { type: "hello", token: store.token };
      const pos = store.pos(this.userID);
      if (pos !== null) hello.pos = pos;
      ws.send(JSON.stringify(hello));
    };
    ws.onmessage = (m) => this.frame(JSON.parse(m.data));
    ws.onclose = (e) => {
      for (const p of this.pending.values()) p.requeue();
      this.pending.clear();
      if (e.code === 4001 || e.code === 4003) { this.onStatus("signed-out"); return; }
      this.onStatus("offline");
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
        this.onEvent(f.event);
        if (f.event.pos > (store.pos(this.userID) || 0)) store.setPos(this.userID, f.event.pos);
        break;
      case "synced":
        store.setPos(this.userID, Math.max(f.pos, store.pos(this.userID) || 0));
        this.backoff = 250;
        this.onStatus("online");
        this.flush();
        break;
      case "typing":
        if (this.onTyping) this.onTyping(f);
        break;
      case "ack": case "error": {
        const p = this.pending.get(f.id);
        if (p) { this.pending.delete(f.id); f.type === "ack" ? p.resolve(f) : p.reject(f.error); }
        break;
      }
    }
  }

  // send queues a message; it goes out now if online, else on reconnect.
  send(chatID, text, replyTo) {
    return new Promise((resolve, reject) => {
      const req = { type: "send", chat_id: chatID, client_id: crypto.randomUUID(), text };
      if (replyTo) req.reply_to = replyTo;
      this.outbox.push({ req, resolve, reject });
      this.flush();
    });
  }

  flush() {
    if (!this.ws || this.ws.readyState !== WebSocket.OPEN) return;
    while (this.outbox.length) {
      const item = this.outbox.shift();
      const id = this.nextID++;
      this.pending.set(id, {
        resolve: item.resolve, reject: item.reject,
        requeue: () => this.outbox.unshift(item),
      });
      this.ws.send(JSON.stringify({ ...item.req, id }));
    }
  }

  typing(chatID) {
    if (this.ws && this.ws.readyState === WebSocket.OPEN) this.ws.send(JSON.stringify({ type: "typing", chat_id: chatID }));
  }

  close() { this.closed = true; if (this.ws) this.ws.close(); }
}

// --- screens -----------------------------------------------------------------

function SignIn({ onSignedIn, onLang }) {
  const [mode, setMode] = useState("login");
  const [username, setUsername] = useState("");
  const [password, setPassword] = useState("");
  const [error, setError] = useState("");
  const submit = async (e) => {
    e.preventDefault();
    setError("");
    try {
      const a = await api("POST", "/v1/auth/" + mode, { username, password, device: "web" });
      store.token = a.token;
      onSignedIn(a.user);
    } catch (err) { setError(err.message); }
  };
  return html`
    <form class="signin" onSubmit=${submit}>
      <h1>chapar</h1>
      <label>${t("username")} <input name="username" autocomplete="username" value=${username} onInput=${(e) => setUsername(e.target.value)} required /></label>
      <label>${t("password")} <input name="password" type="password" autocomplete=${mode === "login" ? "current-password" : "new-password"} value=${password} onInput=${(e) => setPassword(e.target.value)} required /></label>
      ${error && html`<p class="error" role="alert">${error}</p>`}
      <button type="submit">${mode === "login" ? t("signIn") : t("signUp")}</button>
      <button type="button" class="link mode" onClick=${() => setMode(mode === "login" ? "register" : "login")}>
        ${mode === "login" ? t("toSignUp") : t("toSignIn")}
      </button>
      <${LangSwitch} onChange=${onLang} />
    </form>`;
}

function chatName(c, users) {
  if (c.type === "group") return c.title;
  const u = users[c.peer_id];
  return u ? u.display_name || "@" + u.username : "…";
}

function ChatList({ chats, users, current, onOpen, onStart, onSignOut, onLang }) {
  const [who, setWho] = useState("");
  const start = async (e) => { e.preventDefault(); if (who) { await onStart(who); setWho(""); } };
  return html`
    <nav class="chats" aria-label=${t("chats")}>
      <form onSubmit=${start}><input aria-label=${t("startChat")} placeholder="@username" dir="ltr" value=${who} onInput=${(e) => setWho(e.target.value)} /></form>
      <ul>
        ${chats.map((c) => html`
          <li key=${c.id}>
            <button class=${c.id === current ? "chat current" : "chat"} onClick=${() => onOpen(c.id)}>
              <span class="name" dir="auto">${chatName(c, users)}</span>
              ${c.unread > 0 && html`<span class="unread" aria-label=${c.unread + " " + t("unread")}>${c.unread}</span>`}
              <span class="last" dir="auto">${c.last_message ? c.last_message.text || "" : ""}</span>
            </button>
          </li>`)}
      </ul>
      <button class="link signout" onClick=${onSignOut}>${t("signOut")}</button>
      <${LangSwitch} onChange=${onLang} />
    </nav>`;
}

function Conversation({ chat, users, me, messages, onSend, onTyping, typing }) {
  const [text, setText] = useState("");
  const end = useRef(null);
  useEffect(() => { if (end.current) end.current.scrollIntoView(); }, [messages.length]);
  const send = () => { const t = text.trim(); if (t) { onSend(t); setText(""); } };
  const keyDown = (e) => { if (e.key === "Enter" && !e.shiftKey) { e.preventDefault(); send(); } };
  return html`
    <main class="conversation">
      <header dir="auto">${chatName(chat, users)}</header>
      <ol class="messages">
        ${messages.map((m) => html`
          <li key=${m.seq} class=${m.type !== "message" ? "service-row" : m.actor_id === me.id ? "mine" : ""}>
            ${m.type === "message"
              ? html`<span class="text" dir="auto">${m.deleted ? t("deleted") : m.text}</span>${m.edited_at && html`<small> ${t("edited")}</small>`}`
              : html`<small class="service">${t(m.type)}</small>`}
          </li>`)}
        <li ref=${end} class="end"></li>
      </ol>
      ${typing && html`<p class="typing">${t("typing")}</p>`}
      <textarea aria-label=${t("message")} dir="auto" value=${text} onKeyDown=${keyDown}
        onInput=${(e) => { setText(e.target.value); onTyping(); }}></textarea>
      <button onClick=${send}>${t("send")}</button>
    </main>`;
}

function App() {
  const [me, setMe] = useState(null);
  const [chats, setChats] = useState([]);
  const [users, setUsers] = useState({});
  const [current, setCurrent] = useState(null);
  const [messages, setMessages] = useState({}); // chat id → events in history
  const [status, setStatus] = useState("offline");
  const [typing, setTyping] = useState({});
  const [, setLang] = useState(lang); // re-render on a language switch
  const stream = useRef(null);

  const loadChats = useCallback(async () => {
    const { chats } = await api("GET", "/v1/chats");
    setChats(chats);
    for (const c of chats) {
      if (c.peer_id && !users[c.peer_id]) {
        const u = await api("GET", "/v1/users/" + c.peer_id);
        setUsers((us) => ({ ...us, [u.id]: u }));
      }
    }
  }, [users]);

  useEffect(() => {
    if (!store.token) return;
    api("GET", "/v1/me").then(setMe).catch(() => { store.token = ""; });
  }, []);

  useEffect(() => {
    if (!me) return;
    loadChats();
    stream.current = new Stream(me.id, (ev) => {
      if (ev.type === "message" || ev.type === "chat_created" || ev.type.startsWith("member")) {
        setMessages((ms) => {
          const list = ms[ev.chat_id];
          if (!list || list.some((m) => m.seq === ev.seq)) return ms;
          return { ...ms, [ev.chat_id]: [...list, ev] };
        });
      } else if (ev.type === "edit" || ev.type === "delete") {
        setMessages((ms) => {
          const list = ms[ev.chat_id];
          if (!list) return ms;
          return { ...ms, [ev.chat_id]: list.map((m) => m.seq !== ev.target ? m
            : ev.type === "edit" ? { ...m, text: ev.text, edited_at: ev.date } : { ...m, text: "", deleted: true }) };
        });
      }
      loadChats();
    }, (s) => {
      setStatus(s);
      if (s === "signed-out") { store.token = ""; setMe(null); }
    });
    stream.current.onTyping = (f) => {
      setTyping((t) => ({ ...t, [f.chat_id]: true }));
      setTimeout(() => setTyping((t) => ({ ...t, [f.chat_id]: false })), 4000);
    };
    return () => stream.current.close();
  }, [me]);

  const open = async (id) => {
    setCurrent(id);
    const { messages: list } = await api("GET", "/v1/chats/" + id + "/messages?limit=100");
    setMessages((ms) => ({ ...ms, [id]: list }));
    if (list.length) api("POST", "/v1/chats/" + id + "/read", { seq: list[list.length - 1].seq }).then(loadChats);
  };
  const start = async (name) => {
    const u = await api("GET", "/v1/users/by-username/" + encodeURIComponent(name.replace(/^@/, "")));
    setUsers((us) => ({ ...us, [u.id]: u }));
    const c = await api("POST", "/v1/chats", { type: "direct", user_id: u.id });
    await loadChats();
    open(c.id);
  };

  const signOut = async () => {
    try { await api("POST", "/v1/auth/logout"); } catch (e) { /* signed out anyway */ }
    store.token = "";
    setMe(null);
  };

  if (!me) return html`<${SignIn} onSignedIn=${setMe} onLang=${setLang} />`;
  const chat = chats.find((c) => c.id === current);
  return html`
    <div class="layout">
      <p class=${"status " + status} role="status">${status === "online" ? "" : status === "connecting" ? t("connecting") : t("offline")}</p>
      <${ChatList} chats=${chats} users=${users} current=${current} onOpen=${open} onStart=${start} onSignOut=${signOut} onLang=${setLang} />
      ${chat
        ? html`<${Conversation} chat=${chat} users=${users} me=${me} messages=${messages[chat.id] || []}
            typing=${typing[chat.id]} onSend=${(t) => stream.current.send(chat.id, t)} onTyping=${() => stream.current.typing(chat.id)} />`
        : html`<main class="conversation empty"><p>${t("choose")}</p></main>`}
    </div>`;
}

render(html`<${App} />`, document.getElementById("app"));
