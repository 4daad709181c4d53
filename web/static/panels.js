// Side panels: chat info (members and roles, or block), a new group or
// channel, settings (profile, devices, blocked users, my bots), and picking
// where to forward. Managing a group or channel is in admin.js; bots are
// in bots.js.
import { useState, useEffect } from "./vendor/hooks.module.js";
import { html, Panel, LangSwitch, chatName, userName, presenceText, Avatar, BotBadge, can, isAdmin, muted } from "./ui.js";
import { t, fmtWhen, count } from "./i18n.js";
import { api } from "./net.js";
import { MyBots, useBotInfo } from "./bots.js";

// lookup finds users by "@a, @b c" (commas or spaces).
async function lookup(names) {
  const list = names.split(/[\s,،]+/).map((s) => s.replace(/^@/, "")).filter(Boolean);
  const users = [];
  for (const n of list) {
    try { users.push(await api("GET", "/v1/users/by-username/" + encodeURIComponent(n))); } catch (err) {
      throw err.code === "not_found" ? new Error(t("notFound") + " @" + n) : err;
    }
  }
  return users;
}

// useAction runs an async action and keeps its error for display.
function useAction() {
  const [error, setError] = useState("");
  const run = (fn) => async (e) => {
    if (e && e.preventDefault) e.preventDefault();
    setError("");
    try { await fn(); } catch (err) { setError(err.message); }
  };
  return [error, run];
}

export function ChatInfo(p) {
  return p.chat.type !== "direct"
    ? html`<${GroupInfo} ...${p} />`
    : html`<${PeerInfo} chat=${p.chat} users=${p.users} onClose=${p.onClose} />`;
}

function PeerInfo({ chat, users, onClose }) {
  const peer = users[chat.peer_id];
  const bot = !!(peer && peer.is_bot);
  const info = useBotInfo(bot ? chat.peer_id : 0);
  const [blocked, setBlocked] = useState(null);
  const [error, run] = useAction();
  useEffect(() => { api("GET", "/v1/blocks").then((r) => setBlocked(r.users.some((u) => u.id === chat.peer_id))); }, [chat.peer_id]);
  const toggle = run(async () => {
    await api(blocked ? "DELETE" : "PUT", "/v1/blocks/" + chat.peer_id);
    setBlocked(!blocked);
  });
  return html`
    <${Panel} title=${t("info")} onClose=${onClose} cls="info">
      <div class="who"><${Avatar} name=${userName(peer)} id=${chat.peer_id} online=${peer && peer.online} />
        <div><strong dir="auto">${userName(peer)}</strong><${BotBadge} user=${peer} />
        ${peer && peer.username && html`<div dir="ltr" class="muted">@${peer.username}</div>`}
        ${!bot && html`<div class="muted">${presenceText(peer)}</div>`}</div></div>
      ${peer && peer.bio && html`<p dir="auto">${peer.bio}</p>`}
      ${info && info.description && html`<p class="bot-description" dir="auto">${info.description}</p>`}
      ${blocked !== null && html`<button type="button" class=${blocked ? "unblock" : "block danger"} onClick=${toggle}>${blocked ? t("unblock") : t("block")}</button>`}
      ${blocked && html`<p class="muted">${t("blockedNote")}</p>`}
      ${error && html`<p class="error" role="alert">${error}</p>`}
    <//>`;
}

