// Bots in the web client (docs/BOTS.md): the buttons under a bot's message
// (inline keyboards) and what pressing one does, the keyboard a bot gives
// the composer (reply keyboards), the bot's command menu, the Start button
// of a new chat with a bot, and "My bots" in the settings.
import { useState, useEffect, useRef } from "./vendor/hooks.module.js";
import { html, Avatar, toast, ask, alertBox } from "./ui.js";
import { t, fmtNumber } from "./i18n.js";
import { api } from "./net.js";
import { openLink } from "./rich.js";

const MAX_BOTS = 20;         // per user (the server's limit)
const ANSWER_WAIT = 10000;   // how long a pressed button waits for the bot

// ---- the user's own bots, and what is known of a bot ----

// myBots is GET /v1/bots, asked once and again after a change.
let myBots = null;
export function loadMyBots(again) {
  if (!myBots || again) myBots = api("GET", "/v1/bots").then((r) => r.bots, () => { myBots = null; return []; });
  return myBots;
}

// useBotInfo returns what the page knows of a bot: {commands, description},
// from GET /v1/users/{id} (anyone may read a bot's menu), read again when
// the user changes one of their own bots.
export function useBotInfo(botID) {
  const [info, setInfo] = useState(null);
  useEffect(() => {
    if (!botID) return;
    let live = true;
    const load = () => api("GET", "/v1/users/" + botID).then((u) => {
      const b = u.bot || {};
      if (live) setInfo({ commands: b.commands || [], description: b.description || "" });
    }, () => { if (live) setInfo({ commands: [], description: "" }); });
    load();
    const again = load;
    window.addEventListener("chapar:bots", again);
    return () => { live = false; window.removeEventListener("chapar:bots", again); };
  }, [botID]);
  return info;
}

// ---- inline keyboards: buttons under a bot's message ----

// Pressing a callback button: POST …/callback answers with the query's
// id, and the bot's answer comes later on the stream as a callback_answer
// frame with that id — or first, if the bot is quick: such answers are
// kept a while for the press they belong to.
const waiting = new Map(); // query id → resolve
const early = new Map();   // query id → answer

// callbackAnswer takes a callback_answer frame (net.js).
export function callbackAnswer(f) {
  const w = waiting.get(f.query_id);
  if (w) { waiting.delete(f.query_id); w(f); return; }
  early.set(f.query_id, f);
  setTimeout(() => early.delete(f.query_id), ANSWER_WAIT + 5000);
}

// press sends a button's data to the bot and resolves with its answer, or
// null when none comes within 10 s (the bot is down, or does not answer).
async function press(chatID, seq, data) {
  const { query_id: id } = await api("POST", `/v1/chats/${chatID}/messages/${seq}/callback`, { data });
  if (early.has(id)) { const a = early.get(id); early.delete(id); return a; }
  return new Promise((resolve) => {
    const timer = setTimeout(() => { waiting.delete(id); resolve(null); }, ANSWER_WAIT);
    waiting.set(id, (a) => { clearTimeout(timer); resolve(a); });
  });
}

// showAnswer shows a bot's answer: its text as a toast, or as an alert
// the user closes; its url is opened (after asking, unless a tg: link).
async function showAnswer(a) {
  if (a.text) {
    if (a.show_alert) await alertBox(a.text);
    else toast(a.text);
  }
  if (a.url) await openLink(a.url);
}

export const hasInline = (m) => !!(m.reply_markup && m.reply_markup.inline_keyboard && m.reply_markup.inline_keyboard.length);

