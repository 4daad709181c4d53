// chapar's web client. This file holds the app's state and wires the
// screens to the API and the live stream:
//
//   net.js           HTTP API and the resuming WebSocket stream (with outbox)
//   i18n.js          English and Persian strings, dates in both calendars
//   signin.js        sign in / sign up, by password or by phone code
//   chatlist.js      the chat list
//   conversation.js  a conversation and its composer
//   panels.js        chat info, new group, settings, forward picker
import { render } from "./vendor/preact.module.js";
import { useState, useEffect, useRef } from "./vendor/hooks.module.js";
import { html } from "./ui.js";
import { t, applyLang, lang } from "./i18n.js";
import { api, store, Stream } from "./net.js";
import { SignIn } from "./signin.js";
import { ChatList } from "./chatlist.js";
import { Conversation } from "./conversation.js";
import { ChatInfo, NewGroup, Settings, ForwardPicker } from "./panels.js";

applyLang();

const PAGE = 50;
const HISTORY_TYPES = new Set(["message", "chat_created", "member_added", "member_removed", "member_left", "role_changed", "title_changed"]);

// mergeBySeq adds events to a history list: ascending seq, each seq once
// (a newer copy of a message replaces the older one).
function mergeBySeq(list, evs) {
  const m = new Map(list.map((e) => [e.seq, e]));
  for (const e of evs) m.set(e.seq, e);
  return [...m.values()].sort((a, b) => a.seq - b.seq);
}

// applyChange applies an edit or delete event to the message it targets.
function applyChange(list, ev) {
  return list.map((m) => m.seq !== ev.target ? m
    : ev.type === "edit" ? { ...m, text: ev.text, edited_at: ev.date } : { ...m, text: "", deleted: true });
}

function chatFromHash() {
  const m = /^#\/c\/(\d+)$/.exec(location.hash);
  return m ? Number(m[1]) : null;
}

