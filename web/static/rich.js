// Rich text: a message's text with its formatting. Entities are Telegram's
// MessageEntity (docs/API.md "Messages"): a type, an offset and a length
// in UTF-16 code units — what JavaScript's string indices count, so
// text.slice(offset, offset + length) is an entity's text.
//
// Entities may nest and overlap. The text becomes a tree in which an
// entity that runs past the end of the one around it is cut in two at
// that boundary, so that elements nest properly:
//   bold 0–9 and italic 5–16 of "bold both italic" →
//   <b>bold <i>both</i></b><i> italic</i>
// Everything is set as text by preact, never as HTML, and only http,
// https and tg addresses become links (never javascript:, data:, …).
import { h, Fragment } from "./vendor/preact.module.js";
import { useState } from "./vendor/hooks.module.js";
import { t } from "./i18n.js";
import { ask, toast } from "./ui.js";

// RANK orders entities that cover the same text: the lower, the further
// out (a quote holds a link, a link holds bold text, bold holds code).
const RANK = {
  blockquote: 0, expandable_blockquote: 0, pre: 1,
  text_link: 2, url: 2, email: 2, phone_number: 2, mention: 2, text_mention: 2, hashtag: 2, cashtag: 2, bot_command: 2,
  spoiler: 3, bold: 4, italic: 5, underline: 6, strikethrough: 7, code: 8, custom_emoji: 9,
};

// safeURL returns the address a link may open, or null: http and https
// with a host, and tg: (links inside the app). Anything else — javascript:,
// data:, vbscript:, file: — is not a link. The parsed, normalised form is
// what goes into href, never the raw string.
export function safeURL(raw) {
  if (typeof raw !== "string" || !raw.trim()) return null;
  let u;
  try { u = new URL(raw.trim()); } catch (e) { return null; }
  if ((u.protocol === "http:" || u.protocol === "https:") && u.hostname) return u;
  if (u.protocol === "tg:") return u;
  return null;
}

// urlOf is the address of a url entity's text, which may lack a scheme
// ("example.com/a" is http://example.com/a).
function urlOf(text) {
  const direct = safeURL(text);
  if (direct) return direct;
  // A scheme followed by anything but a port number is a scheme we refused.
  if (/^[a-z][a-z0-9+.-]*:(?!\d)/i.test(text.trim())) return null;
  return safeURL("http://" + text.trim());
}

// openLink opens an address in a new tab, after asking ("Open this
// link?") unless told not to; a tg: link is handled in the app.
export async function openLink(raw, confirm = true) {
  const u = safeURL(raw);
  if (!u) return;
  if (u.protocol === "tg:") { openTg(u); return; }
  if (confirm && !(await ask(t("openLink"), { detail: u.href, ok: t("openIt") }))) return;
  window.open(u.href, "_blank", "noopener,noreferrer");
}

// openTg follows Telegram's in-app links: tg://resolve?domain=name opens
// that person, bot, group or channel, tg://user?id=N that user. Other tg:
// links mean nothing here.
function openTg(u) {
  const q = u.searchParams;
  const what = (u.hostname || u.pathname.replace(/^\/+/, "")).toLowerCase();
  if (what === "resolve" && /^[A-Za-z][A-Za-z0-9_]{2,31}$/.test(q.get("domain") || "")) openChat({ username: q.get("domain") });
  else if (what === "user" && /^\d+$/.test(q.get("id") || "")) openChat({ userID: Number(q.get("id")) });
  else toast(t("linkUnsupported"));
}

// The app (app.js) listens for these: open a chat by username or user id,
// or search for a hashtag.
const openChat = (detail) => window.dispatchEvent(new CustomEvent("chapar:open", { detail }));
const search = (query) => window.dispatchEvent(new CustomEvent("chapar:search", { detail: { query } }));

