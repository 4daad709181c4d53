// Search, as the user types in the chat list's search box (a moment after
// they stop): public channels and groups and people from the directory,
// messages of one's own chats, and posts of public channels. Choosing a
// chat opens it (one not joined yet is read from outside, with "Join"); a
// person starts a chat; a message opens its chat at that message.
import { useState, useEffect } from "./vendor/hooks.module.js";
import { api } from "./net.js";
import { html, chatName, userName, Avatar, BotBadge } from "./ui.js";
import { t, count } from "./i18n.js";
import { mediaLabel } from "./media.js";

export function Results({ query, chats, users, me, onOpenMessage, onOpen, onStart }) {
  const [found, setFound] = useState(null);
  const [error, setError] = useState("");
  const [others, setOthers] = useState({}); // chat id → Chat, for public posts' channels
  useEffect(() => {
    let stale = false;
    const q = query.trim();
    const timer = setTimeout(async () => {
      const enc = encodeURIComponent(q);
      // "@name" looks for a chat or person only.
      const byName = q.startsWith("@");
      const get = (path) => api("GET", path).catch((err) => ({ error: err }));
      const [dir, mine, pub] = await Promise.all([
        get(`/v1/search/directory?q=${enc}&limit=10`),
        byName ? {} : get(`/v1/search/messages?q=${enc}&limit=50`),
        byName ? {} : get(`/v1/search/public?q=${enc}&limit=20`),
      ]);
      if (stale) return;
      // A query with nothing to look for is not an error worth showing.
      const failed = [dir, mine, pub].map((r) => r.error).find((e) => e && e.code !== "invalid_argument");
      setError(failed ? failed.message : "");
      const messages = mine.messages || [];
      const seen = new Set(messages.map((m) => m.pos));
      setFound({
        chats: (dir.chats || []),
        people: (dir.users || []).filter((u) => u.id !== me.id),
        messages,
        posts: (pub.messages || []).filter((m) => !seen.has(m.pos)),
      });
    }, 300);
    return () => { stale = true; clearTimeout(timer); };
  }, [query]);

  // The channels public posts come from, when not among one's own chats.
  useEffect(() => {
    if (!found) return;
    const want = [...new Set(found.posts.map((m) => m.chat_id))].filter((id) => !chats.some((c) => c.id === id) && !others[id]);
    for (const id of want) {
      api("GET", "/v1/chats/" + id).then((c) => setOthers((o) => ({ ...o, [id]: c })), () => {});
    }
  }, [found]);

  if (found === null) return html`<p class="muted results-note">${t("loading")}</p>`;
  const empty = !found.chats.length && !found.people.length && !found.messages.length && !found.posts.length;
  const chatOf = (id) => chats.find((c) => c.id === id) || others[id];
  return html`
    ${error && html`<p class="error" role="alert">${error}</p>`}
    ${empty && !error && html`<p class="muted results-note">${t("noResults")}</p>`}
    ${found.chats.length > 0 && html`<h3 class="results-head">${t("sectionChats")}</h3>
    <ul class="results dir-chats">
      ${found.chats.map((c) => html`<li key=${c.id}><button type="button" class="chat result dir-chat" data-username=${c.username || ""} onClick=${() => onOpen(c.id)}>
        <${Avatar} name=${c.title} id=${c.id} />
        <span class="name" dir="auto">${c.type === "channel" && html`<span class="kind" aria-hidden="true">📢 </span>`}${c.title}</span>
        <span class="last"><bdi dir="ltr">${c.username ? "@" + c.username : ""}</bdi> · ${c.type === "channel" ? count("subscribers", c.members_count) : count("members", c.members_count)}</span>
      </button></li>`)}
    </ul>`}
    ${found.people.length > 0 && html`<h3 class="results-head">${t("sectionPeople")}</h3>
    <ul class="results people">
      ${found.people.map((u) => html`<li key=${u.id}><button type="button" class="chat result person" disabled=${!u.username} onClick=${() => onStart("@" + u.username)}>
        <${Avatar} name=${userName(u)} id=${u.id} online=${u.online} />
        <span class="name" dir="auto">${userName(u)}<${BotBadge} user=${u} /></span>
        <span class="last"><bdi dir="ltr">${u.username ? "@" + u.username : ""}</bdi></span>
      </button></li>`)}
    </ul>`}
    ${found.messages.length > 0 && html`<h3 class="results-head">${t("sectionMessages")}</h3>
    <ul class="results messages-found">
      ${found.messages.map((m) => html`<li key=${m.pos}><${MessageResult} m=${m} c=${chatOf(m.chat_id)} users=${users} me=${me} onOpenMessage=${onOpenMessage} /></li>`)}
    </ul>`}
    ${found.posts.length > 0 && html`<h3 class="results-head">${t("sectionPublic")}</h3>
    <ul class="results public-posts">
      ${found.posts.map((m) => html`<li key=${m.pos}><${MessageResult} m=${m} c=${chatOf(m.chat_id)} users=${users} me=${me} onOpenMessage=${onOpenMessage} /></li>`)}
    </ul>`}`;
}

function MessageResult({ m, c, users, me, onOpenMessage }) {
  const name = c ? chatName(c, users) : "…";
  // A channel's unsigned post is the channel's own.
  const who = m.actor_id === me.id ? t("you") : m.actor_id ? userName(users[m.actor_id]) : name;
  return html`<button type="button" class="chat result" onClick=${() => onOpenMessage(m.chat_id, m.seq)}>
    <${Avatar} name=${c ? name : "?"} id=${c ? c.peer_id || c.id : m.chat_id} />
    <span class="name" dir="auto">${name}</span>
    <time class="when" datetime=${m.date}>${shortDay(m.date)}</time>
    <span class="last"><bdi>${who}</bdi>: <bdi>${mediaLabel(m)}</bdi></span>
  </button>`;
}

export function shortDay(d) {
  return new Date(d).toLocaleDateString(document.documentElement.lang === "fa" ? "fa-IR-u-ca-persian" : "en-GB", { day: "numeric", month: "short" });
}