// GroupInfo is a group's or channel's info: its name, link and about,
// members (a channel's subscribers only for its admins), and Manage for
// admins, Mute, Leave — or Join for a public chat one is not in.
function GroupInfo({ chat, joined, me, users, needUsers, version, onClose, onLeft, onManage, onJoin }) {
  const [members, setMembers] = useState([]);
  const [more, setMore] = useState(false);
  const [title, setTitle] = useState(chat.title);
  const [add, setAdd] = useState("");
  const [isMuted, setMuted] = useState(muted.has(chat.id));
  const [error, run] = useAction();
  const owner = chat.role === "owner";
  const channel = chat.type === "channel";
  const listed = joined && (!channel || isAdmin(chat));

  const load = async (after = 0) => {
    if (!listed) return;
    const { members: page } = await api("GET", `/v1/chats/${chat.id}/members?after=${after}&limit=200`);
    needUsers(page.map((m) => m.user_id));
    setMembers((ms) => (after ? [...ms, ...page] : page));
    setMore(page.length === 200);
  };
  useEffect(() => { load().catch(() => {}); }, [chat.id, version, listed]);

  const rename = run(async () => { await api("PATCH", "/v1/chats/" + chat.id, { title }); });
  const addMembers = run(async () => {
    const found = await lookup(add);
    if (found.length) await api("POST", `/v1/chats/${chat.id}/members`, { user_ids: found.map((u) => u.id) });
    setAdd("");
    await load();
  });
  const setRole = (id, role) => run(async () => { await api("PUT", `/v1/chats/${chat.id}/members/${id}/role`, { role }); await load(); });
  const remove = (id) => run(async () => { await api("DELETE", `/v1/chats/${chat.id}/members/${id}`); await load(); });
  const leave = run(async () => { await api("POST", `/v1/chats/${chat.id}/leave`); onLeft(); });

  const join = run(async () => { await onJoin(); });
  const toggleMute = () => { muted.set(chat.id, !isMuted); setMuted(!isMuted); };
  return html`
    <${Panel} title=${t("info")} onClose=${onClose} cls=${"info group-info" + (channel ? " channel-info" : "")}>
      ${joined && can(chat, "change_info")
        ? html`<form class="row rename" onSubmit=${rename}>
            <input aria-label=${channel ? t("channelTitle") : t("groupTitle")} dir="auto" value=${title} onInput=${(e) => setTitle(e.target.value)} required />
            <button type="submit">${t("rename")}</button></form>`
        : html`<h3 dir="auto">${chat.title}</h3>`}
      ${chat.username && html`<p class="chat-username" dir="ltr">@${chat.username}</p>`}
      ${chat.about && html`<p class="about" dir="auto">${chat.about}</p>`}
      <p class="muted">${channel ? count("subscribers", chat.members_count) : count("members", chat.members_count)}</p>
      <div class="info-actions">
        ${joined && isAdmin(chat) && html`<button type="button" class="manage" onClick=${onManage}>${t("manage")}</button>`}
        ${joined && html`<button type="button" class="link mute" onClick=${toggleMute}>${isMuted ? t("unmute") : t("mute")}</button>`}
        ${!joined && html`<button type="button" class="join" onClick=${join}>${channel ? t("joinChannel") : t("joinGroup")}</button>`}
      </div>
      ${joined && !channel && can(chat, "invite") && html`<form class="row add" onSubmit=${addMembers}>
        <input aria-label=${t("addMember")} placeholder=${t("addMember")} dir="auto" value=${add} onInput=${(e) => setAdd(e.target.value)} required />
        <button type="submit">${t("add")}</button>
      </form>`}
      ${error && html`<p class="error" role="alert">${error}</p>`}
      <ul class="members">
        ${members.map((m) => {
          const u = users[m.user_id];
          const self = m.user_id === me.id;
          const canRemove = !self && can(chat, "ban") && m.role !== "owner" && (owner || m.role === "member");
          return html`<li key=${m.user_id} data-user=${u ? u.username : ""}>
            <${Avatar} name=${userName(u)} id=${m.user_id} online=${u && u.online} />
            <span class="name" dir="auto">${self ? t("you") : userName(u)}<${BotBadge} user=${u} /></span>
            <span class="role">${t(m.role)}</span>
            <span class="member-actions">
              ${owner && !channel && !self && m.role === "member" && html`<button type="button" class="link make-admin" onClick=${setRole(m.user_id, "admin")}>${t("makeAdmin")}</button>`}
              ${owner && !channel && !self && m.role === "admin" && html`<button type="button" class="link make-member" onClick=${setRole(m.user_id, "member")}>${t("makeMember")}</button>`}
              ${owner && !channel && !self && html`<button type="button" class="link make-owner" onClick=${setRole(m.user_id, "owner")}>${t("makeOwner")}</button>`}
              ${canRemove && html`<button type="button" class="link remove danger-text" onClick=${remove(m.user_id)}>${t("remove")}</button>`}
            </span>
          </li>`;
        })}
      </ul>
      ${more && html`<button type="button" class="link more-members" aria-label=${t("loadMore")} onClick=${() => load(members[members.length - 1].user_id)}>…</button>`}
      ${joined && html`<button type="button" class="leave danger" onClick=${leave}>${channel ? t("leaveChannel") : t("leave")}</button>`}
    <//>`;
}

// NewChat makes a group (a name and members) or a channel (a name, an
// optional @username that makes it public, about, signatures).
export function NewChat({ onCreated, onClose }) {
  const [kind, setKind] = useState("group");
  const [title, setTitle] = useState("");
  const [names, setNames] = useState("");
  const [username, setUsername] = useState("");
  const [about, setAbout] = useState("");
  const [signatures, setSignatures] = useState(false);
  const [error, run] = useAction();
  const create = run(async () => {
    let c;
    if (kind === "group") {
      const users = await lookup(names);
      c = await api("POST", "/v1/chats", { type: "group", title, members: users.map((u) => u.id) });
    } else {
      const body = { type: "channel", title, signatures };
      if (username.trim()) body.username = username.trim().replace(/^@/, "");
      if (about.trim()) body.about = about.trim();
      c = await api("POST", "/v1/chats", body);
    }
    onCreated(c);
  });
  const channel = kind === "channel";
  return html`
    <${Panel} title=${channel ? t("newChannel") : t("newGroup")} onClose=${onClose} cls=${"newgroup-panel" + (channel ? " newchannel" : "")}>
      <div class="kinds" role="group" aria-label=${t("newChatLabel")}>
        <button type="button" class=${"kind-group" + (channel ? " link" : "")} aria-pressed=${!channel} onClick=${() => setKind("group")}>${t("kindGroup")}</button>
        <button type="button" class=${"kind-channel" + (channel ? "" : " link")} aria-pressed=${channel} onClick=${() => setKind("channel")}>${t("kindChannel")}</button>
      </div>
      <form class="stack" onSubmit=${create}>
        <label>${channel ? t("channelTitle") : t("groupTitle")} <input name="title" dir="auto" value=${title} onInput=${(e) => setTitle(e.target.value)} required /></label>
        ${channel ? html`
          <label>${t("publicUsername")} <input name="username" dir="ltr" value=${username} onInput=${(e) => setUsername(e.target.value)} /></label>
          <label>${t("about")} <textarea name="about" dir="auto" value=${about} onInput=${(e) => setAbout(e.target.value)}></textarea></label>
          <label class="check"><input type="checkbox" name="signatures" checked=${signatures} onChange=${(e) => setSignatures(e.target.checked)} /> ${t("signatures")}</label>`
        : html`<label>${t("addMembers")} <input name="members" dir="auto" value=${names} onInput=${(e) => setNames(e.target.value)} /></label>`}
        ${error && html`<p class="error" role="alert">${error}</p>`}
        <button type="submit">${t("create")}</button>
      </form>
    <//>`;
}