// COMMAND finds bot commands in text: "/word" (a–z, 0–9, _; at most 32)
// with an optional "@botname", at the start or after a space or an
// opening bracket, as Telegram's server marks them.
const COMMAND = /(^|[\s([{"'«])(\/[A-Za-z0-9_]{1,32}(?:@[A-Za-z][A-Za-z0-9_]{2,31})?)(?=$|[\s.,;:!?)\]}"'»])/g;

// commandEntities marks the bot commands in text, to be sent with it, so
// that bots (and their libraries, which look for bot_command entities)
// know a command when they see one.
export function commandEntities(text) {
  const out = [];
  for (const m of (text || "").matchAll(COMMAND)) out.push({ type: "bot_command", offset: m.index + m[1].length, length: m[2].length });
  return out;
}

// withCommands adds bot_command entities for commands people typed, where
// no other entity covers them (a chat with a bot makes them clickable).
function withCommands(text, entities) {
  const es = entities || [];
  const found = commandEntities(text).filter((c) => !es.some((e) => e.offset < c.offset + c.length && c.offset < e.offset + e.length));
  return found.length ? [...es, ...found] : es;
}

// tree nests the entities: each node is {start, end, kids}, an entity's
// node also {e, idx}. An entity that crosses the end of its parent is cut
// there and its rest goes on after the parent.
export function tree(text, entities) {
  const n = text.length;
  const queue = [];
  (entities || []).forEach((e, idx) => {
    if (!e || !(e.type in RANK)) return;
    const start = Math.max(0, Math.floor(Number(e.offset) || 0));
    const end = Math.min(n, start + Math.floor(Number(e.length) || 0));
    if (end > start) queue.push({ e, idx, start, end });
  });
  const order = (a, b) => a.start - b.start || b.end - a.end || RANK[a.e.type] - RANK[b.e.type] || a.idx - b.idx;
  queue.sort(order);
  const root = { start: 0, end: n, kids: [] };
  const stack = [root];
  while (queue.length) {
    let x = queue.shift();
    while (stack.length > 1 && stack[stack.length - 1].end <= x.start) stack.pop();
    const top = stack[stack.length - 1];
    if (x.end > top.end) {
      const rest = { ...x, start: top.end };
      const at = queue.findIndex((y) => order(rest, y) < 0);
      queue.splice(at < 0 ? queue.length : at, 0, rest);
      x = { ...x, end: top.end };
    }
    const node = { ...x, kids: [] };
    top.kids.push(node);
    stack.push(node);
  }
  return root;
}

// hiddenBySpoiler: a click inside a spoiler not yet shown only shows it.
const hiddenBySpoiler = (ev) => !!(ev.target.closest && ev.target.closest(".spoiler:not(.revealed)"));

// RichText renders a message's text with its entities. commands: make
// bot commands people typed clickable (a chat with a bot); onCommand(text)
// sends one.
export function RichText({ text, entities, commands, onCommand }) {
  const [open, setOpen] = useState(() => new Set()); // spoilers shown, quotes expanded (by entity index)
  const ents = commands ? withCommands(text || "", entities) : entities;
  if (!text) return null;
  if (!ents || !ents.length) return text;
  const toggle = (idx) => setOpen((s) => { const c = new Set(s); c.has(idx) ? c.delete(idx) : c.add(idx); return c; });
  const ctx = { text, open, toggle, onCommand };
  return h(Fragment, null, render(tree(text, ents), ctx));
}

function render(node, ctx) {
  const out = [];
  let pos = node.start;
  for (const k of node.kids) {
    if (k.start > pos) out.push(ctx.text.slice(pos, k.start));
    out.push(entity(k, render(k, ctx), ctx));
    pos = k.end;
  }
  if (pos < node.end) out.push(ctx.text.slice(pos, node.end));
  return out;
}

// entity makes the element of one entity (or one piece of it) around its
// children.
function entity(k, kids, ctx) {
  const e = k.e;
  const whole = ctx.text.slice(e.offset, e.offset + e.length); // the entity's text, even when cut in pieces
  const act = (fn) => (ev) => { ev.preventDefault(); if (!hiddenBySpoiler(ev)) fn(); };
  switch (e.type) {
    case "bold": return h("b", null, kids);
    case "italic": return h("i", null, kids);
    case "underline": return h("u", null, kids);
    case "strikethrough": return h("s", null, kids);
    case "code": return h("code", null, kids);
    case "pre": {
      const lang = typeof e.language === "string" ? e.language.replace(/[^A-Za-z0-9_+#.-]/g, "").slice(0, 32) : "";
      return h("pre", { dir: "ltr" }, h("code", lang ? { class: "language-" + lang } : null, kids));
    }
    case "blockquote": return h("blockquote", null, kids);
    case "expandable_blockquote": {
      const shown = ctx.open.has(k.idx);
      return h("blockquote", { class: "expandable" + (shown ? " expanded" : ""), tabIndex: 0, "aria-expanded": shown,
        onClick: (ev) => { if (!ev.target.closest("a, button")) ctx.toggle(k.idx); },
        onKeyDown: (ev) => { if (ev.key === "Enter" && ev.target === ev.currentTarget) ctx.toggle(k.idx); } }, kids);
    }
    case "spoiler": {
      if (ctx.open.has(k.idx)) return h("span", { class: "spoiler revealed" }, kids);
      const reveal = (ev) => { ev.preventDefault(); ev.stopPropagation(); ctx.toggle(k.idx); };
      return h("span", { class: "spoiler", role: "button", tabIndex: 0, "aria-label": t("spoiler"), onClick: reveal,
        onKeyDown: (ev) => { if (ev.key === "Enter" || ev.key === " ") reveal(ev); } }, kids);
    }
    case "text_link": case "url": {
      const u = e.type === "url" ? urlOf(whole) : safeURL(e.url);
      if (!u) return h("span", { class: "not-link" }, kids);
      if (u.protocol === "tg:") return h("a", { href: u.href, class: "tg-link", onClick: act(() => openTg(u)) }, kids);
      // A text_link hides its address behind words: ask before going there.
      const hidden = e.type === "text_link" && whole.trim().replace(/\/$/, "") !== u.href.replace(/\/$/, "") && whole.trim() !== e.url;
      return h("a", { href: u.href, target: "_blank", rel: "noopener noreferrer", title: hidden ? u.href : undefined,
        onClick: (ev) => { if (hiddenBySpoiler(ev)) { ev.preventDefault(); return; } if (hidden) { ev.preventDefault(); openLink(u.href); } } }, kids);
    }
    case "email":
      return /^[^\s@<>"]+@[^\s@<>"]+$/.test(whole) ? h("a", { href: "mailto:" + whole, rel: "noopener noreferrer" }, kids) : h("span", null, kids);
    case "phone_number": {
      const tel = whole.replace(/[^\d+]/g, "");
      return tel ? h("a", { href: "tel:" + tel, rel: "noopener noreferrer" }, kids) : h("span", null, kids);
    }
    case "mention": {
      const name = whole.replace(/^@/, "");
      return h("button", { type: "button", class: "ent mention", onClick: act(() => openChat({ username: name })) }, kids);
    }
    case "text_mention":
      return e.user_id > 0 ? h("button", { type: "button", class: "ent mention", onClick: act(() => openChat({ userID: e.user_id })) }, kids) : h("span", null, kids);
    case "hashtag": case "cashtag":
      return h("button", { type: "button", class: "ent hashtag", onClick: act(() => search(whole)) }, kids);
    case "bot_command":
      return ctx.onCommand
        ? h("button", { type: "button", class: "ent command", onClick: act(() => ctx.onCommand(whole)) }, kids)
        : h("span", { class: "command" }, kids);
  }
  return h("span", null, kids); // custom_emoji: its text is the emoji
}

// plainText is a message's text for one-line summaries (the chat list,
// quotes, the pinned bar): spoilers stay hidden there, as ▒.
export function plainText(text, entities) {
  if (!text || !entities || !entities.some((e) => e.type === "spoiler")) return text || "";
  const hide = new Array(text.length).fill(false);
  for (const e of entities) {
    if (e.type !== "spoiler") continue;
    for (let i = Math.max(0, e.offset); i < Math.min(text.length, e.offset + e.length); i++) hide[i] = true;
  }
  let out = "";
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    const pair = c >= 0xd800 && c < 0xdc00 && i + 1 < text.length;
    const ch = pair ? text.slice(i, i + 2) : text[i];
    out += hide[i] && !/\s/.test(ch) ? "▒" : ch;
    if (pair) i++;
  }
  return out;
}
