// Managing a group or channel, from its info panel: settings, invite links,
// join requests, members (admins' rights, restrictions, bans) and the admin
// log. Each control shows only when the caller's rights (my_rights) allow
// it; what the server refuses is shown with its message.
import { useState, useEffect } from "./vendor/hooks.module.js";
import { html, Panel, Avatar, userName, can } from "./ui.js";
import { t, fmtWhen, fmtNumber, isolate, list, lang } from "./i18n.js";
import { api } from "./net.js";

// The rights a group's members may be given by default, or denied.
const MEMBER_RIGHTS = ["post", "send_media", "invite", "pin", "change_info"];
const ALL_RIGHTS = ["post", "send_media", "invite", "pin", "change_info", "edit", "delete", "ban", "add_admins"];
const SLOW_MODES = [0, 10, 30, 60, 300, 900, 3600];
const DURATIONS = [[3600, "for1h"], [86400, "for1d"], [0, "forever"]];

export const rightLabel = (r, channel) => t(r === "post" && channel ? "right_post_channel" : "right_" + r);
const rightsText = (names, channel) => (names && names.length ? list(names.map((r) => rightLabel(r, channel))) : t("noneHeld"));
const untilISO = (secs) => (secs ? new Date(Date.now() + secs * 1000).toISOString() : undefined);
const slowLabel = (s) => (s === 0 ? t("off") : s < 60 ? t("nSeconds", fmtNumber(s)) : s < 3600 ? t("nMinutes", fmtNumber(s / 60)) : t("oneHour"));

// useAction runs an async action and keeps its error (the server's words).
function useAction() {
  const [error, setError] = useState("");
  const run = (fn) => async (e) => {
    if (e && e.preventDefault) e.preventDefault();
    setError("");
    try { await fn(); } catch (err) { setError(err.message); }
  };
  return [error, run];
}

export function AdminPanel(p) {
  const { chat } = p;
  const tabs = [];
  if (can(chat, "change_info")) tabs.push("settings");
  if (can(chat, "invite")) tabs.push("links", "requests");
  tabs.push("members", "log");
  const [tab, setTab] = useState(tabs[0]);
  const current = tabs.includes(tab) ? tab : tabs[0];
  const label = { settings: "tabSettings", links: "tabLinks", requests: "tabRequests", members: chat.type === "channel" ? "tabSubscribers" : "tabMembers", log: "tabLog" };
  const Tab = { settings: SettingsTab, links: LinksTab, requests: RequestsTab, members: MembersTab, log: LogTab }[current];
  return html`
    <${Panel} title=${t("administration", isolate(chat.title))} onClose=${p.onClose} cls="admin-panel">
      <button type="button" class="link back-info" onClick=${p.onBack}>${document.documentElement.dir === "rtl" ? "→" : "←"} ${t("info")}</button>
      <div class="tabs" role="tablist" aria-label=${t("manage")}>
        ${tabs.map((name) => html`<button type="button" role="tab" key=${name} id=${"tab-" + name} class=${"tab tab-" + name + (name === current ? "" : " link")}
          aria-selected=${name === current ? "true" : "false"} aria-controls="admin-tabpanel" onClick=${() => setTab(name)}>${t(label[name])}</button>`)}
      </div>
      <div class=${"tabpanel " + current} id="admin-tabpanel" role="tabpanel" aria-labelledby=${"tab-" + current}>
        <${Tab} key=${current + chat.id} ...${p} />
      </div>
    <//>`;
}

