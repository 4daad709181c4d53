// A conversation: its history (loading older messages as the user scrolls
// up, without limit), the composer, and what can be done with a message:
// reply, edit, delete, forward.
import { useState, useEffect, useLayoutEffect, useRef } from "./vendor/hooks.module.js";
import { html, chatName, userName, presenceText, Avatar } from "./ui.js";
import { t, fmtTime, fmtDay, fmtNumber, dayKey } from "./i18n.js";

export function Conversation(p) {
  const { chat, me, users, history, pending, typingNames } = p;
  const [selected, setSelected] = useState(0); // seq whose actions are open
  const [confirm, setConfirm] = useState(false);
  const [replyTo, setReplyTo] = useState(null);
  const [editing, setEditing] = useState(null);
  const [text, setText] = useState("");
  const [error, setError] = useState("");
  const list = useRef(null);
  const input = useRef(null);
  const stick = useRef(true);     // the view follows new messages while at the bottom
  const before = useRef(null);    // scroll height before older messages were added
  const lastTyping = useRef(0);

  const msgs = history.list;
  const bySeq = new Map(msgs.map((m) => [m.seq, m]));
  const isGroup = chat.type === "group";
  const admin = chat.role === "owner" || chat.role === "admin";

  // Keep the view where the reader is: at the bottom as messages arrive,
  // or on the same message when older ones are added above.
  useLayoutEffect(() => {
    const el = list.current;
    if (!el) return;
    if (before.current !== null) {
      el.scrollTop += el.scrollHeight - before.current;
      before.current = null;
    } else if (stick.current) {
      el.scrollTop = el.scrollHeight;
    }
  });

  const loadOlder = () => {
    if (history.loading || history.complete) return;
    before.current = list.current.scrollHeight;
    p.onLoadOlder();
  };
  const onScroll = () => {
    const el = list.current;
    stick.current = el.scrollHeight - el.scrollTop - el.clientHeight < 80;
    if (el.scrollTop < 200) loadOlder();
  };
  // A message chosen in search results is brought into view once it is
  // loaded, and marked.
  const shown = useRef(0);
  useEffect(() => {
    if (!p.focusSeq || shown.current === p.focusSeq) return;
    const el = list.current && list.current.querySelector(`li[data-seq="${p.focusSeq}"]`);
    if (!el) return;
    shown.current = p.focusSeq;
    stick.current = false;
    el.scrollIntoView({ block: "center" });
  });

  // A short history that does not fill the view cannot be scrolled: load more.
  useEffect(() => {
    const el = list.current;
    if (el && el.scrollHeight <= el.clientHeight + 10) { stick.current = true; loadOlder(); }
  }, [msgs.length, history.loading, history.complete]);

  const reset = () => { setReplyTo(null); setEditing(null); setText(""); setError(""); };
  const submit = async () => {
    const body = text.trim();
    if (!body) return;
    setError("");
    if (editing) {
      try { await p.onEdit(editing.seq, body); reset(); } catch (err) { setError(err.message); }
      return;
    }
    stick.current = true;
    p.onSend(body, replyTo ? replyTo.seq : 0);
    reset();
  };
  const keyDown = (e) => {
    if (e.key === "Enter" && !e.shiftKey && !e.isComposing) { e.preventDefault(); submit(); }
    if (e.key === "Escape" && (replyTo || editing)) { e.preventDefault(); reset(); }
  };
  const onInput = (e) => {
    setText(e.target.value);
    const now = Date.now();
    if (!editing && now - lastTyping.current > 3000) { lastTyping.current = now; p.onTyping(); }
  };
  const act = (what, m) => {
    setSelected(0);
    setConfirm(false);
    if (what === "reply") { setEditing(null); setReplyTo(m); }
    if (what === "edit") { setReplyTo(null); setEditing(m); setText(m.text); }
    if (what === "forward") p.onForward(m);
    if (what === "delete") p.onDelete(m.seq).catch((err) => setError(err.message));
    if (input.current) input.current.focus();
  };

  const peer = users[chat.peer_id];
  const subtitle = typingNames.length ? (isGroup ? t("typingWho", typingNames.join(", ")) : t("typing"))
    : isGroup ? t("members", fmtNumber(chat.members_count)) : presenceText(peer);
  const name = (id) => (id === me.id ? t("you") : userName(users[id]));

  const rows = [];
  let day = "";
  if (history.complete) rows.push(html`<li class="beginning" key="beginning">${t("beginning")}</li>`);
  else if (history.loading) rows.push(html`<li class="loading" key="loading">${t("loading")}</li>`);
  for (const m of msgs) {
    // A direct chat's creation is not news to either person.
    if (m.type !== "message" && !isGroup) continue;
    if (dayKey(m.date) !== day) {
      day = dayKey(m.date);
      rows.push(html`<li class="day" key=${"d" + day}><time datetime=${m.date}>${fmtDay(m.date)}</time></li>`);
    }
    if (m.type !== "message") {
      rows.push(html`<li class="service-row" key=${m.seq}><small class="service" dir="auto">${serviceText(m, name)}</small></li>`);
      continue;
    }
    const mine = m.actor_id === me.id;
    const open = selected === m.seq;
    const tick = mine && (chat.peer_read_seq >= m.seq ? ["read", "✓✓"] : ["sent", "✓"]);
    rows.push(html`
      <li key=${m.seq} class=${"msg" + (mine ? " mine" : "") + (open ? " selected" : "") + (m.seq === p.focusSeq ? " found" : "")} data-seq=${m.seq}>
        ${isGroup && !mine && html`<span class="sender" dir="auto">${name(m.actor_id)}</span>`}
        ${m.forward && html`<span class="fwd" dir="auto">${t("forwardedFrom", name(m.forward.sender_id))}</span>`}
        ${m.reply_to > 0 && html`<${Quote} m=${bySeq.get(m.reply_to)} name=${name} />`}
        ${m.deleted ? html`<span class="text deleted">${t("deleted")}</span>` : html`<span class="text" dir="auto">${m.text}</span>`}
        <span class="meta">
          ${m.edited_at && !m.deleted && html`<span class="edited">${t("edited")}</span>`}
          <time datetime=${m.date}>${fmtTime(m.date)}</time>
          ${tick && html`<span class=${"tick " + tick[0]} title=${t(tick[0])} aria-label=${t(tick[0])}>${tick[1]}</span>`}
        </span>
        ${!m.deleted && html`<button type="button" class="more" aria-label=${t("actions")} aria-expanded=${open}
          onClick=${() => { setSelected(open ? 0 : m.seq); setConfirm(false); }}>⋯</button>`}
        ${open && html`<div class="actions" role="group" aria-label=${t("actions")}>
          <button type="button" class="act-reply" onClick=${() => act("reply", m)}>${t("reply")}</button>
          <button type="button" class="act-forward" onClick=${() => act("forward", m)}>${t("forward")}</button>
          ${mine && !m.forward && html`<button type="button" class="act-edit" onClick=${() => act("edit", m)}>${t("edit")}</button>`}
          ${(mine || (isGroup && admin)) && (confirm
            ? html`<button type="button" class="act-confirm danger" onClick=${() => act("delete", m)}>${t("confirmDelete")}</button>`
            : html`<button type="button" class="act-delete" onClick=${() => setConfirm(true)}>${t("delete")}</button>`)}
          <button type="button" class="link" onClick=${() => setSelected(0)}>${t("cancel")}</button>
        </div>`}
      </li>`);
  }
  for (const q of pending) {
    rows.push(html`
      <li key=${q.clientID} class=${"msg mine pending" + (q.error ? " failed" : "")}>
        <span class="text" dir="auto">${q.text}</span>
        <span class="meta">${q.error
          ? html`<span class="tick failed" role="alert">${t("failed", q.error)}</span>`
          : html`<span class="tick pending" title=${t("pending")} aria-label=${t("pending")}>🕓</span>`}</span>
      </li>`);
  }

  return html`
    <main class="conversation" aria-label=${chatName(chat, users)}>
      <header>
        <button type="button" class="link back" onClick=${p.onBack} aria-label=${t("back")}>${document.documentElement.dir === "rtl" ? "→" : "←"}</button>
        <button type="button" class="title" onClick=${p.onInfo} aria-label=${t("info")}>
          <${Avatar} name=${chatName(chat, users)} id=${chat.peer_id || chat.id} online=${peer && peer.online} />
          <span><strong dir="auto">${chatName(chat, users)}</strong><small class="subtitle">${subtitle}</small></span>
        </button>
      </header>
      <ol class="messages" ref=${list} onScroll=${onScroll} aria-live="polite">${rows}</ol>
      <form class="composer" onSubmit=${(e) => { e.preventDefault(); submit(); }}>
        ${(replyTo || editing) && html`
          <div class="context">
            <span dir="auto">${replyTo ? t("replyingTo", name(replyTo.actor_id)) + ": " + clip(replyTo.text) : t("editing")}</span>
            <button type="button" class="link cancel" onClick=${reset}>${t("cancel")}</button>
          </div>`}
        ${error && html`<p class="error" role="alert">${error}</p>`}
        <textarea ref=${input} aria-label=${t("message")} placeholder=${t("message")} dir="auto" rows="1" value=${text}
          onKeyDown=${keyDown} onInput=${onInput}></textarea>
        <button type="submit" class="send">${editing ? t("save") : t("send")}</button>
      </form>
    </main>`;
}

function Quote({ m, name }) {
  if (!m) return html`<span class="quote">…</span>`;
  const jump = () => {
    const el = document.querySelector(`li[data-seq="${m.seq}"]`);
    if (el) el.scrollIntoView({ block: "center" });
  };
  return html`<button type="button" class="quote" onClick=${jump}>
    <span class="quote-name">${name(m.actor_id)}</span> <span class="quote-text" dir="auto">${m.deleted ? t("deleted") : clip(m.text)}</span></button>`;
}

const clip = (s) => ([...(s || "")].length > 80 ? [...s].slice(0, 80).join("") + "…" : s || "");

function serviceText(m, name) {
  switch (m.type) {
    case "chat_created": return t("chat_created", name(m.actor_id));
    case "member_added": case "member_removed": return t(m.type, name(m.actor_id), name(m.target));
    case "member_left": return t("member_left", name(m.actor_id));
    case "role_changed": return t("role_changed", name(m.actor_id), name(m.target), t(m.role));
    case "title_changed": return t("title_changed", name(m.actor_id), m.text);
  }
  return m.type;
}
