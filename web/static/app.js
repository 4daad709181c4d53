// chapar's web client. This file holds the app's state and wires the
// screens to the API and the live stream:
//
//   net.js           HTTP API and the resuming WebSocket stream (with outbox)
//   i18n.js          English and Persian strings, dates in both calendars
//   signin.js        sign in / sign up, by password or by phone code
//   chatlist.js      the chat list
//   search.js        search: messages, people, public chats and posts
//   conversation.js  a conversation and its composer
//   media.js         photos, albums, the viewer, players and file cards in messages
//   attach.js        attaching files and recording voice notes in the composer
//   upload.js        resumable uploads (tus)
//   channel.js       channel posts (views, reactions), pinned bar, join, invite links
//   panels.js        chat info, new group or channel, settings, forward picker
//   admin.js         managing a group or channel: settings, links, requests, members, log
//   calls.js         voice and video calls: WebRTC, the call screen, call records
//   rich.js          formatted text (entities): bold, links, code, spoilers, quotes…
//   bots.js          bots: inline and reply keyboards, commands, Start, My bots
import { render } from "./vendor/preact.module.js";
import { useState, useEffect, useRef } from "./vendor/hooks.module.js";
import { html, Notices, toast } from "./ui.js";
import { t, applyLang, lang, fmtNumber, isolate } from "./i18n.js";
import { api, store, Stream } from "./net.js";
import { SignIn } from "./signin.js";
import { ChatList } from "./chatlist.js";
import { Conversation } from "./conversation.js";
import { InviteView } from "./channel.js";
import { ChatInfo, NewChat, Settings, ForwardPicker } from "./panels.js";
import { AdminPanel } from "./admin.js";
import { Calls, CallScreen } from "./calls.js";
import { callbackAnswer } from "./bots.js";
import { commandEntities } from "./rich.js";

applyLang();

const PAGE = 50;
const HISTORY_TYPES = new Set(["message", "call", "chat_created", "member_added", "member_removed", "member_left", "role_changed", "title_changed", "pinned"]);
const MEMBER_TYPES = new Set(["member_added", "member_removed", "member_left", "role_changed"]);

// shown keeps what a history page shows: messages and the changes listed
// between them (the server also lists info_changed, which is not news).
const shown = (evs) => evs.filter((e) => HISTORY_TYPES.has(e.type));
// people names the users a history page mentions.
const people = (evs) => evs.flatMap((e) => (MEMBER_TYPES.has(e.type) ? [e.actor_id, e.target] : [e.actor_id]));

// mergeBySeq adds events to a history list: ascending seq, each seq once
// (a newer copy of a message replaces the older one).
function mergeBySeq(list, evs) {
  const m = new Map(list.map((e) => [e.seq, e]));
  for (const e of evs) m.set(e.seq, e);
  return [...m.values()].sort((a, b) => a.seq - b.seq);
}

// applyChange applies an edit or delete event to the message it targets.
// An edit carries the message's new formatting and keyboard (an edit
// without reply_markup takes a bot's buttons away).
function applyChange(list, ev) {
  return list.map((m) => m.seq !== ev.target ? m
    : ev.type === "edit" ? { ...m, text: ev.text, entities: ev.entities, reply_markup: ev.reply_markup, edited_at: ev.date }
    : { ...m, text: "", entities: undefined, reply_markup: undefined, deleted: true });
}

// withCommands adds the bot commands in a text to a message's fields, as
// bot_command entities (bots know commands by them).
function withCommands(fields, text) {
  const entities = commandEntities(text);
  return entities.length ? { ...fields, entities } : fields;
}

function chatFromHash() {
  const m = /^#\/c\/(\d+)$/.exec(location.hash);
  return m ? Number(m[1]) : null;
}

// An invite link is the app's address with #/join/CODE.
function inviteFromHash() {
  const m = /^#\/join\/([A-Za-z0-9_-]{1,64})$/.exec(location.hash);
  return m ? m[1] : null;
}