// SettingsTab: title, about, the public @username (the owner's), and by
// type signatures and a discussion group (channels) or slow mode and what
// members may do (groups).
function SettingsTab({ chat, chats, onChanged }) {
  const channel = chat.type === "channel";
  const owner = chat.role === "owner";
  const [f, setF] = useState(() => ({
    title: chat.title, username: chat.username || "", about: chat.about || "", signatures: !!chat.signatures,
    slow_mode: chat.slow_mode || 0, default_rights: chat.default_rights || [], linked_chat_id: chat.linked_chat_id || 0,
  }));
  const [saved, setSaved] = useState(false);
  const [error, run] = useAction();
  const set = (k, v) => { setSaved(false); setF((x) => ({ ...x, [k]: v })); };
  const toggleRight = (r, on) => set("default_rights", on ? [...f.default_rights, r] : f.default_rights.filter((x) => x !== r));
  const save = run(async () => {
    setSaved(false);
    const body = {};
    if (f.title !== chat.title) body.title = f.title;
    if (f.about !== (chat.about || "")) body.about = f.about;
    const u = f.username.trim().replace(/^@/, "");
    if (owner && u !== (chat.username || "")) body.username = u;
    if (channel && f.signatures !== !!chat.signatures) body.signatures = f.signatures;
    if (channel && Number(f.linked_chat_id) !== (chat.linked_chat_id || 0)) body.linked_chat_id = Number(f.linked_chat_id);
    if (!channel && Number(f.slow_mode) !== (chat.slow_mode || 0)) body.slow_mode = Number(f.slow_mode);
    const was = chat.default_rights || [];
    if (!channel && (was.length !== f.default_rights.length || was.some((r) => !f.default_rights.includes(r)))) {
      body.default_rights = MEMBER_RIGHTS.filter((r) => f.default_rights.includes(r));
    }
    if (Object.keys(body).length) await api("PATCH", "/v1/chats/" + chat.id, body);
    await onChanged();
    setSaved(true);
  });
  const groups = chats.filter((c) => c.type === "group" && (c.my_rights || []).includes("change_info"));
  const slowModes = SLOW_MODES.includes(Number(f.slow_mode)) ? SLOW_MODES : [...SLOW_MODES, Number(f.slow_mode)].sort((a, b) => a - b);
  return html`
    <form class="stack chat-settings" onSubmit=${save}>
      <label>${t("name")} <input name="title" dir="auto" value=${f.title} onInput=${(e) => set("title", e.target.value)} required /></label>
      ${owner
        ? html`<label>${t("usernameField")} <input name="username" dir="ltr" value=${f.username} onInput=${(e) => set("username", e.target.value)} /></label>`
        : chat.username && html`<p dir="ltr" class="muted">@${chat.username}</p>`}
      <label>${t("about")} <textarea name="about" dir="auto" value=${f.about} onInput=${(e) => set("about", e.target.value)}></textarea></label>
      ${channel && html`<label class="check"><input type="checkbox" name="signatures" checked=${f.signatures} onChange=${(e) => set("signatures", e.target.checked)} /> ${t("signatures")}</label>`}
      ${channel && html`<label>${t("linkedChat")} <select name="linked_chat_id" value=${String(f.linked_chat_id)} onChange=${(e) => set("linked_chat_id", e.target.value)}>
        <option value="0">${t("noLinkedChat")}</option>
        ${groups.map((g) => html`<option key=${g.id} value=${String(g.id)}>${g.title}</option>`)}
        ${f.linked_chat_id && !groups.some((g) => g.id === Number(f.linked_chat_id)) && html`<option value=${String(f.linked_chat_id)}>#${f.linked_chat_id}</option>`}
      </select></label>`}
      ${!channel && html`<label>${t("slowMode")} <select name="slow_mode" value=${String(f.slow_mode)} onChange=${(e) => set("slow_mode", Number(e.target.value))}>
        ${slowModes.map((s) => html`<option key=${s} value=${String(s)}>${slowLabel(s)}</option>`)}
      </select></label>`}
      ${!channel && html`<fieldset class="rights default-rights"><legend>${t("defaultRights")}</legend>
        ${MEMBER_RIGHTS.map((r) => html`<label class="check" key=${r}><input type="checkbox" name=${"right-" + r} checked=${f.default_rights.includes(r)}
          onChange=${(e) => toggleRight(r, e.target.checked)} /> ${rightLabel(r, false)}</label>`)}
      </fieldset>`}
      ${error && html`<p class="error" role="alert">${error}</p>`}
      <button type="submit" class="save-settings">${t("save")}</button>
      ${saved && html`<p class="ok" role="status">${t("saved")}</p>`}
    </form>`;
}

