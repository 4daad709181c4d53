// The chat list: every chat with its last message, unread count and, for
// direct chats, whether the other person is online.
import { useState, useEffect } from "./vendor/hooks.module.js";
import { api } from "./net.js";
import { html, chatName, userName, Avatar } from "./ui.js";
import { t, fmtTime, fmtNumber, dayKey } from "./i18n.js";

export function ChatList({ me, chats, users, current, typing, onOpen, onOpenMessage, onStart, onNewGroup, onSettings }) {
  const [who, setWho] = useState("");
  const [error, setError] = useState("");
  const [query, setQuery] = useState("");
  const start = async (e) => {
    e.preventDefault();
    if (!who.trim()) return;
    setError("");
    try { await onStart(who.trim()); setWho(""); } catch (err) { setError(err.code === "not_found" ? t("notFound") : err.message); }
  };
  return html`
    <nav class="chats" aria-label=${t("chats")}>
      <div class="toolbar">
        <form class="start" onSubmit=${start}>
          <input aria-label=${t("startChat")} placeholder=${t("startChat")} dir="auto" value=${who} onInput=${(e) => setWho(e.target.value)} />
        </form>
        <button type="button" class="newgroup" onClick=${onNewGroup}>${t("newGroup")}</button>
        <button type="button" class="link settings" onClick=${onSettings} aria-label=${t("settings")}>⚙</button>
      </div>
      <form class="search" role="search" onSubmit=${(e) => e.preventDefault()}>
        <input type="search" aria-label=${t("searchMessages")} placeholder=${t("searchMessages")} dir="auto" value=${query}
          onInput=${(e) => setQuery(e.target.value)} />
      </form>
      ${error && html`<p class="error" role="alert">${error}</p>`}
      ${query.trim() ? html`<${Results} query=${query} chats=${chats} users=${users} me=${me} onOpenMessage=${onOpenMessage} />` : html`
      <ul>
        ${chats.map((c) => {
          const peer = users[c.peer_id];
          const name = chatName(c, users);
          const last = c.last_message;
          const who = typing[c.id] && Object.keys(typing[c.id]).length > 0;
          return html`
          <li key=${c.id}>
            <button class=${c.id === current ? "chat current" : "chat"} onClick=${() => onOpen(c.id)} aria-current=${c.id === current ? "true" : undefined}>
              <${Avatar} name=${name} id=${c.peer_id || c.id} online=${peer && peer.online} />
              <span class="name" dir="auto">${name}</span>
              ${last && html`<time class="when" datetime=${last.date}>${dayKey(last.date) === dayKey(Date.now()) ? fmtTime(last.date) : shortDay(last.date)}</time>`}
              <span class="last">${who ? html`<em>${t("typing")}</em>` : lastLine(c, me, users)}</span>
              ${c.unread > 0 && html`<span class="unread" aria-label=${c.unread + " " + t("unread")}>${fmtNumber(c.unread)}</span>`}
            </button>
          </li>`;
        })}
      </ul>`}
    </nav>`;
}

// Results searches as the user types (a moment after they stop) and lists
// the messages found; choosing one opens the chat at that message.
function Results({ query, chats, users, me, onOpenMessage }) {
  const [found, setFound] = useState(null);
  const [error, setError] = useState("");
  useEffect(() => {
    let stale = false;
    const timer = setTimeout(async () => {
      try {
        const r = await api("GET", "/v1/search/messages?q=" + encodeURIComponent(query) + "&limit=50");
        if (!stale) { setFound(r.messages); setError(""); }
      } catch (err) { if (!stale) { setFound([]); setError(err.code === "invalid_argument" ? "" : err.message); } }
    }, 250);
    return () => { stale = true; clearTimeout(timer); };
  }, [query]);
  if (found === null) return html`<p class="muted results-note">${t("loading")}</p>`;
  if (error) return html`<p class="error" role="alert">${error}</p>`;
  if (found.length === 0) return html`<p class="muted results-note">${t("noResults")}</p>`;
  return html`<ul class="results">
    ${found.map((m) => {
      const c = chats.find((x) => x.id === m.chat_id);
      return html`<li key=${m.pos}><button type="button" class="chat result" onClick=${() => onOpenMessage(m.chat_id, m.seq)}>
        <${Avatar} name=${c ? chatName(c, users) : "?"} id=${c ? c.peer_id || c.id : m.chat_id} />
        <span class="name" dir="auto">${c ? chatName(c, users) : "…"}</span>
        <time class="when" datetime=${m.date}>${shortDay(m.date)}</time>
        <span class="last"><bdi>${m.actor_id === me.id ? t("you") : userName(users[m.actor_id])}</bdi>: <bdi>${m.text}</bdi></span>
      </button></li>`;
    })}
  </ul>`;
}

function shortDay(d) {
  return new Date(d).toLocaleDateString(document.documentElement.lang === "fa" ? "fa-IR-u-ca-persian" : "en-GB", { day: "numeric", month: "short" });
}

function lastLine(c, me, users) {
  const m = c.last_message;
  if (!m) return "";
  if (m.type !== "message") return "";
  const text = m.deleted ? t("deleted") : m.text || "";
  // The sender and the text are isolated from each other, so that a
  // Persian message after an English name (or the reverse) keeps its order.
  if (c.type === "group" || m.actor_id === me.id) {
    const who = m.actor_id === me.id ? t("you") : userName(users[m.actor_id]);
    return html`<bdi>${who}</bdi>: <bdi>${text}</bdi>`;
  }
  return html`<bdi>${text}</bdi>`;
}
