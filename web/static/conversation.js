// A conversation: its history (loading older messages as the user scrolls
// up, without limit), the composer, and what can be done with a message:
// reply, edit, delete, forward, pin. Channels add views and reactions under
// posts, and show subscribers a Mute / Leave bar instead of the composer
// (channel.js); a public chat one is not in shows "Join". Messages show
// their media (media.js); the composer attaches files and records voice
// notes (attach.js). A direct chat's header has the call buttons, and its
// history shows the calls (calls.js). Text shows its formatting (rich.js);
// bots' messages their buttons, and a chat with a bot its keyboard, its
// commands and, while empty, a Start button (bots.js).
import { useState, useEffect, useLayoutEffect, useRef } from "./vendor/hooks.module.js";
import { html, chatName, userName, presenceText, Avatar, BotBadge, can } from "./ui.js";
import { t, fmtTime, fmtDay, fmtNumber, dayKey, count, lang } from "./i18n.js";
import { usePostStats, PostFooter, PinnedBar, ChatBar } from "./channel.js";
import { MediaBlock, Viewer, mediaLabel } from "./media.js";
import { useTray, useRecorder, albums, canRecord, Tray, RecordBar, MAX_CAPTION } from "./attach.js";
import { callLabel, missedCall } from "./calls.js";
import { RichText } from "./rich.js";
import { InlineKeyboard, hasInline, ReplyKeyboard, useReplyKeyboard, forceReply, useCommandMenu, CommandMenu,
  useBotInfo, BotIntro, StartBar } from "./bots.js";