// InlineKeyboard is the rows of buttons under a bot's message. A callback
// button spins until the bot answers; a URL button opens its link.
export function InlineKeyboard({ chatID, m }) {
  const [busy, setBusy] = useState(""); // "row:col" of the button waiting for an answer
  const rows = (m.reply_markup && m.reply_markup.inline_keyboard) || [];
  const pressed = async (b, key) => {
    if (b.url) { openLink(b.url); return; }
    if (busy || !b.callback_data) return;
    setBusy(key);
    let answer = null;
    try { answer = await press(chatID, m.seq, b.callback_data); } catch (err) {
      // The bot changed its buttons meanwhile (or the message is gone).
      toast(err.code === "invalid_argument" || err.code === "not_found" ? t("buttonGone") : err.message);
    }
    setBusy("");
    if (answer) showAnswer(answer);
  };
  return html`
    <div class="inline-kb" role="group" aria-label=${t("botButtons")}>
      ${rows.map((row, r) => html`<div class="kb-row" key=${r}>
        ${row.map((b, c) => {
          const key = r + ":" + c;
          return html`<button type="button" key=${c} class=${"kb-btn" + (b.url ? " kb-url" : "")} aria-busy=${busy === key ? "true" : undefined}
            title=${b.url || undefined} onClick=${() => pressed(b, key)}>
            <span class="kb-text" dir="auto">${b.text}</span>
            ${b.url && html`<span class="kb-link" aria-hidden="true">↗</span>`}
            ${busy === key && html`<span class="spinner" aria-hidden="true"></span>`}
          </button>`;
        })}
      </div>`)}
    </div>`;
}

// ---- reply keyboards: the keyboard a bot gives the composer ----

// forMe: a selective keyboard is for the people its message replies to or
// mentions.
function forMe(m, me, bySeq) {
  const replied = m.reply_to && bySeq.get(m.reply_to);
  if (replied && replied.actor_id === me.id) return true;
  return !!me.username && (m.text || "").toLowerCase().includes("@" + me.username.toLowerCase());
}

// replyKeyboard finds the keyboard in force in a chat: the newest message
// that sets one (keyboard) or takes it away (remove_keyboard). Messages
// without either leave it as it is. Only bots send keyboards.
function replyKeyboard(msgs, me, bySeq) {
  for (let i = msgs.length - 1; i >= 0; i--) {
    const m = msgs[i];
    const k = m.type === "message" && !m.deleted && m.actor_id !== me.id && m.reply_markup;
    if (!k || !(k.keyboard || k.remove_keyboard)) continue;
    if (k.selective && !forMe(m, me, bySeq)) continue;
    return k.keyboard && k.keyboard.length ? { seq: m.seq, markup: k } : null;
  }
  return null;
}

// forceReply is the newest message when it asks for a reply (force_reply).
export function forceReply(msgs, me, bySeq) {
  const m = msgs.length ? msgs[msgs.length - 1] : null;
  const k = m && m.type === "message" && !m.deleted && m.actor_id !== me.id && m.reply_markup;
  return k && k.force_reply && (!k.selective || forMe(m, me, bySeq)) ? m : null;
}

// useReplyKeyboard returns the chat's keyboard and whether it shows. The
// user hides and shows it with the toggle; a one-time keyboard hides
// after a key is pressed. What is hidden is kept (per chat, on this
// device) so that a reload does not bring it back.
export function useReplyKeyboard(chatID, msgs, me, bySeq) {
  const kb = replyKeyboard(msgs, me, bySeq);
  const key = "chapar.kbd." + chatID;
  const [hidden, setHidden] = useState(() => Number(localStorage.getItem(key)) || 0);
  const set = (seq) => { seq ? localStorage.setItem(key, String(seq)) : localStorage.removeItem(key); setHidden(seq); };
  const shown = !!kb && hidden !== kb.seq;
  return { kb, shown, hide: () => kb && set(kb.seq), show: () => set(0), toggle: () => (shown ? kb && set(kb.seq) : set(0)) };
}

const keyText = (b) => (typeof b === "string" ? b : b.text);

// ReplyKeyboard shows the bot's keys above the text box; a key sends its
// text. Without resize_keyboard it is as tall as a phone's keyboard.
export function ReplyKeyboard({ markup, onPress }) {
  return html`
    <div class=${"reply-kb" + (markup.resize_keyboard ? " resized" : "")} role="group" aria-label=${t("botKeyboard")}>
      ${(markup.keyboard || []).map((row, r) => html`<div class="kb-row" key=${r}>
        ${row.map((b, c) => html`<button type="button" key=${c} class="kb-btn key" onClick=${() => onPress(keyText(b))}><span class="kb-text" dir="auto">${keyText(b)}</span></button>`)}
      </div>`)}
    </div>`;
}