// inviteLink is the address that opens the invite preview in this app.
export const inviteLink = (code) => location.origin + "/#/join/" + code;

function LinksTab({ chat, version }) {
  const [invites, setInvites] = useState(null);
  const [name, setName] = useState("");
  const [expires, setExpires] = useState(0);
  const [limit, setLimit] = useState("");
  const [approval, setApproval] = useState(false);
  const [copied, setCopied] = useState("");
  const [error, run] = useAction();
  const load = async () => setInvites((await api("GET", `/v1/chats/${chat.id}/invites`)).invites);
  useEffect(() => { run(load)(); }, [chat.id, version]);
  const create = run(async () => {
    const body = { needs_approval: approval };
    if (name.trim()) body.name = name.trim();
    if (Number(expires)) body.expires_in = Number(expires);
    if (!approval && Number(limit) > 0) body.usage_limit = Number(limit);
    await api("POST", `/v1/chats/${chat.id}/invites`, body);
    setName(""); setLimit("");
    await load();
  });
  const revoke = (code) => run(async () => { await api("DELETE", `/v1/chats/${chat.id}/invites/${encodeURIComponent(code)}`); await load(); });
  const copy = (code) => async (e) => {
    const input = e.currentTarget.parentElement.querySelector("input.invite-link");
    try { await navigator.clipboard.writeText(inviteLink(code)); setCopied(code); } catch (err) {
      // No clipboard (an insecure page, or refused): select the link to copy by hand.
      if (input) { input.focus(); input.select(); }
    }
  };
  const now = Date.now();
  return html`
    <form class="stack new-link" onSubmit=${create}>
      <label>${t("linkName")} <input name="link-name" dir="auto" value=${name} onInput=${(e) => setName(e.target.value)} /></label>
      <label>${t("expires")} <select name="expires" value=${String(expires)} onChange=${(e) => setExpires(Number(e.target.value))}>
        ${[[0, "never"], [3600, "in1h"], [86400, "in1d"], [604800, "in1w"]].map(([s, k]) => html`<option key=${s} value=${String(s)}>${t(k)}</option>`)}
      </select></label>
      <label>${t("usageLimit")} <input name="usage-limit" type="number" min="0" max="100000" inputmode="numeric" value=${limit} disabled=${approval}
        onInput=${(e) => setLimit(e.target.value)} /></label>
      <label class="check"><input type="checkbox" name="needs-approval" checked=${approval} onChange=${(e) => setApproval(e.target.checked)} /> ${t("needsApproval")}</label>
      <button type="submit" class="create-link">${t("createLink")}</button>
    </form>
    ${error && html`<p class="error" role="alert">${error}</p>`}
    ${invites && invites.length === 0 && html`<p class="muted">${t("noLinks")}</p>`}
    <ul class="invites">
      ${(invites || []).map((i) => {
        const expired = i.expires_at && Date.parse(i.expires_at) <= now;
        const used = i.usage_limit && i.uses >= i.usage_limit;
        const live = !i.revoked && !expired && !used;
        return html`<li key=${i.code} class=${"invite" + (live ? "" : " dead")} data-code=${i.code}>
          ${i.name && html`<strong dir="auto">${i.name}</strong>`}
          <input class="invite-link" readonly dir="ltr" aria-label=${t("inviteLink")} value=${inviteLink(i.code)} onFocus=${(e) => e.target.select()} />
          <small class="muted invite-meta">
            ${i.usage_limit ? t("usesOf", fmtNumber(i.uses), fmtNumber(i.usage_limit)) : t("uses", fmtNumber(i.uses))}
            ${" · "}${i.expires_at ? (expired ? t("expired") : t("expiresAt", fmtWhen(i.expires_at))) : t("noExpiry")}
            ${i.needs_approval && html` · ${t("approval")}`}
            ${i.revoked && html` · ${t("revoked")}`}
          </small>
          ${live && html`<span class="invite-actions">
            <button type="button" class="link copy" onClick=${copy(i.code)}>${t("copy")}</button>
            <button type="button" class="link revoke-link danger-text" onClick=${revoke(i.code)}>${t("revokeLink")}</button>
            ${copied === i.code && html`<span class="ok" role="status">${t("copied")}</span>`}
          </span>`}
        </li>`;
      })}
    </ul>`;
}