// slowModeError turns the server's slow-mode refusal (rate_limited with
// retry_after, on the WebSocket) into the UI's words, keeping how many
// seconds to wait.
function slowModeError(err) {
  if (err.code === "rate_limited" && err.retry_after > 0 && /slow mode/i.test(err.message)) {
    err.retryAfter = err.retry_after;
    err.message = t("slowWait", fmtNumber(err.retryAfter));
  }
  return err;
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
  const [panel, setPanel] = useState(null);       // null | "info" | "admin" | "newgroup" | "settings" | {forward: message}
  const [previews, setPreviews] = useState({});   // chat id → Chat: chats opened without being in them (public ones)
  const [invite, setInvite] = useState(null);     // the code of an invite link being shown
  const [notice, setNotice] = useState("");       // why the open chat went away
  const [infoVersion, setInfoVersion] = useState(0);
  const [focus, setFocus] = useState(null);       // {chat, seq}: a message to show (from search)
  const [, setLangState] = useState(lang);        // re-render on a language switch
  const [, setMutes] = useState(0);               // re-render when a chat is muted or unmuted
  const [call, setCall] = useState(null);         // what the call screen shows (calls.js), or null
  const stream = useRef(null);
  const calls = useRef(null);
  const asked = useRef(new Set());                // users already fetched or being fetched
  const reload = useRef(0);
  const currentRef = useRef(null);
  currentRef.current = current;
  const chatsRef = useRef([]);
  chatsRef.current = chats;
  const historiesRef = useRef({});
  historiesRef.current = histories;
  const previewsRef = useRef({});
  previewsRef.current = previews;

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
    // The open chat is gone from the list: its user was removed or banned.
    const cur = currentRef.current;
    const was = chatsRef.current.find((c) => c.id === cur);
    if (was && !chats.some((c) => c.id === cur)) {
      setNotice(t("removedNote", isolate(was.title || "")));
      setCurrent(null);
      if (chatFromHash() === cur) location.hash = "";
    }
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
    const pv = previewsRef.current[chatID];
    if (pv && pv.joined === false && !chatsRef.current.some((c) => c.id === chatID)) return; // not in it: nothing to mark
    setChats((cs) => cs.map((c) => (c.id === chatID && seq > c.read_seq ? { ...c, read_seq: seq, unread: 0 } : c)));
    api("POST", `/v1/chats/${chatID}/read`, { seq }).catch(() => {});
  };

  const onEvent = (ev) => {
    const chatID = ev.chat_id;
    // A private event (joining or leaving a channel, a restriction, one's
    // rights) is not part of the chat's history: the chat is read again.
    if (ev.for_user && ev.type !== "read") {
      reloadSoon();
      setInfoVersion((v) => v + 1);
      return;
    }
    if (HISTORY_TYPES.has(ev.type) && ev.seq > 0) {
      setHistories((hs) => (hs[chatID] ? { ...hs, [chatID]: { ...hs[chatID], list: mergeBySeq(hs[chatID].list, [ev]) } } : hs));
      needUsers(MEMBER_TYPES.has(ev.type) ? [ev.actor_id, ev.target] : [ev.actor_id]);
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
    // A call's record is the chat's last event, but not an unread message.
    if (ev.type === "call") {
      if (!chatsRef.current.some((c) => c.id === chatID)) reloadSoon();
      setChats((cs) => {
        const c = cs.find((x) => x.id === chatID);
        if (!c) return cs;
        return [{ ...c, last_message: ev, last_seq: Math.max(c.last_seq, ev.seq) }, ...cs.filter((x) => x.id !== chatID)];
      });
    } else if (ev.type === "message") {
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
      if (ev.type === "pinned") setChats((cs) => cs.map((c) => (c.id === chatID ? { ...c, pinned_seq: ev.target } : c)));
      reloadSoon();
      setInfoVersion((v) => v + 1);
    }
  };

  useEffect(() => {
    const again = () => setMutes((n) => n + 1);
    window.addEventListener("chapar:muted", again);
    return () => window.removeEventListener("chapar:muted", again);
  }, []);

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
        // A call lives as long as the connection it was made on.
        if ((st === "offline" || st === "signed-out") && calls.current) calls.current.connectionLost();
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
      call: (f) => { if (calls.current) calls.current.frame(f); },
      callbackAnswer,
    });
    stream.current = s;
    const cs = new Calls(s, setCall, (id) => needUsers([id]));
    calls.current = cs;
    return () => { cs.close(); calls.current = null; setCall(null); s.close(); };
  }, [me && me.id]);

  // The open chat is in the address (#/c/ID): a reload keeps it open and
  // the browser's back button returns to the list.
  useEffect(() => {
    if (!me) return;
    const follow = () => {
      const id = chatFromHash();
      const code = inviteFromHash();
      setInvite(code);
      if (id && id !== currentRef.current) open(id);
      if (!id) setCurrent(null);
    };
    follow();
    window.addEventListener("hashchange", follow);
    return () => window.removeEventListener("hashchange", follow);
  }, [me && me.id]);

  // loadPreview reads a chat the user may not be in (a public one, found
  // by search or a link): it can be read before joining.
  const loadPreview = async (id) => {
    try {
      const c = await api("GET", "/v1/chats/" + id);
      setPreviews((ps) => ({ ...ps, [id]: c }));
      return c;
    } catch (err) {
      if (currentRef.current === id) { setNotice(err.message); setCurrent(null); }
      return null;
    }
  };

  const open = async (id) => {
    setCurrent(id);
    setPanel(null);
    setInvite(null);
    setNotice("");
    if (chatFromHash() !== id) location.hash = "#/c/" + id;
    if (!chatsRef.current.some((c) => c.id === id)) loadPreview(id);
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
      const { messages: page } = await api("GET", `/v1/chats/${id}/messages?limit=${PAGE}`);
      const messages = shown(page);
      needUsers(people(messages));
      const oldest = page.length ? page[0].seq : 0; // where the next page starts, even if nothing here is shown
      const next = (hs) => ({ ...hs, [id]: { list: mergeBySeq(hs[id].list, messages), complete: page.length < PAGE, loading: false, oldest } });
      historiesRef.current = next(historiesRef.current);
      setHistories(next);
      if (messages.length) markRead(id, messages[messages.length - 1].seq);
    } catch (err) {
      setHistories((hs) => { const c = { ...hs }; delete c[id]; return c; });
    }
  };

  const loadOlder = async (id) => {
    const h = historiesRef.current[id];
    if (!h || h.loading || h.complete) return;
    const from = Math.min(...[h.oldest, h.list.length && h.list[0].seq].filter(Boolean));
    if (!isFinite(from)) return;
    historiesRef.current = { ...historiesRef.current, [id]: { ...h, loading: true } };
    setHistories((hs) => ({ ...hs, [id]: { ...hs[id], loading: true } }));
    const { messages: page } = await api("GET", `/v1/chats/${id}/messages?before=${from}&limit=${PAGE}`);
    const messages = shown(page);
    needUsers(people(messages));
    const oldest = page.length ? page[0].seq : from;
    const next = (hs) => ({ ...hs, [id]: { list: mergeBySeq(hs[id].list, messages), complete: page.length < PAGE, loading: false, oldest } });
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

  // refresh loads a chat's newest page again (after joining it, so that
  // posts made while it was being read from outside are not missed).
  const refresh = async (id) => {
    const { messages: page } = await api("GET", `/v1/chats/${id}/messages?limit=${PAGE}`);
    const messages = shown(page);
    needUsers(people(messages));
    const next = (hs) => (hs[id] ? { ...hs, [id]: { ...hs[id], list: mergeBySeq(hs[id].list, messages) } } : hs);
    historiesRef.current = next(historiesRef.current);
    setHistories(next);
  };

  const join = async (id) => {
    await api("POST", `/v1/chats/${id}/join`);
    await loadChats();
    await refresh(id).catch(() => {});
  };

  // send posts a message; the promise settles with the ack, or the refusal
  // (a slow-mode refusal says how long to wait).
  const send = (chatID, fields, text) => {
    const { clientID, done } = stream.current.send(chatID, fields);
    if (text !== undefined) setPending((ps) => ({ ...ps, [chatID]: [...(ps[chatID] || []), { clientID, text }] }));
    return done.then((ack) => {
      // The ack carries the message: show it even if its event is late.
      setHistories((hs) => (hs[chatID] ? { ...hs, [chatID]: { ...hs[chatID], list: mergeBySeq(hs[chatID].list, [ack.event]) } } : hs));
      setPending((ps) => ({ ...ps, [chatID]: (ps[chatID] || []).filter((q) => q.clientID !== clientID) }));
      return ack;
    }, (err) => {
      slowModeError(err);
      setPending((ps) => ({ ...ps, [chatID]: (ps[chatID] || []).map((q) => (q.clientID === clientID ? { ...q, error: err.message } : q)) }));
      throw err;
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

  // Links in messages (rich.js) open chats: @mentions and tg:// links by
  // username (a person or bot, else a public group or channel), text
  // mentions by user id; a hashtag searches (on a phone, the list shows).
  useEffect(() => {
    if (!me) return;
    const byName = async (name) => {
      try { await start(name); return; } catch (err) {
        if (err.code !== "not_found") { toast(err.message); return; }
      }
      try {
        const c = await api("GET", "/v1/resolve/" + encodeURIComponent(name));
        setPreviews((ps) => ({ ...ps, [c.id]: c }));
        open(c.id);
      } catch (err) { toast(err.code === "not_found" ? t("notFound") : err.message); }
    };
    const byID = async (id) => {
      if (id === me.id) return;
      try {
        const c = await api("POST", "/v1/chats", { type: "direct", user_id: id });
        await loadChats();
        open(c.id);
      } catch (err) { toast(err.message); }
    };
    const onOpen = (e) => (e.detail.username ? byName(e.detail.username) : byID(e.detail.userID));
    const onSearch = () => { if (matchMedia("(max-width: 700px)").matches) location.hash = ""; };
    window.addEventListener("chapar:open", onOpen);
    window.addEventListener("chapar:search", onSearch);
    return () => { window.removeEventListener("chapar:open", onOpen); window.removeEventListener("chapar:search", onSearch); };
  }, [me && me.id]);

  const signOut = async () => {
    try { await api("POST", "/v1/auth/logout"); } catch (e) { /* signed out anyway */ }
    store.token = "";
    setMe(null);
    setChats([]); setHistories({}); setPending({}); setCurrent(null); setPanel(null); setPreviews({}); setNotice("");
    location.hash = "";
  };

  if (!me) return html`<${SignIn} onSignedIn=${setMe} onLang=${setLangState} />`;
  const listed = chats.find((c) => c.id === current);
  const chat = listed || (current && previews[current]) || null;
  const joined = !!listed;
  const typingNames = chat ? Object.keys(typing[chat.id] || {}).map((id) => {
    const u = users[id];
    return u ? u.display_name || "@" + u.username : "…";
  }) : [];

  let side = null;
  if (panel === "settings") {
    side = html`<${Settings} me=${me} onMe=${setMe} onSignOut=${signOut} onLang=${setLangState} onClose=${() => setPanel(null)}
      onOpenChat=${(name) => start(name).catch((err) => toast(err.message))} />`;
  } else if (panel === "newgroup") {
    side = html`<${NewChat} onClose=${() => setPanel(null)} onCreated=${async (c) => { await loadChats(); open(c.id); }} />`;
  } else if (panel === "info" && chat) {
    side = html`<${ChatInfo} chat=${chat} joined=${joined} me=${me} users=${users} needUsers=${needUsers} version=${infoVersion}
      onManage=${() => setPanel("admin")} onJoin=${() => join(chat.id)}
      onClose=${() => setPanel(null)} onLeft=${() => { setPanel(null); location.hash = ""; loadChats(); }} />`;
  } else if (panel === "admin" && chat && joined) {
    side = html`<${AdminPanel} chat=${chat} me=${me} users=${users} chats=${chats} needUsers=${needUsers} version=${infoVersion}
      onChanged=${() => loadChats().catch(() => {})} onBack=${() => setPanel("info")} onClose=${() => setPanel(null)} />`;
  } else if (panel && panel.forward) {
    side = html`<${ForwardPicker} chats=${chats.filter((c) => c.type !== "channel" || (c.my_rights || []).includes("post"))} users=${users} onClose=${() => setPanel(null)}
      onPick=${(id) => { send(id, { forward: { chat_id: panel.forward.chat_id, seq: panel.forward.seq } }).catch(() => {}); open(id); }} />`;
  }
  let main;
  if (invite && !chat) {
    main = html`<${InviteView} code=${invite} chats=${chats} onOpen=${(id) => open(id)} onBack=${() => { location.hash = ""; }}
      onJoined=${async (c) => { await loadChats(); open(c.id); }} />`;
  } else if (chat) {
    main = html`<${Conversation} key=${chat.id} chat=${chat} joined=${joined} users=${users} me=${me}
            history=${histories[chat.id] || { list: [], loading: true }} pending=${pending[chat.id] || []} typingNames=${typingNames}
            onSend=${(text, replyTo) => send(chat.id, withCommands(replyTo ? { text, reply_to: replyTo } : { text }, text), text)}
            onSendMedia=${(ids, caption, replyTo, label) => send(chat.id, { media: ids, ...(caption && { text: caption }), ...(replyTo && { reply_to: replyTo }) }, label)}
            onEdit=${(seq, text) => api("PATCH", `/v1/chats/${chat.id}/messages/${seq}`, withCommands({ text }, text))}
            onDelete=${(seq) => api("DELETE", `/v1/chats/${chat.id}/messages/${seq}`)}
            onPin=${(seq) => api("POST", `/v1/chats/${chat.id}/pin`, { seq })}
            onForward=${(m) => setPanel({ forward: m })}
            onLoadOlder=${() => loadOlder(chat.id).catch(() => {})}
            onTyping=${() => stream.current.live({ type: "typing", chat_id: chat.id })}
            onJoin=${() => join(chat.id)}
            onLeave=${async () => { await api("POST", `/v1/chats/${chat.id}/leave`); location.hash = ""; await loadChats(); }}
            onJump=${(seq) => openMessage(chat.id, seq)}
            onOpenChat=${(id) => { setFocus(null); open(id); }}
            focus=${focus && focus.chat === chat.id ? focus : null}
            onCall=${chat.type === "direct" && joined && chat.peer_id && !(users[chat.peer_id] && users[chat.peer_id].is_bot) ? (video) => calls.current && calls.current.start(chat, video) : null}
            inCall=${!!call && call.phase !== "ended"}
            onBack=${() => { location.hash = ""; }} onInfo=${() => setPanel("info")} />`;
  } else {
    main = html`<main class="conversation empty"><p class=${notice ? "notice" : ""} role=${notice ? "status" : undefined}>${notice || t("choose")}</p></main>`;
  }

  return html`
    <div class=${"layout" + (chat || invite ? " has-chat" : "") + (side ? " has-panel" : "")}>
      <p class=${"status " + status} role="status">${status === "online" ? "" : status === "connecting" ? t("connecting") : t("offline")}</p>
      <${ChatList} me=${me} chats=${chats} users=${users} current=${current} typing=${typing} onOpen=${(id) => { setFocus(null); open(id); }} onOpenMessage=${openMessage} onStart=${start}
        onNewGroup=${() => setPanel("newgroup")} onSettings=${() => setPanel("settings")} />
      ${main}
      ${side}
      ${call && calls.current && html`<${CallScreen} view=${call} calls=${calls.current} users=${users} />`}
      <${Notices} />
    </div>`;
}

render(html`<${App} />`, document.getElementById("app"));