// ---- the command menu ----

// useCommandMenu is the menu of a bot's commands: it shows while the text
// box holds "/" and the start of a command, or when the "/" button asks
// for it; ↑ ↓ choose, Enter or Tab send, Esc closes.
export function useCommandMenu(commands, text, send) {
  const [asked, setAsked] = useState(false);
  const [active, setActive] = useState(0);
  const [closed, setClosed] = useState(null); // the text Esc closed the menu at
  const typed = /^\/[A-Za-z0-9_]*$/.test(text);
  const q = typed ? text.slice(1).toLowerCase() : "";
  const items = (typed || (asked && !text.trim())) && closed !== text ? commands.filter((c) => c.command.startsWith(q)) : [];
  const at = Math.min(active, Math.max(0, items.length - 1));
  const choose = (c) => { setAsked(false); setActive(0); send("/" + c.command); };
  const keyDown = (e) => {
    if (!items.length) return false;
    if (e.key === "ArrowDown" || e.key === "ArrowUp") {
      setActive((at + (e.key === "ArrowDown" ? 1 : items.length - 1)) % items.length);
    } else if ((e.key === "Enter" && !e.shiftKey && !e.isComposing) || e.key === "Tab") {
      choose(items[at]);
    } else if (e.key === "Escape") {
      setAsked(false);
      setClosed(text);
    } else return false;
    e.preventDefault();
    return true;
  };
  return { items, active: at, choose, keyDown, asked, toggle: () => { setClosed(null); setAsked((a) => !a); } };
}

export function CommandMenu({ menu }) {
  return html`
    <div class="command-menu" role="group" aria-label=${t("botCommands")}>
      ${menu.items.map((c, i) => html`<button type="button" key=${c.command} class=${"command-item" + (i === menu.active ? " active" : "")}
        onMouseDown=${(e) => e.preventDefault()} onClick=${() => menu.choose(c)}>
        <span class="cmd" dir="ltr">/${c.command}</span><span class="cmd-desc" dir="auto">${c.description}</span></button>`)}
    </div>`;
}

// ---- a new chat with a bot ----

// BotIntro says what the bot does, at the top of a chat with it.
export function BotIntro({ info, user }) {
  const about = (info && info.description) || (user && user.bio) || "";
  if (!about) return null;
  return html`<li class="bot-intro" key="bot-intro"><strong>${t("botCanDo")}</strong><p dir="auto">${about}</p></li>`;
}

// StartBar replaces the composer while a chat with a bot is empty.
export const StartBar = ({ onStart }) => html`
  <div class="chat-bar start-bar"><button type="button" class="start-bot" onClick=${onStart}>${t("startBot")}</button></div>`;

// ---- My bots (settings) ----

const USERNAME = /^[A-Za-z][A-Za-z0-9_]{4,31}$/;
const COMMAND = /^[a-z0-9_]{1,32}$/;

