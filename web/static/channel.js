// Channel pages and the pieces groups share with them: view counts and
// reactions under posts (fetched for the posts on screen, since counts are
// not pushed), the pinned-message bar, the join / mute / leave bar, and the
// invite-link preview (#/join/CODE).
import { useState, useEffect, useRef } from "./vendor/hooks.module.js";
import { html, Avatar, muted } from "./ui.js";
import { t, fmtNumber, count } from "./i18n.js";
import { api } from "./net.js";
import { mediaLabel } from "./media.js";

// The reactions the server accepts (docs/API.md), one per user per message.
export const REACTIONS = ["👍", "👎", "❤️", "🔥", "🎉", "😁", "😢", "😮", "🙏", "👏", "🤔", "💯"];
const REFRESH_MS = 15000;

// usePostStats keeps the views and reactions of a channel's posts. A post
// that comes on screen is reported as viewed (once per page), and the
// counts of the posts on screen are asked for again every 15 s while the
// page is visible. It returns the stats by seq and a function to react.
export function usePostStats(chat, listRef, msgs, enabled) {
  const [stats, setStats] = useState({});
  const visible = useRef(new Set());
  const viewed = useRef(new Set());
  const queued = useRef(new Set());
  const flushTimer = useRef(0);

  const merge = (list) => setStats((s) => {
    const next = { ...s };
    for (const x of list) next[x.seq] = { views: x.views, reactions: x.reactions || [] };
    return next;
  });
  const ask = async (seqs) => {
    for (let i = 0; i < seqs.length; i += 100) {
      try {
        const r = await api("POST", `/v1/chats/${chat.id}/stats`, { seqs: seqs.slice(i, i + 100), view: true });
        merge(r.stats);
      } catch (e) { /* counts are a nicety: try again on the next round */ }
    }
  };

  // Posts that just came on screen are asked about together, a moment later.
  const queue = (seqs) => {
    for (const s of seqs) queued.current.add(s);
    clearTimeout(flushTimer.current);
    flushTimer.current = setTimeout(() => {
      const list = [...queued.current];
      queued.current.clear();
      ask(list);
    }, 200);
  };

  useEffect(() => {
    const root = listRef.current;
    if (!enabled || !root) return;
    visible.current = new Set();
    const io = new IntersectionObserver((entries) => {
      const fresh = [];
      for (const e of entries) {
        const seq = Number(e.target.dataset.seq);
        if (e.isIntersecting) {
          visible.current.add(seq);
          if (!viewed.current.has(seq)) { viewed.current.add(seq); fresh.push(seq); }
        } else visible.current.delete(seq);
      }
      if (fresh.length) queue(fresh);
    }, { root, threshold: 0.01 });
    root.querySelectorAll("li.msg[data-seq]").forEach((el) => io.observe(el));
    return () => io.disconnect();
  }, [enabled, chat.id, msgs.length, msgs.length && msgs[msgs.length - 1].seq]);

  useEffect(() => {
    if (!enabled) return;
    const timer = setInterval(() => {
      if (document.visibilityState === "visible" && visible.current.size) ask([...visible.current].sort((a, b) => a - b));
    }, REFRESH_MS);
    return () => { clearInterval(timer); clearTimeout(flushTimer.current); };
  }, [enabled, chat.id]);

  const react = async (seq, emoji) => {
    const r = await api("PUT", `/v1/chats/${chat.id}/messages/${seq}/reaction`, { emoji });
    if (r) merge([r]);
  };
  return [stats, react];
}

// PostFooter is the line under a channel post: reactions (each a button
// that adds or takes back yours), a button to add one, the view count, and
// "Comments" when the channel has a discussion group.
export function PostFooter({ m, st, joined, onReact, onComments }) {
  const [picking, setPicking] = useState(false);
  const [error, setError] = useState("");
  const views = st ? st.views : m.views || 0;
  const reactions = (st && st.reactions) || [];
  const mine = reactions.find((r) => r.mine);
  const choose = (emoji) => {
    setPicking(false);
    setError("");
    onReact(m.seq, mine && mine.emoji === emoji ? "" : emoji).catch((err) => setError(err.message));
  };
  return html`
    <div class="post-foot">
      ${reactions.map((r) => html`<button type="button" key=${r.emoji} class=${"reaction" + (r.mine ? " mine" : "")} aria-pressed=${r.mine ? "true" : "false"}
          disabled=${!joined} data-emoji=${r.emoji} aria-label=${t(r.mine ? "reactionCount" : "reactionOthers", r.emoji, fmtNumber(r.count))}
          onClick=${() => choose(r.emoji)}>${r.emoji} <span class="count">${fmtNumber(r.count)}</span></button>`)}
      ${joined && html`<button type="button" class="link react" aria-label=${t("react")} aria-expanded=${picking} onClick=${() => setPicking(!picking)}>☺+</button>`}
      ${onComments && html`<button type="button" class="link comments" onClick=${onComments}>💬 ${t("comments")}</button>`}
      <span class="views" aria-label=${t("views", fmtNumber(views))} title=${t("views", fmtNumber(views))}>👁 ${fmtNumber(views)}</span>
      ${picking && html`<div class="reaction-picker" role="group" aria-label=${t("react")}>
        ${REACTIONS.map((e) => html`<button type="button" key=${e} class="link pick-reaction" aria-label=${t("reactWith", e)} onClick=${() => choose(e)}>${e}</button>`)}
      </div>`}
      ${error && html`<p class="error" role="alert">${error}</p>`}
    </div>`;
}