function RequestsTab({ chat, users, needUsers, version, onChanged }) {
  const [requests, setRequests] = useState(null);
  const [error, run] = useAction();
  const load = async () => {
    const r = (await api("GET", `/v1/chats/${chat.id}/requests?limit=200`)).requests;
    needUsers(r.map((x) => x.user_id));
    setRequests(r);
  };
  useEffect(() => { run(load)(); }, [chat.id, version]);
  const decide = (id, approve) => run(async () => {
    await api("POST", `/v1/chats/${chat.id}/requests/${id}`, { approve });
    await load();
    onChanged();
  });
  return html`
    <button type="button" class="link refresh" onClick=${run(load)}>↻ ${t("refresh")}</button>
    ${error && html`<p class="error" role="alert">${error}</p>`}
    ${requests && requests.length === 0 && html`<p class="muted">${t("noRequests")}</p>`}
    <ul class="requests members">
      ${(requests || []).map((r) => {
        const u = users[r.user_id];
        return html`<li key=${r.user_id} class="request" data-user=${u ? u.username : ""}>
          <${Avatar} name=${userName(u)} id=${r.user_id} />
          <span class="name" dir="auto">${userName(u)}</span>
          <small class="muted">${t("askedAt", fmtWhen(r.date))}</small>
          <span class="member-actions">
            <button type="button" class="approve" onClick=${decide(r.user_id, true)}>${t("approve")}</button>
            <button type="button" class="link decline danger-text" onClick=${decide(r.user_id, false)}>${t("decline")}</button>
          </span>
        </li>`;
      })}
    </ul>`;
}