// MyBots lists the user's bots, makes new ones (showing the token once),
// renews tokens, and edits a bot's description, commands and privacy.
export function MyBots({ onOpenChat }) {
  const [bots, setBots] = useState(null);
  const [form, setForm] = useState(false);
  const [username, setUsername] = useState("");
  const [name, setName] = useState("");
  const [shown, setShown] = useState(null); // {bot, token}: a token shown once
  const [editing, setEditing] = useState(0);
  const [error, setError] = useState("");
  const load = async () => setBots(await loadMyBots(true));
  useEffect(() => { load(); }, []);
  const changed = async () => { await load(); window.dispatchEvent(new Event("chapar:bots")); };

  const create = async (e) => {
    e.preventDefault();
    setError("");
    const u = username.trim().replace(/^@/, "");
    if (!/bot$/i.test(u)) { setError(t("botSuffix")); return; }
    if (!USERNAME.test(u)) { setError(t("botUsernameRule")); return; }
    try {
      const b = await api("POST", "/v1/bots", { username: u, ...(name.trim() && { name: name.trim() }) });
      setShown({ bot: b, token: b.token });
      setForm(false); setUsername(""); setName("");
      await changed();
    } catch (err) { setError(err.message); }
  };
  const renew = async (b) => {
    setError("");
    if (!(await ask(t("renewConfirm", "@" + b.username), { ok: t("renewToken") }))) return;
    try {
      const r = await api("POST", `/v1/bots/${b.id}/token`);
      setShown({ bot: r, token: r.token });
    } catch (err) { setError(err.message); }
  };

  return html`
    <div class="my-bots">
      <p class="muted bots-count">${bots ? t("botsCount", fmtNumber(bots.length), fmtNumber(MAX_BOTS)) : "\u00a0"}</p>
      ${shown && html`<${TokenBox} bot=${shown.bot} token=${shown.token} onClose=${() => setShown(null)} />`}
      <ul class="bots">
        ${!bots && html`<li class="muted">${t("loading")}</li>`}
        ${bots && bots.length === 0 && html`<li class="muted">${t("noBots")}</li>`}
        ${(bots || []).map((b) => html`<li key=${b.id} class="bot" data-bot=${b.username}>
          <div class="bot-head">
            <${Avatar} name=${b.name || b.username} id=${b.id} />
            <span class="bot-names"><strong dir="auto">${b.name || b.username}</strong><small dir="ltr">@${b.username}</small></span>
          </div>
          <div class="bot-actions">
            <button type="button" class="link open-bot" onClick=${() => onOpenChat("@" + b.username)}>${t("openBotChat")}</button>
            <button type="button" class="link edit-bot" aria-expanded=${editing === b.id} onClick=${() => setEditing(editing === b.id ? 0 : b.id)}>${t("editBot")}</button>
            <button type="button" class="link renew-token" onClick=${() => renew(b)}>${t("renewToken")}</button>
          </div>
          ${editing === b.id && html`<${BotEditor} bot=${b} onSaved=${changed} />`}
        </li>`)}
      </ul>
      ${error && html`<p class="error" role="alert">${error}</p>`}
      ${form ? html`
        <form class="stack new-bot" onSubmit=${create}>
          <label>${t("botUsername")} <input name="bot-username" dir="ltr" autocomplete="off" placeholder="shop_bot" value=${username} onInput=${(e) => setUsername(e.target.value)} required /></label>
          <label>${t("botName")} <input name="bot-name" dir="auto" value=${name} onInput=${(e) => setName(e.target.value)} /></label>
          <div class="editor-actions">
            <button type="submit" class="create-bot">${t("create")}</button>
            <button type="button" class="link" onClick=${() => { setForm(false); setError(""); }}>${t("cancel")}</button>
          </div>
        </form>`
      : html`<button type="button" class="new-bot-open" disabled=${bots && bots.length >= MAX_BOTS} onClick=${() => { setForm(true); setShown(null); }}>${t("newBot")}</button>`}
    </div>`;
}

// TokenBox shows a bot's token, once, with a copy button and how to use it.
function TokenBox({ bot, token, onClose }) {
  const [copied, setCopied] = useState(false);
  const box = useRef(null);
  useEffect(() => { if (box.current) box.current.scrollIntoView({ block: "nearest" }); }, [token]);
  const copy = async (e) => {
    const input = e.currentTarget.parentElement.querySelector("input.bot-token");
    try { await navigator.clipboard.writeText(token); setCopied(true); } catch (err) {
      // No clipboard (an insecure page, or refused): select it to copy by hand.
      if (input) { input.focus(); input.select(); }
    }
  };
  const base = location.origin;
  return html`
    <div class="token-box" role="region" aria-label=${t("botToken")} ref=${box}>
      <p><strong>${t("tokenFor", "@" + bot.username)}</strong></p>
      <div class="row">
        <input class="bot-token" readonly dir="ltr" value=${token} aria-label=${t("botToken")} onFocus=${(e) => e.target.select()} />
        <button type="button" class="copy-token" onClick=${copy}>${t("copy")}</button>
      </div>
      ${copied && html`<p class="ok" role="status">${t("copied")}</p>`}
      <p class="muted">${t("tokenOnce")}</p>
      <p>${t("botAPIHelp")} <code class="bot-api-base" dir="ltr">${base}</code></p>
      <p class="muted">${t("botAPIExample")} <code dir="ltr">${base}/bot${token}/getMe</code></p>
      <button type="button" class="link token-done" onClick=${onClose}>${t("close")}</button>
    </div>`;
}