export function Conversation(p) {
  const { chat, me, users, history, pending, typingNames } = p;
  const [selected, setSelected] = useState(0); // seq whose actions are open
  const [confirm, setConfirm] = useState(false);
  const [replyTo, setReplyTo] = useState(null);
  const [editing, setEditing] = useState(null);
  const [text, setText] = useState("");
  const [error, setError] = useState("");
  const [viewer, setViewer] = useState(null); // {list, index}: photos and videos shown full screen
  const [dragging, setDragging] = useState(false);
  const list = useRef(null);
  const input = useRef(null);
  const picker = useRef(null);
  const stick = useRef(true);     // the view follows new messages while at the bottom
  const before = useRef(null);    // scroll height before older messages were added
  const lastTyping = useRef(0);

  const msgs = history.list;
  const bySeq = new Map(msgs.map((m) => [m.seq, m]));
  const isGroup = chat.type === "group";
  const isChannel = chat.type === "channel";
  const multi = chat.type !== "direct";
  const joined = p.joined;
  const mayPost = joined && can(chat, "post");
  const mayMedia = mayPost && can(chat, "send_media");
  const tray = useTray(chat.id);
  const voiceLabel = "🎤 " + t("voiceMsg");
  const rec = useRecorder((blob) => tray.addVoice(blob, (id) => { stick.current = true; p.onSendMedia([id], "", 0, voiceLabel).catch(() => {}); }));
  const [stats, react] = usePostStats(chat, list, msgs, isChannel);
  // Slow mode: a member waits slow_mode seconds after each message.
  const slowSecs = isGroup && chat.role === "member" ? chat.slow_mode || 0 : 0;
  const [slowUntil, setSlowUntil] = useState(0);
  const [, setNow] = useState(0);
  const slowLeft = slowSecs ? Math.max(0, Math.ceil((slowUntil - Date.now()) / 1000)) : 0;
  useEffect(() => {
    if (!slowLeft) return;
    const timer = setTimeout(() => setNow(Date.now()), 250);
    return () => clearTimeout(timer);
  });
  // Bots: a direct chat with one has its commands (only one's own bots'
  // are known: bots.js) and, while empty, a Start button; commands people
  // typed are clickable where bots are; the newest bot keyboard is the
  // composer's.
  const peer = users[chat.peer_id];
  const botPeer = chat.type === "direct" && !!(peer && peer.is_bot);
  const botsHere = botPeer || (multi && msgs.some((m) => users[m.actor_id] && users[m.actor_id].is_bot));
  const botInfo = useBotInfo(botPeer ? chat.peer_id : 0);
  const kbd = useReplyKeyboard(chat.id, msgs, me, bySeq);
  const forced = forceReply(msgs, me, bySeq);
  const forcedSeen = useRef(0);
  useEffect(() => {
    if (!forced || forced.seq === forcedSeen.current || editing) return;
    forcedSeen.current = forced.seq;
    setReplyTo(forced);
    if (input.current) input.current.focus();
  }, [forced && forced.seq]);
  const emptyBotChat = botPeer && joined && history.complete && !history.loading && !pending.length && !msgs.some((m) => m.type === "message");

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
  const shown = useRef(null);
  const focusSeq = p.focus ? p.focus.seq : 0;
  useEffect(() => {
    if (!p.focus || shown.current === p.focus) return;
    const el = list.current && list.current.querySelector(`li[data-seq="${p.focus.seq}"]`);
    if (!el) return;
    shown.current = p.focus;
    stick.current = false;
    el.scrollIntoView({ block: "center" });
  });

  // A short history that does not fill the view cannot be scrolled: load more.
  useEffect(() => {
    const el = list.current;
    if (el && el.scrollHeight <= el.clientHeight + 10) { stick.current = true; loadOlder(); }
  }, [msgs.length, history.loading, history.complete]);

  const reset = () => { setReplyTo(null); setEditing(null); setText(""); setError(""); };
  const attach = (files) => {
    if (!files || !files.length || !mayMedia || editing) return;
    setError(tray.add(files));
  };
  const submit = async () => {
    const body = text.trim();
    if (!body && !(tray.files.length && !editing)) return;
    setError("");
    if (editing) {
      try { await p.onEdit(editing.seq, body); reset(); } catch (err) { setError(err.message); }
      return;
    }
    if (slowLeft) return;
    if (tray.files.length) {
      if (!tray.ready) return;
      if ([...body].length > MAX_CAPTION) { setError(t("captionTooLong", fmtNumber(MAX_CAPTION))); return; }
      // One message per album the server takes; the caption and the reply
      // go with the first.
      stick.current = true;
      albums(tray.files).forEach((ups, i) => {
        const caption = i === 0 ? body : "";
        const label = mediaLabel({ text: caption, media: ups.map((u) => ({ kind: u.kind, name: u.name })) }); // while it is sent
        p.onSendMedia(ups.map((u) => u.fileID), caption, i === 0 && replyTo ? replyTo.seq : 0, label)
          .then(() => { if (slowSecs) setSlowUntil(Date.now() + slowSecs * 1000); }, (err) => { if (err.retryAfter) setSlowUntil(Date.now() + err.retryAfter * 1000); });
      });
      tray.clear();
      reset();
      return;
    }
    sendText(body, replyTo ? replyTo.seq : 0);
    reset();
  };
  // sendText sends a text (typed, a bot's key, a command), keeping to
  // slow mode.
  const sendText = (body, reply) => {
    stick.current = true;
    p.onSend(body, reply || 0).then(
      () => { if (slowSecs) setSlowUntil(Date.now() + slowSecs * 1000); },
      (err) => { if (err.retryAfter) setSlowUntil(Date.now() + err.retryAfter * 1000); });
  };
  // A command from the menu, or clicked in a message, is sent at once.
  const sendCommand = (cmd) => {
    if (slowLeft || editing) return;
    sendText(cmd, 0);
  };
  const menu = useCommandMenu(botPeer && botInfo && !editing ? botInfo.commands : [], text, (cmd) => { setText(""); sendCommand(cmd); });
  // A key of the bot's keyboard sends its text; a one-time keyboard then hides.
  const pressKey = (key) => {
    if (slowLeft) return;
    sendText(key, replyTo ? replyTo.seq : 0);
    setReplyTo(null);
    if (kbd.kb.markup.one_time_keyboard) kbd.hide();
  };
  // In a group, a command clicked in a bot's message goes to that bot.
  const commandFrom = (m) => (mayPost ? (cmd) => {
    const bot = users[m.actor_id];
    sendCommand(isGroup && bot && bot.is_bot && bot.username && !cmd.includes("@") ? cmd + "@" + bot.username : cmd);
  } : undefined);
  const keyDown = (e) => {
    if (menu.keyDown(e)) return;
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
    if (what === "edit") { setReplyTo(null); setEditing(m); setText(m.text || ""); }
    if (what === "forward") p.onForward(m);
    if (what === "delete") p.onDelete(m.seq).catch((err) => setError(err.message));
    if (what === "pin" || what === "unpin") p.onPin(what === "pin" ? m.seq : 0).catch((err) => setError(err.message));
    if (input.current) input.current.focus();
  };

  // Files dragged over the conversation are attached where they are dropped.
  const dragOver = (e) => {
    if (!mayMedia || editing || !e.dataTransfer || ![...e.dataTransfer.types].includes("Files")) return;
    e.preventDefault();
    e.dataTransfer.dropEffect = "copy";
    if (!dragging) setDragging(true);
  };
  const dragLeave = (e) => { if (!e.currentTarget.contains(e.relatedTarget)) setDragging(false); };
  const dropFiles = (e) => {
    setDragging(false);
    if (!e.dataTransfer || !e.dataTransfer.files.length) return;
    e.preventDefault();
    attach(e.dataTransfer.files);
  };
  // A pasted image (a screenshot) or file is attached; pasted text is text.
  const paste = (e) => {
    const files = e.clipboardData && e.clipboardData.files;
    if (!files || !files.length || !mayMedia || editing) return;
    e.preventDefault();
    attach(files);
  };

  const subtitle = typingNames.length ? (isGroup ? t("typingWho", typingNames.join(", ")) : t("typing"))
    : botPeer ? (peer.username ? html`<bdi dir="ltr">@${peer.username}</bdi>` : t("bot"))
    : isChannel ? count("subscribers", chat.members_count)
    : isGroup ? count("members", chat.members_count) + (chat.slow_mode ? " · " + t("slowModeIs", slowText(chat.slow_mode)) : "")
    : presenceText(peer);
  const name = (id) => (id === me.id ? t("you") : userName(users[id]));
  // Who did something: in Persian by name, since "شما" would need the
  // verb's second person.
  const actor = (id) => (id === me.id && lang === "fa" ? userName(me) : name(id));

  const rows = [];
  let day = "";
  if (emptyBotChat) rows.push(html`<${BotIntro} key="bot-intro" info=${botInfo} user=${peer} />`);
  else if (history.complete) rows.push(html`<li class="beginning" key="beginning">${t("beginning")}</li>`);
  else if (history.loading) rows.push(html`<li class="loading" key="loading">${t("loading")}</li>`);
  for (const m of msgs) {
    // A direct chat's creation is not news to either person; its calls are.
    if (m.type !== "message" && m.type !== "call" && !multi) continue;
    if (dayKey(m.date) !== day) {
      day = dayKey(m.date);
      rows.push(html`<li class="day" key=${"d" + day}><time datetime=${m.date}>${fmtDay(m.date)}</time></li>`);
    }
    if (m.type === "call") {
      rows.push(html`
        <li key=${m.seq} class=${"msg call-record" + (m.actor_id === me.id ? " mine" : "") + (missedCall(m, me.id) ? " missed" : "")} data-seq=${m.seq}>
          <span class="text" dir="auto">${callLabel(m, me.id)}</span>
          <span class="meta"><time datetime=${m.date}>${fmtTime(m.date)}</time></span>
        </li>`);
      continue;
    }
    if (m.type !== "message") {
      rows.push(html`<li class="service-row" key=${m.seq}><small class="service" dir="auto">${serviceText(m, name, actor, chat, bySeq)}</small></li>`);
      continue;
    }
    const mine = m.actor_id === me.id;
    const open = selected === m.seq;
    const tick = mine && !isChannel && (chat.peer_read_seq >= m.seq ? ["read", "✓✓"] : ["sent", "✓"]);
    const pinned = chat.pinned_seq === m.seq;
    // Channel posts name their author only when signed (actor_id set).
    const sender = isChannel ? (m.actor_id ? name(m.actor_id) : chat.title) : isGroup && !mine ? name(m.actor_id) : "";
    const buttons = !m.deleted && hasInline(m);
    const body = html`
        ${sender && html`<span class="sender" dir="auto">${sender}</span>`}
        ${m.forward && html`<span class="fwd" dir="auto">${t("forwardedFrom", name(m.forward.sender_id))}</span>`}
        ${m.reply_to > 0 && html`<${Quote} m=${bySeq.get(m.reply_to)} name=${name} />`}
        ${!m.deleted && m.media && m.media.length > 0 && html`<${MediaBlock} media=${m.media} onView=${(l, i) => setViewer({ list: l, index: i })} />`}
        ${m.deleted ? html`<span class="text deleted">${t("deleted")}</span>`
          : html`<div class="text" dir="auto"><${RichText} text=${m.text} entities=${m.entities} commands=${botsHere} onCommand=${commandFrom(m)} /></div>`}
        <span class="meta">
          ${m.edited_at && !m.deleted && html`<span class="edited">${t("edited")}</span>`}
          <time datetime=${m.date}>${fmtTime(m.date)}</time>
          ${tick && html`<span class=${"tick " + tick[0]} title=${t(tick[0])} aria-label=${t(tick[0])}>${tick[1]}</span>`}
        </span>
        ${isChannel && !m.deleted && html`<${PostFooter} m=${m} st=${stats[m.seq]} joined=${joined} onReact=${react}
          onComments=${chat.linked_chat_id ? () => p.onOpenChat(chat.linked_chat_id) : null} />`}
        ${!m.deleted && html`<button type="button" class="more" aria-label=${t("actions")} aria-expanded=${open}
          onClick=${() => { setSelected(open ? 0 : m.seq); setConfirm(false); }}>⋯</button>`}
        ${open && html`<div class="actions" role="group" aria-label=${t("actions")}>
          ${mayPost && html`<button type="button" class="act-reply" onClick=${() => act("reply", m)}>${t("reply")}</button>`}
          <button type="button" class="act-forward" onClick=${() => act("forward", m)}>${t("forward")}</button>
          ${(mine || (isChannel && can(chat, "edit"))) && !m.forward && joined && html`<button type="button" class="act-edit" onClick=${() => act("edit", m)}>${t("edit")}</button>`}
          ${joined && can(chat, "pin") && (pinned
            ? html`<button type="button" class="act-unpin" onClick=${() => act("unpin", m)}>${t("unpin")}</button>`
            : html`<button type="button" class="act-pin" onClick=${() => act("pin", m)}>${t("pin")}</button>`)}
          ${joined && (mine || (multi && can(chat, "delete"))) && (confirm
            ? html`<button type="button" class="act-confirm danger" onClick=${() => act("delete", m)}>${t("confirmDelete")}</button>`
            : html`<button type="button" class="act-delete" onClick=${() => setConfirm(true)}>${t("delete")}</button>`)}
          <button type="button" class="link" onClick=${() => setSelected(0)}>${t("cancel")}</button>
        </div>`}`;
    // A bot's buttons go under the bubble: the bubble is then a box of its own.
    rows.push(html`
      <li key=${m.seq} class=${"msg" + (mine && !isChannel ? " mine" : "") + (m.media && m.media.length && !m.deleted ? " has-media" : "") + (isChannel ? " post" : "") + (open ? " selected" : "") + (m.seq === focusSeq ? " found" : "") + (pinned ? " is-pinned" : "") + (buttons ? " has-kb" : "")} data-seq=${m.seq}>
        ${buttons ? html`<div class="bubble">${body}</div><${InlineKeyboard} chatID=${chat.id} m=${m} />` : body}
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
    <main class=${"conversation" + (dragging ? " dragging" : "")} aria-label=${chatName(chat, users)} onDragOver=${dragOver} onDragLeave=${dragLeave} onDrop=${dropFiles}>
      <header>
        <button type="button" class="link back" onClick=${p.onBack} aria-label=${t("back")}>${document.documentElement.dir === "rtl" ? "→" : "←"}</button>
        <button type="button" class="title" onClick=${p.onInfo} aria-label=${t("info")}>
          <${Avatar} name=${chatName(chat, users)} id=${chat.peer_id || chat.id} online=${peer && peer.online} />
          <span><span class="title-line"><strong dir="auto">${chatName(chat, users)}</strong>${botPeer && html`<${BotBadge} user=${peer} />`}</span><small class="subtitle">${subtitle}</small></span>
        </button>
        ${p.onCall && html`
          <button type="button" class="link call-voice" aria-label=${t("voiceCall")} title=${t("voiceCall")} disabled=${p.inCall} onClick=${() => p.onCall(false)}>📞</button>
          <button type="button" class="link call-video" aria-label=${t("videoCall")} title=${t("videoCall")} disabled=${p.inCall} onClick=${() => p.onCall(true)}>📹</button>`}
      </header>
      ${chat.pinned_seq > 0 && html`<${PinnedBar} chat=${chat} bySeq=${bySeq} onJump=${p.onJump}
        canPin=${joined && can(chat, "pin")} onUnpin=${() => p.onPin(0).catch((err) => setError(err.message))} />`}
      <ol class=${"messages" + (isChannel ? " channel-posts" : "")} ref=${list} onScroll=${onScroll} aria-live="polite">${rows}</ol>
      ${!mayPost && error && html`<p class="error bar-error" role="alert">${error}</p>`}
      ${!joined || (isChannel && !mayPost)
        ? html`<${ChatBar} chat=${chat} joined=${joined} onJoin=${p.onJoin} onLeave=${p.onLeave} />`
        : emptyBotChat ? html`<${StartBar} onStart=${() => sendText("/start", 0)} />`
        : html`<form class="composer" onSubmit=${(e) => { e.preventDefault(); submit(); }}>
        ${isGroup && !mayPost && html`<p class="restricted-note muted">${t("restrictedNote")}</p>`}
        ${slowLeft > 0 && html`<p class="slow-note" role="status">${t("slowIn", fmtNumber(slowLeft))}</p>`}
        ${(replyTo || editing) && html`
          <div class="context">
            <span dir="auto">${replyTo ? t("replyingTo", name(replyTo.actor_id)) + ": " + clip(mediaLabel(replyTo)) : t("editing")}</span>
            <button type="button" class="link cancel" onClick=${reset}>${t("cancel")}</button>
          </div>`}
        ${tray.items.length > 0 && html`<${Tray} tray=${tray} />`}
        ${(error || rec.error) && html`<p class="error" role="alert">${error || rec.error}</p>`}
        ${menu.items.length > 0 && html`<${CommandMenu} menu=${menu} />`}
        ${kbd.shown && !editing && mayPost && html`<${ReplyKeyboard} markup=${kbd.kb.markup} onPress=${pressKey} />`}
        ${botInfo && botInfo.commands.length > 0 && !editing && html`
          <button type="button" class="link menu-btn" aria-label=${t("botCommands")} title=${t("botCommands")} aria-expanded=${menu.items.length > 0}
            onClick=${() => { menu.toggle(); if (input.current) input.current.focus(); }}>/</button>`}
        ${mayMedia && !editing && html`
          <button type="button" class="link attach" aria-label=${t("attach")} title=${t("attach")} disabled=${rec.recording} onClick=${() => picker.current.click()}>📎</button>
          <input type="file" class="file-input" multiple hidden ref=${picker} tabindex="-1" aria-label=${t("attach")}
            onChange=${(e) => { attach(e.target.files); e.target.value = ""; }} />`}
        ${rec.recording ? html`<${RecordBar} rec=${rec} />` : html`
        <textarea ref=${input} aria-label=${t("message")} dir="auto" rows="1" value=${text}
          placeholder=${tray.files.length && !editing ? t("caption") : (!editing && placeholderOf(kbd.kb, forced, replyTo)) || t("message")}
          onKeyDown=${keyDown} onInput=${onInput} onPaste=${paste}></textarea>
        ${kbd.kb && !editing && html`
          <button type="button" class="link kb-toggle" aria-label=${kbd.shown ? t("hideKeyboard") : t("showKeyboard")} title=${kbd.shown ? t("hideKeyboard") : t("showKeyboard")}
            aria-pressed=${kbd.shown} onClick=${kbd.toggle}>⌨</button>`}
        ${mayMedia && !editing && !text.trim() && !tray.files.length && canRecord() && html`
          <button type="button" class="link mic" aria-label=${t("record")} title=${t("record")} onClick=${rec.start}>🎤</button>`}
        <button type="submit" class="send" disabled=${(slowLeft > 0 && !editing) || (tray.files.length > 0 && !editing && !tray.ready)}>${editing ? t("save") : t("send")}</button>`}
      </form>`}
      ${dragging && html`<div class="drop-hint" aria-hidden="true">${t("dropHere")}</div>`}
      ${viewer && html`<${Viewer} list=${viewer.list} index=${viewer.index} onClose=${() => setViewer(null)} />`}
    </main>`;
}

function Quote({ m, name }) {
  if (!m) return html`<span class="quote">…</span>`;
  const jump = () => {
    const el = document.querySelector(`li[data-seq="${m.seq}"]`);
    if (el) el.scrollIntoView({ block: "center" });
  };
  return html`<button type="button" class="quote" onClick=${jump}>
    <span class="quote-name">${name(m.actor_id)}</span> <span class="quote-text" dir="auto">${m.deleted ? t("deleted") : clip(mediaLabel(m))}</span></button>`;
}

// placeholderOf is what a bot asks the text box to say: its keyboard's
// input_field_placeholder, or that of the message asking for a reply.
function placeholderOf(kb, forced, replyTo) {
  if (forced && replyTo && replyTo.seq === forced.seq && forced.reply_markup.input_field_placeholder) return forced.reply_markup.input_field_placeholder;
  return kb ? kb.markup.input_field_placeholder || "" : "";
}

const slowText = (s) => (s < 60 ? t("nSeconds", fmtNumber(s)) : s < 3600 ? t("nMinutes", fmtNumber(Math.round(s / 60))) : t("oneHour"));

const clip = (s) => ([...(s || "")].length > 80 ? [...s].slice(0, 80).join("") + "…" : s || "");

function serviceText(m, name, actor, chat, bySeq) {
  const channel = chat.type === "channel";
  // In a channel, an action without an actor is the channel's own.
  if (channel) actor = ((n) => (id) => (id ? n(id) : chat.title))(actor);
  switch (m.type) {
    case "chat_created": return t(channel ? "channel_created" : "chat_created", actor(m.actor_id));
    case "pinned": {
      if (!m.target) return t("unpinnedEv", actor(m.actor_id));
      const p = bySeq.get(m.target);
      return t("pinnedEv", actor(m.actor_id), p && !p.deleted ? clip(mediaLabel(p)) : t("aMessage"));
    }
    case "member_added": case "member_removed": return t(m.type, actor(m.actor_id), name(m.target));
    case "member_left": return t("member_left", actor(m.actor_id));
    case "role_changed": return t("role_changed", actor(m.actor_id), name(m.target), t(m.role));
    case "title_changed": return t(channel ? "title_changed_channel" : "title_changed", actor(m.actor_id), m.text);
  }
  return m.type;
}