function MembersTab({ chat, me, users, needUsers, version, onChanged }) {
  const channel = chat.type === "channel";
  const owner = chat.role === "owner";
  const [members, setMembers] = useState([]);
  const [more, setMore] = useState(false);
  const [bans, setBans] = useState([]);
  const [open, setOpen] = useState(null); // {user, kind: "admin" | "restrict" | "ban"}
  const [error, run] = useAction();
  const load = async (after = 0) => {
    const { members: page } = await api("GET", `/v1/chats/${chat.id}/members?after=${after}&limit=200`);
    needUsers(page.map((m) => m.user_id));
    setMembers((ms) => (after ? [...ms, ...page] : page));
    setMore(page.length === 200);
    if (can(chat, "ban")) {
      const { bans: b } = await api("GET", `/v1/chats/${chat.id}/bans`);
      needUsers(b.map((x) => x.user_id));
      setBans(b);
    }
  };
  useEffect(() => { run(load)(); }, [chat.id, version]);
  const done = async () => { setOpen(null); await load(); onChanged(); };
  const act = (fn) => run(async () => { await fn(); await done(); });

  const setAdmin = (id, rights) => act(() => api("PUT", `/v1/chats/${chat.id}/members/${id}/admin`, { rights }));
  const restrict = (id, denied, secs) => act(() => api("PUT", `/v1/chats/${chat.id}/members/${id}/restrict`, { denied, until: untilISO(secs) }));
  const ban = (id, secs) => act(() => api("PUT", `/v1/chats/${chat.id}/bans/${id}`, secs ? { until: untilISO(secs) } : {}));
  const unban = (id) => act(() => api("DELETE", `/v1/chats/${chat.id}/bans/${id}`));
  const remove = (id) => act(() => api("DELETE", `/v1/chats/${chat.id}/members/${id}`));

  const now = Date.now();
  return html`
    ${error && html`<p class="error" role="alert">${error}</p>`}
    <ul class="members admin-members">
      ${members.map((m) => {
        const u = users[m.user_id];
        const self = m.user_id === me.id;
        // The owner outranks everyone; an admin outranks members only.
        const outranked = !self && m.role !== "owner" && (owner || m.role === "member");
        const restricted = m.denied && m.denied.length && (!m.until || Date.parse(m.until) > now);
        const mayAdmin = outranked && can(chat, "add_admins");
        const mayBan = outranked && can(chat, "ban");
        const editing = open && open.user === m.user_id ? open.kind : "";
        const toggle = (kind) => () => setOpen(editing === kind ? null : { user: m.user_id, kind });
        return html`<li key=${m.user_id} class="member" data-user=${u ? u.username : ""}>
          <${Avatar} name=${userName(u)} id=${m.user_id} online=${u && u.online} />
          <span class="name" dir="auto">${self ? t("you") : userName(u)}</span>
          <span class="role">${t(m.role)}</span>
          ${m.role === "admin" && html`<small class="member-rights muted">${t("rightsOf", rightsText(m.rights, channel))}</small>`}
          ${restricted && html`<small class="member-restricted">${m.until
            ? t("restrictedFor", rightsText(m.denied, channel), fmtWhen(m.until)) : t("restrictedEver", rightsText(m.denied, channel))}</small>`}
          <span class="member-actions">
            ${mayAdmin && html`<button type="button" class="link edit-admin" aria-expanded=${editing === "admin"} onClick=${toggle("admin")}>${m.role === "admin" ? t("adminRights") : t("makeAdmin")}</button>`}
            ${mayAdmin && m.role === "admin" && html`<button type="button" class="link dismiss-admin" onClick=${setAdmin(m.user_id, [])}>${t("dismissAdmin")}</button>`}
            ${mayBan && !channel && m.role === "member" && html`<button type="button" class="link restrict" aria-expanded=${editing === "restrict"} onClick=${toggle("restrict")}>${t("restrict")}</button>`}
            ${mayBan && restricted && html`<button type="button" class="link unrestrict" onClick=${restrict(m.user_id, [], 0)}>${t("liftRestriction")}</button>`}
            ${mayBan && html`<button type="button" class="link ban danger-text" aria-expanded=${editing === "ban"} onClick=${toggle("ban")}>${t("ban")}</button>`}
            ${mayBan && html`<button type="button" class="link remove danger-text" onClick=${remove(m.user_id)}>${t("remove")}</button>`}
          </span>
          ${editing === "admin" && html`<${RightsEditor} cls="rights-editor" legend=${t("adminRights")} channel=${channel}
            choices=${ALL_RIGHTS.filter((r) => can(chat, r) && !(channel && r === "send_media"))}
            initial=${m.role === "admin" ? m.rights || [] : ALL_RIGHTS.filter((r) => r !== "add_admins" && can(chat, r))}
            onCancel=${() => setOpen(null)} onApply=${(rights) => setAdmin(m.user_id, rights)()} />`}
          ${editing === "restrict" && html`<${RightsEditor} cls="restrict-editor" legend=${t("deny")} channel=${false} duration
            choices=${MEMBER_RIGHTS} initial=${restricted ? m.denied : ["post"]}
            onCancel=${() => setOpen(null)} onApply=${(denied, secs) => restrict(m.user_id, denied, secs)()} />`}
          ${editing === "ban" && html`<${BanEditor} onCancel=${() => setOpen(null)} onApply=${(secs) => ban(m.user_id, secs)()} />`}
        </li>`;
      })}
    </ul>
    ${more && html`<button type="button" class="link" onClick=${run(() => load(members[members.length - 1].user_id))}>${t("loadMore")}</button>`}
    ${bans.length > 0 && html`<h3>${t("bannedUsers")}</h3>
    <ul class="members banned-list">
      ${bans.map((b) => {
        const u = users[b.user_id];
        return html`<li key=${b.user_id} class="banned" data-user=${u ? u.username : ""}>
          <${Avatar} name=${userName(u)} id=${b.user_id} />
          <span class="name" dir="auto">${userName(u)}</span>
          <small class="muted">${b.until ? t("bannedUntil", fmtWhen(b.until)) : t("bannedEver")}</small>
          <button type="button" class="link unban" onClick=${unban(b.user_id)}>${t("unban")}</button>
        </li>`;
      })}
    </ul>`}`;
}