function App() {
  const [me, setMe] = useState(null);
  const [chats, setChats] = useState([]);
  const [users, setUsers] = useState({});
  const [current, setCurrent] = useState(null);
  const [histories, setHistories] = useState({}); // chat id → {list, complete, loading}
  const [pending, setPending] = useState({});     // chat id → [{clientID, text, error}]
  const [status, setStatus] = useState("offline");
  const [typing, setTyping] = useState({});       // chat id → {user id: true}
  const [panel, setPanel] = useState(null);       // null | "info" | "newgroup" | "settings" | {forward: message}
  const [infoVersion, setInfoVersion] = useState(0);
  const [focus, setFocus] = useState(null);       // {chat, seq}: a message to show (from search)
  const [, setLangState] = useState(lang);        // re-render on a language switch
  const stream = useRef(null);
  const asked = useRef(new Set());                // users already fetched or being fetched
  const reload = useRef(0);
  const currentRef = useRef(null);
  currentRef.current = current;
  const chatsRef = useRef([]);
  chatsRef.current = chats;
  const historiesRef = useRef({});
  historiesRef.current = histories;

  // needUsers fetches users the page has not seen yet.
  const needUsers = (ids) => {
    for (const id of ids) {
      if (!id || asked.current.has(id)) continue;
      asked.current.add(id);
      api("GET", "/v1/users/" + id).then((u) => setUsers((us) => ({ ...us, [u.id]: u }))).catch(() => asked.current.delete(id));
    }
  };

  const loadChats = async () => {
    const { chats } = await api("GET", "/v1/chats");
    // The list may have been read before events that have since arrived
    // live: keep whichever knows more.
    setChats((old) => chats.map((c) => {
      const o = old.find((x) => x.id === c.id);
      if (!o) return c;
      const newer = o.last_seq > c.last_seq;
      return {
        ...c,
        peer_read_seq: Math.max(c.peer_read_seq, o.peer_read_seq),
        read_seq: Math.max(c.read_seq, o.read_seq),
        last_seq: Math.max(c.last_seq, o.last_seq),
        last_message: newer ? o.last_message : c.last_message,
        unread: newer ? o.unread : c.unread,
      };
    }));
    needUsers(chats.map((c) => c.peer_id));
    needUsers(chats.map((c) => c.last_message && c.last_message.actor_id));
  };
  // Structural changes (a new chat, members, roles) reload the list once,
  // however many arrive together.
  const reloadSoon = () => {
    clearTimeout(reload.current);
    reload.current = setTimeout(() => loadChats().catch(() => {}), 150);
  };

  const markRead = (chatID, seq) => {
    if (document.visibilityState !== "visible") return;
    setChats((cs) => cs.map((c) => (c.id === chatID && seq > c.read_seq ? { ...c, read_seq: seq, unread: 0 } : c)));
    api("POST", `/v1/chats/${chatID}/read`, { seq }).catch(() => {});
  };

  const onEvent = (ev) => {
    const chatID = ev.chat_id;
    if (HISTORY_TYPES.has(ev.type)) {
      setHistories((hs) => (hs[chatID] ? { ...hs, [chatID]: { ...hs[chatID], list: mergeBySeq(hs[chatID].list, [ev]) } } : hs));
      needUsers([ev.actor_id, ev.target]);
    } else if (ev.type === "edit" || ev.type === "delete") {
      setHistories((hs) => (hs[chatID] ? { ...hs, [chatID]: { ...hs[chatID], list: applyChange(hs[chatID].list, ev) } } : hs));
    }
    if (ev.type === "message") {
      // Whoever sent a message has stopped typing it.
      setTyping((ty) => {
        if (!ty[chatID] || !ty[chatID][ev.actor_id]) return ty;
        const c = { ...ty[chatID] };
        delete c[ev.actor_id];
        return { ...ty, [chatID]: c };
      });
    }
    if (ev.type === "message" && ev.client_id) {
      setPending((ps) => (ps[chatID] ? { ...ps, [chatID]: ps[chatID].filter((q) => q.clientID !== ev.client_id) } : ps));
    }
    // Keep the chat list current without asking the server for each event.
    if (ev.type === "message") {
      if (!chatsRef.current.some((c) => c.id === chatID)) reloadSoon();
      setChats((cs) => {
        const c = cs.find((x) => x.id === chatID);
        if (!c) return cs;
        const mine = ev.actor_id === me.id;
        const open = currentRef.current === chatID && document.visibilityState === "visible";
        const next = { ...c, last_message: ev, last_seq: ev.seq, unread: mine || open ? c.unread : c.unread + 1 };
        return [next, ...cs.filter((x) => x.id !== chatID)];
      });
      if (currentRef.current === chatID && ev.actor_id !== me.id) markRead(chatID, ev.seq);
    } else if (ev.type === "read") {
      setChats((cs) => cs.map((c) => {
        if (c.id !== chatID) return c;
        if (ev.actor_id === me.id) return ev.target > c.read_seq ? { ...c, read_seq: ev.target, unread: 0 } : c;
        return ev.target > c.peer_read_seq ? { ...c, peer_read_seq: ev.target } : c;
      }));
      if (ev.actor_id === me.id) reloadSoon(); // unread counts from another device
    } else if (ev.type === "edit" || ev.type === "delete") {
      setChats((cs) => cs.map((c) => (c.id === chatID && c.last_message && c.last_message.seq === ev.target
        ? { ...c, last_message: applyChange([c.last_message], ev)[0] } : c)));
    } else {
      reloadSoon();
      setInfoVersion((v) => v + 1);
    }
  };

  useEffect(() => {
    if (!store.token) return;
    api("GET", "/v1/me").then(setMe).catch(() => { store.token = ""; });
  }, []);

  useEffect(() => {
    if (!me) return;
    loadChats().catch(() => {});
    const s = new Stream(me.id, {
      event: onEvent,
      status: (st) => {
        setStatus(st);
        if (st === "signed-out") { store.token = ""; setMe(null); }
        if (st === "online") loadChats().catch(() => {});
      },
      typing: (f) => {
        if (f.user_id === me.id) return;
        needUsers([f.user_id]);
        setTyping((ty) => ({ ...ty, [f.chat_id]: { ...ty[f.chat_id], [f.user_id]: true } }));
        setTimeout(() => setTyping((ty) => {
          const c = { ...ty[f.chat_id] };
          delete c[f.user_id];
          return { ...ty, [f.chat_id]: c };
        }), 4000);
      },
      presence: (f) => setUsers((us) => (us[f.user_id] ? { ...us, [f.user_id]: { ...us[f.user_id], online: f.online, last_seen: f.last_seen } } : us)),
    });
    stream.current = s;
    return () => s.close();
  }, [me && me.id]);

  // The open chat is in the address (#/c/ID): a reload keeps it open and
  // the browser's back button returns to the list.
  useEffect(() => {
    if (!me) return;
    const follow = () => {
      const id = chatFromHash();
      if (id && id !== currentRef.current) open(id);
      if (!id) setCurrent(null);
    };
    follow();
    window.addEventListener("hashchange", follow);
    return () => window.removeEventListener("hashchange", follow);
  }, [me && me.id]);

  const open = async (id) => {
    setCurrent(id);
    setPanel(null);
    if (chatFromHash() !== id) location.hash = "#/c/" + id;
    if (historiesRef.current[id]) {
      const list = historiesRef.current[id].list;
      if (list.length) markRead(id, list[list.length - 1].seq);
      return;
    }
    // The entry exists before the request, so events that arrive meanwhile
    // are kept and merged with what the request returns.
    historiesRef.current = { ...historiesRef.current, [id]: { list: [], complete: false, loading: true } };
    setHistories((hs) => (hs[id] ? hs : { ...hs, [id]: { list: [], complete: false, loading: true } }));
    try {
      const { messages } = await api("GET", `/v1/chats/${id}/messages?limit=${PAGE}`);
      needUsers(messages.map((m) => m.actor_id));
      const next = (hs) => ({ ...hs, [id]: { list: mergeBySeq(hs[id].list, messages), complete: messages.length < PAGE, loading: false } });
      historiesRef.current = next(historiesRef.current);
      setHistories(next);
      if (messages.length) markRead(id, messages[messages.length - 1].seq);
    } catch (err) {
      setHistories((hs) => { const c = { ...hs }; delete c[id]; return c; });
    }
  };

  const loadOlder = async (id) => {
    const h = historiesRef.current[id];
    if (!h || h.loading || h.complete || !h.list.length) return;
    historiesRef.current = { ...historiesRef.current, [id]: { ...h, loading: true } };
    setHistories((hs) => ({ ...hs, [id]: { ...hs[id], loading: true } }));
    const { messages } = await api("GET", `/v1/chats/${id}/messages?before=${h.list[0].seq}&limit=${PAGE}`);
    needUsers(messages.map((m) => m.actor_id));
    const next = (hs) => ({ ...hs, [id]: { list: mergeBySeq(hs[id].list, messages), complete: messages.length < PAGE, loading: false } });
    historiesRef.current = next(historiesRef.current);
    setHistories(next);
  };

  // openMessage opens a chat at one of its messages (a search result):
  // older pages load until it is there.
  const openMessage = async (id, seq) => {
    setFocus({ chat: id, seq });
    await open(id);
    for (let i = 0; i < 40; i++) {
      const h = historiesRef.current[id];
      if (!h || h.complete || h.list.some((m) => m.seq <= seq)) break;
      await loadOlder(id);
    }
  };

  const send = (chatID, fields, text) => {
    const { clientID, done } = stream.current.send(chatID, fields);
    if (text !== undefined) setPending((ps) => ({ ...ps, [chatID]: [...(ps[chatID] || []), { clientID, text }] }));
    done.then((ack) => {
      // The ack carries the message: show it even if its event is late.
      setHistories((hs) => (hs[chatID] ? { ...hs, [chatID]: { ...hs[chatID], list: mergeBySeq(hs[chatID].list, [ack.event]) } } : hs));
      setPending((ps) => ({ ...ps, [chatID]: (ps[chatID] || []).filter((q) => q.clientID !== clientID) }));
    }, (err) => {
      setPending((ps) => ({ ...ps, [chatID]: (ps[chatID] || []).map((q) => (q.clientID === clientID ? { ...q, error: err.message } : q)) }));
    });
  };

  const start = async (name) => {
    const u = await api("GET", "/v1/users/by-username/" + encodeURIComponent(name.replace(/^@/, "")));
    setUsers((us) => ({ ...us, [u.id]: u }));
    asked.current.add(u.id);
    const c = await api("POST", "/v1/chats", { type: "direct", user_id: u.id });
    await loadChats();
    open(c.id);
  };

  const signOut = async () => {
    try { await api("POST", "/v1/auth/logout"); } catch (e) { /* signed out anyway */ }
    store.token = "";
    setMe(null);
    setChats([]); setHistories({}); setPending({}); setCurrent(null); setPanel(null);
    location.hash = "";
  };

  if (!me) return html`<${SignIn} onSignedIn=${setMe} onLang=${setLangState} />`;
  const chat = chats.find((c) => c.id === current);
  const typingNames = chat ? Object.keys(typing[chat.id] || {}).map((id) => {
    const u = users[id];
    return u ? u.display_name || "@" + u.username : "…";
  }) : [];

  let side = null;
  if (panel === "settings") {
    side = html`<${Settings} me=${me} onMe=${setMe} onSignOut=${signOut} onLang=${setLangState} onClose=${() => setPanel(null)} />`;
  } else if (panel === "newgroup") {
    side = html`<${NewGroup} onClose=${() => setPanel(null)} onCreated=${async (c) => { await loadChats(); open(c.id); }} />`;
  } else if (panel === "info" && chat) {
    side = html`<${ChatInfo} chat=${chat} me=${me} users=${users} needUsers=${needUsers} version=${infoVersion}
      onClose=${() => setPanel(null)} onLeft=${() => { setPanel(null); location.hash = ""; loadChats(); }} />`;
  } else if (panel && panel.forward) {
    side = html`<${ForwardPicker} chats=${chats} users=${users} onClose=${() => setPanel(null)}
      onPick=${(id) => { send(id, { forward: { chat_id: panel.forward.chat_id, seq: panel.forward.seq } }); open(id); }} />`;
  }

  return html`
    <div class=${"layout" + (chat ? " has-chat" : "") + (side ? " has-panel" : "")}>
      <p class=${"status " + status} role="status">${status === "online" ? "" : status === "connecting" ? t("connecting") : t("offline")}</p>
      <${ChatList} me=${me} chats=${chats} users=${users} current=${current} typing=${typing} onOpen=${(id) => { setFocus(null); open(id); }} onOpenMessage=${openMessage} onStart=${start}
        onNewGroup=${() => setPanel("newgroup")} onSettings=${() => setPanel("settings")} />
      ${chat
        ? html`<${Conversation} key=${chat.id} chat=${chat} users=${users} me=${me}
            history=${histories[chat.id] || { list: [], loading: true }} pending=${pending[chat.id] || []} typingNames=${typingNames}
            onSend=${(text, replyTo) => send(chat.id, replyTo ? { text, reply_to: replyTo } : { text }, text)}
            onEdit=${(seq, text) => api("PATCH", `/v1/chats/${chat.id}/messages/${seq}`, { text })}
            onDelete=${(seq) => api("DELETE", `/v1/chats/${chat.id}/messages/${seq}`)}
            onForward=${(m) => setPanel({ forward: m })}
            onLoadOlder=${() => loadOlder(chat.id).catch(() => {})}
            onTyping=${() => stream.current.live({ type: "typing", chat_id: chat.id })}
            focusSeq=${focus && focus.chat === chat.id ? focus.seq : 0}
            onBack=${() => { location.hash = ""; }} onInfo=${() => setPanel("info")} />`
        : html`<main class="conversation empty"><p>${t("choose")}</p></main>`}
      ${side}
    </div>`;
}

render(html`<${App} />`, document.getElementById("app"));