// PinnedBar shows the pinned message at the top of a chat; choosing it
// jumps to the message. A message not loaded yet is fetched for its text.
export function PinnedBar({ chat, bySeq, onJump, canPin, onUnpin }) {
  const seq = chat.pinned_seq;
  const [fetched, setFetched] = useState(null);
  const loaded = bySeq.get(seq);
  useEffect(() => {
    setFetched(null);
    if (!seq || loaded) return;
    let stale = false;
    api("GET", `/v1/chats/${chat.id}/messages?before=${seq + 1}&limit=1`)
      .then((r) => { if (!stale) setFetched(r.messages.find((x) => x.seq === seq) || null); }).catch(() => {});
    return () => { stale = true; };
  }, [chat.id, seq, !!loaded]);
  if (!seq) return null;
  const m = loaded || fetched;
  const text = m ? (m.deleted ? t("deleted") : mediaLabel(m)) : "…";
  return html`
    <div class="pinned-bar">
      <button type="button" class="pinned" onClick=${() => onJump(seq)} aria-label=${t("pinned") + ": " + text}>
        <span class="pin-mark" aria-hidden="true">📌</span>
        <span class="pinned-body"><strong>${t("pinned")}</strong><span class="pinned-text" dir="auto">${text}</span></span>
      </button>
      ${canPin && html`<button type="button" class="link unpin" aria-label=${t("unpin")} title=${t("unpin")} onClick=${onUnpin}>✕</button>`}
    </div>`;
}

// ChatBar replaces the composer for those who may not post: "Join" for a
// public chat one is not in, and Mute / Leave for a channel's subscribers.
export function ChatBar({ chat, joined, onJoin, onLeave }) {
  const [error, setError] = useState("");
  const [busy, setBusy] = useState(false);
  const [isMuted, setMuted] = useState(muted.has(chat.id));
  const run = (fn) => async () => {
    setError(""); setBusy(true);
    try { await fn(); } catch (err) { setError(err.message); } finally { setBusy(false); }
  };
  const channel = chat.type === "channel";
  return html`
    <div class="chat-bar">
      ${!joined
        ? html`<button type="button" class="join" disabled=${busy} onClick=${run(onJoin)}>${channel ? t("joinChannel") : t("joinGroup")}</button>`
        : html`
          <span class="muted read-only">${t("readOnly")}</span>
          <button type="button" class="link mute" onClick=${() => { muted.set(chat.id, !isMuted); setMuted(!isMuted); }}>${isMuted ? t("unmute") : t("mute")}</button>
          <button type="button" class="link leave-channel danger-text" disabled=${busy} onClick=${run(onLeave)}>${t("leaveChannel")}</button>`}
      ${error && html`<p class="error" role="alert">${error}</p>`}
    </div>`;
}

// InviteView is what #/join/CODE shows: where the link leads, and Join
// (or "Request to join" for a link that needs an admin's approval).
export function InviteView({ code, chats, onOpen, onJoined, onBack }) {
  const [preview, setPreview] = useState(null);
  const [error, setError] = useState("");
  const [pending, setPending] = useState(null); // chat id waiting for approval
  const [busy, setBusy] = useState(false);
  useEffect(() => {
    setPreview(null); setError(""); setPending(null);
    api("GET", "/v1/invites/" + encodeURIComponent(code)).then(setPreview, (err) => setError(err.message));
  }, [code]);
  // Once an admin approves, the chat arrives in the list: open it.
  useEffect(() => {
    if (pending && chats.some((c) => c.id === pending)) onOpen(pending);
  }, [pending, chats]);
  const join = async () => {
    setError(""); setBusy(true);
    try {
      const r = await api("POST", `/v1/invites/${encodeURIComponent(code)}/join`);
      if (r.pending) setPending(r.chat_id);
      else await onJoined(r);
    } catch (err) { setError(err.message); } finally { setBusy(false); }
  };
  const c = preview && preview.chat;
  return html`
    <main class="conversation invite-view" aria-label=${t("invitation")}>
      <header>
        <button type="button" class="link back" onClick=${onBack} aria-label=${t("back")}>${document.documentElement.dir === "rtl" ? "→" : "←"}</button>
        <strong class="invite-heading">${t("invitation")}</strong>
      </header>
      <div class="invite-card">
        ${!c && !error && html`<p class="muted">${t("loading")}</p>`}
        ${c && html`
          <${Avatar} name=${c.title} id=${c.id} />
          <p class="muted">${t("inviteTo")}</p>
          <h2 dir="auto">${c.title}</h2>
          ${c.username && html`<p dir="ltr" class="muted">@${c.username}</p>`}
          <p class="muted">${c.type === "channel" ? count("subscribers", c.members_count) : count("members", c.members_count)}</p>
          ${c.about && html`<p dir="auto" class="about">${c.about}</p>`}
          ${preview.chat.joined
            ? html`<p>${t("alreadyIn")}</p><button type="button" class="open-chat" onClick=${() => onOpen(c.id)}>${t("openChat")}</button>`
            : pending
              ? html`<p class="ok" role="status">${t("requestSent")}</p>`
              : html`<button type="button" class="join-invite" disabled=${busy} onClick=${join}>${preview.needs_approval ? t("requestJoin") : c.type === "channel" ? t("joinChannel") : t("joinGroup")}</button>`}`}
        ${error && html`<p class="error" role="alert">${error}</p>`}
      </div>
    </main>`;
}