// RightsEditor is a set of checkboxes (rights to give, or to deny) and,
// for restrictions, how long.
function RightsEditor({ cls, legend, choices, initial, channel, duration, onApply, onCancel }) {
  const [picked, setPicked] = useState(initial.filter((r) => choices.includes(r)));
  const [secs, setSecs] = useState(3600);
  const flip = (r, on) => setPicked((p) => (on ? [...p, r] : p.filter((x) => x !== r)));
  return html`
    <form class=${"editor " + cls} onSubmit=${(e) => { e.preventDefault(); onApply(choices.filter((r) => picked.includes(r)), secs); }}>
      <fieldset class="rights"><legend>${legend}</legend>
        ${choices.map((r) => html`<label class="check" key=${r}><input type="checkbox" name=${"right-" + r} checked=${picked.includes(r)}
          onChange=${(e) => flip(r, e.target.checked)} /> ${rightLabel(r, channel)}</label>`)}
      </fieldset>
      ${duration && html`<${Duration} value=${secs} onChange=${setSecs} />`}
      <span class="editor-actions">
        <button type="submit" class="apply">${t("apply")}</button>
        <button type="button" class="link" onClick=${onCancel}>${t("cancel")}</button>
      </span>
    </form>`;
}

function BanEditor({ onApply, onCancel }) {
  const [secs, setSecs] = useState(86400);
  return html`
    <form class="editor ban-editor" onSubmit=${(e) => { e.preventDefault(); onApply(secs); }}>
      <${Duration} value=${secs} onChange=${setSecs} />
      <span class="editor-actions">
        <button type="submit" class="apply danger">${t("ban")}</button>
        <button type="button" class="link" onClick=${onCancel}>${t("cancel")}</button>
      </span>
    </form>`;
}

function Duration({ value, onChange }) {
  return html`<label>${t("howLong")} <select name="duration" value=${String(value)} onChange=${(e) => onChange(Number(e.target.value))}>
    ${DURATIONS.map(([s, k]) => html`<option key=${s} value=${String(s)}>${t(k)}</option>`)}
  </select></label>`;
}

function LogTab({ chat, me, users, chats, needUsers, version }) {
  const [entries, setEntries] = useState(null);
  const [more, setMore] = useState(false);
  const [error, run] = useAction();
  const PAGE = 50;
  const load = async (before = 0) => {
    const { entries: page } = await api("GET", `/v1/chats/${chat.id}/log?limit=${PAGE}` + (before ? `&before=${before}` : ""));
    needUsers(page.flatMap((e) => (USER_TARGET.has(e.action) ? [e.actor_id, e.target] : [e.actor_id])));
    setEntries((es) => (before ? [...(es || []), ...page] : page));
    setMore(page.length === PAGE);
  };
  useEffect(() => { run(load)(); }, [chat.id, version]);
  // "You" in English; Persian names the person, since a sentence about
  // "شما" would need the verb's second person.
  const name = (id) => (id !== me.id ? userName(users[id]) : lang === "fa" ? userName(me) : t("you"));
  const chatTitle = (id) => { const c = chats.find((x) => x.id === id); return c ? c.title : "#" + id; };
  // A settings change is told by what differs from the one before it.
  const before = (i) => (entries || []).slice(i + 1).find((x) => x.action === "info");
  return html`
    ${error && html`<p class="error" role="alert">${error}</p>`}
    ${entries && entries.length === 0 && html`<p class="muted">${t("noLog")}</p>`}
    <ol class="admin-log">
      ${(entries || []).map((e, i) => html`<li key=${e.id} data-action=${e.action}>
        <span class="log-line" dir="auto">${logLine(e, name, chat.type === "channel", before(i), chatTitle)}</span>
        <time class="muted" datetime=${e.date}>${fmtWhen(e.date)}</time>
      </li>`)}
    </ol>
    ${more && html`<button type="button" class="link more-log" onClick=${run(() => load(entries[entries.length - 1].id))}>${t("loadMore")}</button>`}`;
}