// BotEditor changes a bot's description, short description, commands and
// privacy mode.
function BotEditor({ bot, onSaved }) {
  const [description, setDescription] = useState(bot.description || "");
  const [short, setShort] = useState(bot.short_description || "");
  const [privacy, setPrivacy] = useState(bot.privacy);
  const [commands, setCommands] = useState((bot.commands || []).map((c) => ({ ...c })));
  const [error, setError] = useState("");
  const [saved, setSaved] = useState(false);
  const edit = (i, field) => (e) => { const v = e.target.value; setSaved(false); setCommands((cs) => cs.map((c, j) => (j === i ? { ...c, [field]: v } : c))); };
  const save = async (e) => {
    e.preventDefault();
    setError(""); setSaved(false);
    const list = commands.map((c) => ({ command: c.command.trim().replace(/^\//, "").toLowerCase(), description: c.description.trim() }))
      .filter((c) => c.command || c.description);
    const bad = list.find((c) => !COMMAND.test(c.command) || !c.description);
    if (bad) { setError(bad.description ? t("commandRule", "/" + bad.command) : t("commandNeedsDesc", "/" + bad.command)); return; }
    try {
      await api("PATCH", "/v1/bots/" + bot.id, { description, short_description: short, privacy, commands: list });
      setCommands(list);
      setSaved(true);
      onSaved();
    } catch (err) { setError(err.message); }
  };
  return html`
    <form class="editor bot-editor" onSubmit=${save}>
      <label>${t("botDescription")} <textarea name="description" dir="auto" maxlength="512" value=${description} onInput=${(e) => { setDescription(e.target.value); setSaved(false); }}></textarea></label>
      <label>${t("botShortDescription")} <input name="short_description" dir="auto" maxlength="120" value=${short} onInput=${(e) => { setShort(e.target.value); setSaved(false); }} /></label>
      <fieldset class="commands-editor">
        <legend>${t("botCommands")}</legend>
        ${commands.length === 0 && html`<p class="muted">${t("noCommands")}</p>`}
        ${commands.map((c, i) => html`<div class="command-row" key=${i}>
          <span class="command-slot" dir="ltr"><span class="slash" aria-hidden="true">/</span><input class="command-name" dir="ltr" aria-label=${t("commandName")}
            placeholder="start" maxlength="33" value=${c.command} onInput=${edit(i, "command")} /></span>
          <input class="command-desc" dir="auto" aria-label=${t("commandDesc")} placeholder=${t("commandDesc")} maxlength="256" value=${c.description} onInput=${edit(i, "description")} />
          <button type="button" class="link remove-command" aria-label=${t("removeCommand", "/" + (c.command || "…"))}
            onClick=${() => { setSaved(false); setCommands((cs) => cs.filter((_, j) => j !== i)); }}>✕</button>
        </div>`)}
        <button type="button" class="link add-command" onClick=${() => setCommands((cs) => [...cs, { command: "", description: "" }])}>+ ${t("addCommand")}</button>
      </fieldset>
      <label class="check"><input type="checkbox" name="privacy" checked=${privacy} onChange=${(e) => { setPrivacy(e.target.checked); setSaved(false); }} /> ${t("privacyMode")}</label>
      ${error && html`<p class="error" role="alert">${error}</p>`}
      <div class="editor-actions">
        <button type="submit" class="save-bot">${t("save")}</button>
        ${saved && html`<span class="ok" role="status">${t("saved")}</span>`}
      </div>
    </form>`;
}
