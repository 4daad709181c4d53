// Shared pieces of the UI. Everything is rendered by preact, which sets
// text, never HTML, so user content cannot inject markup.
import { h } from "./vendor/preact.module.js";
import { useState, useEffect, useRef } from "./vendor/hooks.module.js";
import htm from "./vendor/htm.module.js";
import { t, lang, setLang, fmtWhen } from "./i18n.js";

export const html = htm.bind(h);

export function LangSwitch({ onChange }) {
  const flip = () => { setLang(lang === "fa" ? "en" : "fa"); onChange(lang); };
  return html`<button type="button" class="link lang" onClick=${flip}>${t("other")}</button>`;
}

// userName is how a user is shown: their display name, else @username.
export function userName(u) {
  if (!u) return "…";
  return u.display_name || (u.username ? "@" + u.username : "#" + u.id);
}

export function chatName(c, users) {
  if (c.type !== "direct") return c.title;
  return userName(users[c.peer_id]);
}

// can reports whether the caller holds a right in a group or channel
// (my_rights, as the server computed it). In a direct chat anyone may
// post, send media and pin.
export function can(chat, right) {
  if (!chat) return false;
  if (chat.type === "direct") return right === "post" || right === "send_media" || right === "pin";
  return (chat.my_rights || []).includes(right);
}

export const isAdmin = (chat) => !!chat && (chat.role === "owner" || chat.role === "admin");

// Muting is this device's choice (the API has no mute): a muted chat's
// unread count is shown grey.
export const muted = {
  has: (id) => localStorage.getItem("chapar.muted." + id) === "1",
  set: (id, on) => {
    on ? localStorage.setItem("chapar.muted." + id, "1") : localStorage.removeItem("chapar.muted." + id);
    window.dispatchEvent(new Event("chapar:muted")); // the chat list shows it
  },
};

// presenceText says "online" or when the user was last seen.
export function presenceText(u) {
  if (!u) return "";
  if (u.online) return t("online");
  if (u.last_seen && !u.last_seen.startsWith("0001")) return t("lastSeen", fmtWhen(u.last_seen));
  return "";
}

// Avatar is a circle with the name's first letter, coloured by id.
export function Avatar({ name, id, online }) {
  const letter = [...(name || "?").replace(/^@/, "")][0] || "?";
  return html`<span class="avatar" aria-hidden="true" style=${{ background: `hsl(${(id * 47) % 360} 45% 42%)` }}>
    ${letter.toUpperCase()}${online && html`<span class="dot"></span>`}</span>`;
}

// Panel is a dialog-like side sheet with a title and a close button.
export function Panel({ title, onClose, children, cls }) {
  const keyDown = (e) => { if (e.key === "Escape") onClose(); };
  return html`
    <section class=${"panel " + (cls || "")} role="dialog" aria-label=${title} onKeyDown=${keyDown}>
      <header><h2>${title}</h2><button type="button" class="link close" onClick=${onClose}>${t("close")}</button></header>
      <div class="body">${children}</div>
    </section>`;
}

// BotBadge marks a bot (a user with is_bot) beside its name.
export const BotBadge = ({ user }) => (user && user.is_bot ? html`<span class="bot-badge">${t("bot")}</span>` : null);

// Notices over the page: toasts that go by themselves, and a dialog that
// waits for an answer (an alert with OK, or a question with OK and
// Cancel). Any part of the app raises them; App renders <Notices />.
let notices = { toasts: [], dialog: null };
const noticeSubs = new Set();
const setNotices = (f) => { notices = f(notices); noticeSubs.forEach((s) => s(notices)); };
let toastID = 0;

// toast shows a short text for a few seconds.
export function toast(text, ms = 4000) {
  if (!text) return;
  const id = ++toastID;
  setNotices((n) => ({ ...n, toasts: [...n.toasts.slice(-2), { id, text }] }));
  setTimeout(() => setNotices((n) => ({ ...n, toasts: n.toasts.filter((x) => x.id !== id) })), ms);
}

// ask shows a question (and detail under it, left to right: an address)
// and resolves true for OK, false for Cancel or Esc. A dialog already
// open is answered "no".
export function ask(text, { detail = "", ok = t("ok"), cancel = true } = {}) {
  if (notices.dialog) notices.dialog.done(false);
  return new Promise((resolve) => {
    const dialog = { text, detail, ok, cancel };
    dialog.done = (v) => { setNotices((n) => (n.dialog === dialog ? { ...n, dialog: null } : n)); resolve(v); };
    setNotices((n) => ({ ...n, dialog }));
  });
}

// alertBox shows a text with OK (a bot's alert).
export const alertBox = (text) => ask(text, { cancel: false });

export function Notices() {
  const [n, setN] = useState(notices);
  useEffect(() => { noticeSubs.add(setN); return () => noticeSubs.delete(setN); }, []);
  return html`
    ${n.dialog && html`<${Dialog} d=${n.dialog} />`}
    <div class="toasts" role="status" aria-live="polite">
      ${n.toasts.map((x) => html`<p key=${x.id} class="toast" dir="auto">${x.text}</p>`)}
    </div>`;
}

function Dialog({ d }) {
  const ok = useRef(null);
  useEffect(() => { if (ok.current) ok.current.focus(); }, [d]);
  const keyDown = (e) => { if (e.key === "Escape") { e.preventDefault(); d.done(false); } };
  return html`
    <div class="dialog-backdrop" onKeyDown=${keyDown} onClick=${(e) => { if (e.target === e.currentTarget && d.cancel) d.done(false); }}>
      <div class="dialog" role=${d.cancel ? "dialog" : "alertdialog"} aria-modal="true" aria-label=${d.text}>
        <p class="dialog-text" dir="auto">${d.text}</p>
        ${d.detail && html`<p class="dialog-detail" dir="ltr">${d.detail}</p>`}
        <div class="dialog-actions">
          ${d.cancel && html`<button type="button" class="link cancel" onClick=${() => d.done(false)}>${t("cancel")}</button>`}
          <button type="button" class="dialog-ok" ref=${ok} onClick=${() => d.done(true)}>${d.ok}</button>
        </div>
      </div>
    </div>`;
}
