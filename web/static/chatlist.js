// The chat list: every chat with its last message, unread count and, for
// direct chats, whether the other person is online. Typing in the search
// box shows search results instead (search.js).
import { useState, useEffect } from "./vendor/hooks.module.js";
import { html, chatName, userName, Avatar, BotBadge, muted } from "./ui.js";
import { t, fmtTime, fmtNumber, dayKey } from "./i18n.js";
import { Results, shortDay } from "./search.js";
import { mediaLabel } from "./media.js";
import { callLabel } from "./calls.js";

export function ChatList({ me, chats, users, current, typing, onOpen, onOpenMessage, onStart, onNewGroup, onSettings }) {
  const [who, setWho] = useState("");
  const [error, setError] = useState("");
  const [query, setQuery] = useState("");
  // A hashtag clicked in a message searches for it (rich.js).
  useEffect(() => {
    const search = (e) => setQuery(e.detail.query);
    window.addEventListener("chapar:search", search);
    return () => window.removeEventListener("chapar:search", search);
  }, []);
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
        <button type="button" class="newgroup" onClick=${onNewGroup} aria-label=${t("newChatLabel")} title=${t("newChatLabel")}>+ ${t("newChat")}</button>
        <button type="button" class="link settings" onClick=${onSettings} aria-label=${t("settings")}>⚙</button>
      </div>
      <form class="search" role="search" onSubmit=${(e) => e.preventDefault()}>
        <input type="search" aria-label=${t("search")} placeholder=${t("search")} dir="auto" value=${query}
          onInput=${(e) => setQuery(e.target.value)} />
      </form>
      ${error && html`<p class="error" role="alert">${error}</p>`}
      ${query.trim() ? html`<${Results} query=${query} chats=${chats} users=${users} me=${me} onOpenMessage=${onOpenMessage}
        onOpen=${onOpen} onStart=${(name) => onStart(name).then(() => setQuery(""), (err) => setError(err.message))} />` : html`
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
              <span class="name" dir="auto">${c.type === "channel" && html`<span class="kind" aria-hidden="true">📢 </span>`}${name}${c.type === "direct" && html`<${BotBadge} user=${peer} />`}${muted.has(c.id) && html`<span class="muted-mark" aria-label=${t("mutedMark")}> 🔕</span>`}</span>
              ${last && html`<time class="when" datetime=${last.date}>${dayKey(last.date) === dayKey(Date.now()) ? fmtTime(last.date) : shortDay(last.date)}</time>`}
              <span class="last">${who ? html`<em>${t("typing")}</em>` : lastLine(c, me, users)}</span>
              ${c.unread > 0 && html`<span class=${"unread" + (muted.has(c.id) ? " quiet" : "")} aria-label=${c.unread + " " + t("unread")}>${c.unread >= 1000 ? fmtNumber(999) + "+" : fmtNumber(c.unread)}</span>`}
            </button>
          </li>`;
        })}
      </ul>`}
    </nav>`;
}

function lastLine(c, me, users) {
  const m = c.last_message;
  if (!m) return "";
  if (m.type === "call") return html`<bdi>${callLabel(m, me.id)}</bdi>`;
  if (m.type !== "message") return "";
  const text = m.deleted ? t("deleted") : mediaLabel(m);
  // The sender and the text are isolated from each other, so that a
  // Persian message after an English name (or the reverse) keeps its order.
  // A channel's post is its own: the author is not named in the list.
  if (c.type === "channel") return html`<bdi>${text}</bdi>`;
  if (c.type === "group" || m.actor_id === me.id) {
    const who = m.actor_id === me.id ? t("you") : userName(users[m.actor_id]);
    return html`<bdi>${who}</bdi>: <bdi>${text}</bdi>`;
  }
  return html`<bdi>${text}</bdi>`;
}