// infoChanges reads an "info" entry's detail (the settings after the
// change, as key=value pairs) and says what differs from the entry before
// (or, for the first, from a new chat's settings).
function infoChanges(detail, olderDetail, channel, chatTitle) {
  const parse = (d) => Object.fromEntries((d || "").split(" ").filter((x) => x.includes("=")).map((x) => x.split("=")));
  const now = parse(detail);
  const was = parse(olderDetail || "username= signatures=false slow_mode=0 default_rights=" + (channel ? "" : "post,send_media,invite") + " linked_chat=0");
  const keys = channel ? ["username", "signatures", "linked_chat"] : ["username", "slow_mode", "default_rights"];
  const out = [];
  for (const k of keys) {
    if (!(k in now) || was[k] === now[k]) continue;
    const v = now[k];
    if (k === "username") out.push(v ? t("set_username", v) : t("set_private"));
    if (k === "signatures") out.push(t(v === "true" ? "set_signatures_on" : "set_signatures_off"));
    if (k === "linked_chat") out.push(Number(v) ? t("set_linked", isolate(chatTitle ? chatTitle(Number(v)) : "#" + v)) : t("set_unlinked"));
    if (k === "slow_mode") out.push(Number(v) ? t("set_slow", slowLabel(Number(v))) : t("set_slow_off"));
    if (k === "default_rights") out.push(t("set_rights", rightsText(v ? v.split(",").filter((r) => ALL_RIGHTS.includes(r)) : [], false)));
  }
  return list(out);
}

const USER_TARGET = new Set(["remove", "ban", "unban", "restrict", "role", "approve", "decline"]);

// logLine says what an admin did, in words.
export function logLine(e, name, channel, older, chatTitle) {
  const who = isolate(name(e.actor_id));
  const whom = USER_TARGET.has(e.action) ? isolate(name(e.target)) : "";
  const d = e.detail || "";
  const quoted = d ? t("quoted", isolate(d)) : "";
  const rights = (s) => rightsText(s ? s.split(",").filter((r) => ALL_RIGHTS.includes(r)) : [], channel);
  switch (e.action) {
    case "title": return t("log_title", who, isolate(d));
    case "info": {
      const what = infoChanges(d, older && older.detail, channel, chatTitle);
      return what ? t("log_info_what", who, what) : t("log_info", who);
    }
    case "pin": return e.target ? t("log_pin", who, fmtNumber(e.target)) : t("log_unpin", who);
    case "delete": return t("log_delete", who, fmtNumber(e.target));
    case "edit": return t("log_edit", who, fmtNumber(e.target));
    case "remove": return t("log_remove", who, whom);
    case "ban": return d.startsWith("until ") ? t("log_ban_until", who, whom, fmtWhen(d.slice(6))) : t("log_ban", who, whom);
    case "unban": return t("log_unban", who, whom);
    case "restrict": {
      const [denied, until] = d.split(" until ");
      if (!denied.trim()) return t("log_unrestrict", who, whom);
      return until ? t("log_restrict_until", who, whom, rights(denied), fmtWhen(until)) : t("log_restrict", who, whom, rights(denied));
    }
    case "role": {
      const [role, r] = d.split(" ");
      if (role === "admin") return t("log_role_admin", who, whom, rights(r));
      return t(role === "owner" ? "log_role_owner" : "log_role_member", who, whom);
    }
    case "invite": return t("log_invite", who, quoted).replace(/\s+/g, " ").trim();
    case "revoke": return t("log_revoke", who, quoted).replace(/\s+/g, " ").trim();
    case "approve": return t("log_approve", who, whom);
    case "decline": return t("log_decline", who, whom);
  }
  return `${who}: ${e.action} ${d}`;
}