export function Settings({ me, onMe, onSignOut, onLang, onClose, onOpenChat }) {
  const [name, setName] = useState(me.display_name || "");
  const [bio, setBio] = useState(me.bio || "");
  const [username, setUsername] = useState(me.username || "");
  const [saved, setSaved] = useState(false);
  const [sessions, setSessions] = useState([]);
  const [blocks, setBlocks] = useState([]);
  const [error, run] = useAction();
  const load = async () => {
    setSessions((await api("GET", "/v1/sessions")).sessions);
    setBlocks((await api("GET", "/v1/blocks")).users);
  };
  useEffect(() => { load(); }, []);
  const save = run(async () => {
    setSaved(false);
    const body = { display_name: name, bio };
    if (username && username !== me.username) body.username = username.replace(/^@/, "");
    onMe(await api("PATCH", "/v1/me", body));
    setSaved(true);
  });
  const revoke = (id) => run(async () => { await api("DELETE", "/v1/sessions/" + id); await load(); });
  const unblock = (id) => run(async () => { await api("DELETE", "/v1/blocks/" + id); await load(); });
  return html`
    <${Panel} title=${t("settings")} onClose=${onClose} cls="settings-panel">
      <h3>${t("profile")}</h3>
      <form class="stack profile" onSubmit=${save}>
        <label>${t("displayName")} <input name="display_name" dir="auto" value=${name} onInput=${(e) => setName(e.target.value)} /></label>
        <label>${t("username")} <input name="username" dir="ltr" value=${username} onInput=${(e) => setUsername(e.target.value)} /></label>
        <label>${t("bio")} <textarea name="bio" dir="auto" value=${bio} onInput=${(e) => setBio(e.target.value)}></textarea></label>
        <button type="submit">${t("save")}</button>
        ${saved && html`<p class="ok" role="status">${t("saved")}</p>`}
      </form>
      ${error && html`<p class="error" role="alert">${error}</p>`}
      <h3>${t("sessions")}</h3>
      <ul class="sessions">
        ${sessions.map((s) => html`<li key=${s.id} data-session=${s.id}>
          <span><strong>${s.device || "—"}</strong>${s.current && html` <em>(${t("thisDevice")})</em>`}
          <small class="muted">${t("signedInAt", fmtWhen(s.created_at), fmtWhen(s.last_seen_at))}</small></span>
          ${s.current
            ? html`<button type="button" class="link" onClick=${onSignOut}>${t("signOut")}</button>`
            : html`<button type="button" class="link revoke danger-text" onClick=${revoke(s.id)}>${t("revoke")}</button>`}
        </li>`)}
      </ul>
      <h3>${t("blockedUsers")}</h3>
      <ul class="blocked">
        ${blocks.length === 0 && html`<li class="muted">${t("none")}</li>`}
        ${blocks.map((u) => html`<li key=${u.id}><span dir="auto">${userName(u)}</span>
          <button type="button" class="link unblock" onClick=${unblock(u.id)}>${t("unblock")}</button></li>`)}
      </ul>
      <h3>${t("myBots")}</h3>
      <${MyBots} onOpenChat=${onOpenChat} />
      <h3>${t("language")}</h3>
      <${LangSwitch} onChange=${onLang} />
      <p><button type="button" class="signout" onClick=${onSignOut}>${t("signOut")}</button></p>
    <//>`;
}

export function ForwardPicker({ chats, users, onPick, onClose }) {
  return html`
    <${Panel} title=${t("forwardTo")} onClose=${onClose} cls="forward-panel">
      <ul class="pick">
        ${chats.map((c) => html`<li key=${c.id}><button type="button" class="chat" onClick=${() => onPick(c.id)}>
          <${Avatar} name=${chatName(c, users)} id=${c.peer_id || c.id} /><span class="name" dir="auto">${chatName(c, users)}</span></button></li>`)}
      </ul>
    <//>`;
}
