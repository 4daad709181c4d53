// Media in messages: photos (one, or an album as a grid) that open in a
// full-screen viewer, video and audio players, voice notes, and file cards
// with a download link. An event says what each file is (kind, size,
// width and height, duration, which thumbnails exist); the links to the
// bytes come from GET /v1/files/{id}, asked once per file and again when
// they expire (they work for an hour), since <img> and <video> cannot send
// the bearer token.
import { useState, useEffect, useRef } from "./vendor/hooks.module.js";
import { html } from "./ui.js";
import { api } from "./net.js";
import { t, fmtNumber, fmtSize, fmtDuration } from "./i18n.js";
import { plainText } from "./rich.js";

// files caches what GET /v1/files/{id} said: id → {info, expires, loading}.
const files = new Map();
const MARGIN = 60000; // a link is renewed a minute before it expires

// fileEntry returns the cache entry of a file, asking the server when the
// file is new or its links are about to expire.
function fileEntry(id) {
  let e = files.get(id);
  if (!e) files.set(id, (e = { info: null, expires: 0, loading: null }));
  if (!e.loading && Date.now() > e.expires - MARGIN) {
    e.loading = api("GET", "/v1/files/" + encodeURIComponent(id)).then(
      (info) => { e.info = info; e.expires = Date.parse(info.url_expires); },
      () => { e.expires = Date.now() + MARGIN + 30000; }) // not now: ask again in 30 s
      .finally(() => { e.loading = null; });
  }
  return e;
}

// fresh returns a file's info with links that work now.
export async function freshFile(id) {
  const e = fileEntry(id);
  if (e.loading) await e.loading;
  return e.info;
}

// useFile returns a file's info (null until it is known), and renders
// again when it arrives or is renewed.
export function useFile(id) {
  const [, bump] = useState(0);
  const e = fileEntry(id);
  useEffect(() => {
    let live = true;
    if (e.loading) e.loading.then(() => { if (live) bump((n) => n + 1); });
    return () => { live = false; };
  });
  return e.info;
}

// An element whose link has expired (the page was open for over an hour)
// asks for a new one.
const renew = (id) => () => { if (Date.now() > (files.get(id) || {}).expires - MARGIN) freshFile(id); };

const ICONS = { photo: "📷", video: "🎬", voice: "🎤", audio: "🎵", file: "📎" };
const visual = (m) => m.kind === "photo" || m.kind === "video";

// mediaLabel is a message's one-line summary for the chat list, quotes
// and the pinned bar: its text (after the icon of its media), or when it
// has none, what it carries: "📷 Photo", "🎤 Voice message", "📎 name".
// Spoilers in the text stay hidden (▒).
export function mediaLabel(m) {
  if (!m) return "";
  const media = m.media || [];
  const text = plainText(m.text, m.entities);
  if (!media.length || m.deleted) return text;
  const first = media[0];
  if (m.text) return ICONS[first.kind] + " " + text;
  if (media.length > 1) {
    return visual(first) ? "🖼 " + t("album", fmtNumber(media.length))
      : ICONS[first.kind] + " " + (first.name || t(first.kind)) + " +" + fmtNumber(media.length - 1);
  }
  switch (first.kind) {
    case "photo": return "📷 " + t("photo");
    case "video": return "🎬 " + t("video");
    case "voice": return "🎤 " + t("voiceMsg") + (first.duration ? " (" + fmtDuration(first.duration) + ")" : "");
    default: return ICONS[first.kind] + " " + (first.name || t(first.kind));
  }
}

// boxSize is how large a photo or video shows on its own: at most 320 px
// wide and 400 px high, never larger than it is, with its proportions,
// so that the page does not jump when it loads.
function boxSize(m) {
  const w = m.width || 320, h = m.height || 240;
  const width = Math.round(Math.min(w, 320, (400 * w) / h));
  return { width: width + "px", aspectRatio: w + " / " + h };
}

// photoSources picks a photo's thumbnail of a side, with the others as a
// srcset (the browser takes the smallest that is sharp on the screen).
// Thumbnails are never larger than the photo, so a small photo's are the
// same size: each width is listed once, and the photo itself only if it is
// larger than them all. A GIF is always itself (thumbnails are still).
function photoSources(m, info, side) {
  if (!info) return {};
  const thumbs = info.thumbs || [];
  if (!thumbs.length || m.mime === "image/gif") return { src: info.url };
  const pick = thumbs.find((x) => x.side === side) || thumbs[thumbs.length - 1];
  const widths = new Map();
  for (const x of thumbs) if (!widths.has(x.width)) widths.set(x.width, x.url);
  if (m.width > Math.max(...widths.keys())) widths.set(m.width, info.url);
  return { src: pick.url, srcset: [...widths].map(([w, url]) => `${url} ${w}w`).join(", ") };
}

// MediaBlock shows the media of one message. onView(list, index) opens
// the viewer on a photo or video of the message.
export function MediaBlock({ media, onView }) {
  const shown = media.filter(visual);
  const others = media.filter((m) => !visual(m));
  const view = (i) => onView(shown, i);
  return html`<div class="media">
    ${shown.length === 1 && (shown[0].kind === "photo"
      ? html`<${Photo} m=${shown[0]} style=${boxSize(shown[0])} sizes=${boxSize(shown[0]).width} onOpen=${() => view(0)} />`
      : html`<${Video} m=${shown[0]} style=${boxSize(shown[0])} />`)}
    ${shown.length > 1 && html`<div class=${"album cols-" + (shown.length === 2 || shown.length === 4 ? 2 : 3)}>
      ${shown.map((m, i) => (m.kind === "photo"
        ? html`<${Photo} key=${m.file_id} m=${m} sizes="160px" onOpen=${() => view(i)} />`
        : html`<${VideoCell} key=${m.file_id} m=${m} onOpen=${() => view(i)} />`))}
    </div>`}
    ${others.map((m) => (m.kind === "voice" || m.kind === "audio"
      ? html`<${Audio} key=${m.file_id} m=${m} />` : html`<${FileCard} key=${m.file_id} m=${m} />`))}
  </div>`;
}

function Photo({ m, style, sizes, onOpen }) {
  const info = useFile(m.file_id);
  const { src, srcset } = photoSources(m, info, 320);
  return html`<button type="button" class="media-photo" style=${style} onClick=${onOpen} aria-label=${t("openPhoto")} data-file=${m.file_id}>
    ${src && html`<img src=${src} srcset=${srcset} sizes=${sizes} alt=${m.name || t("photo")} decoding="async" onError=${renew(m.file_id)} />`}
  </button>`;
}

function Video({ m, style }) {
  const info = useFile(m.file_id);
  const poster = info && info.thumbs && info.thumbs.length ? photoSources(m, info, 320).src : undefined;
  return html`<div class="media-video" style=${style} data-file=${m.file_id}>
    ${info && html`<video controls preload="metadata" src=${info.url} poster=${poster} aria-label=${m.name || t("video")} onError=${renew(m.file_id)}></video>`}
  </div>`;
}

// VideoCell is a video in an album: its first frame, played in the viewer.
function VideoCell({ m, onOpen }) {
  const info = useFile(m.file_id);
  return html`<button type="button" class="media-photo video-cell" onClick=${onOpen} aria-label=${t("openVideo")} data-file=${m.file_id}>
    ${info && html`<video preload="metadata" muted src=${info.url} tabindex="-1" onError=${renew(m.file_id)}></video>`}
    <span class="play" aria-hidden="true">▶</span>
    ${m.duration > 0 && html`<span class="badge">${fmtDuration(m.duration)}</span>`}
  </button>`;
}

function Audio({ m }) {
  const info = useFile(m.file_id);
  const voice = m.kind === "voice";
  const player = useRef(null);
  const [played, setPlayed] = useState(0); // 0–1, for the waveform
  // A recording's own duration is often unknown to the browser (WebM from
  // MediaRecorder): the server's is used.
  const length = () => { const d = player.current && player.current.duration; return isFinite(d) && d > 0 ? d : m.duration; };
  const progress = () => { const p = player.current; setPlayed(p && length() ? Math.min(1, p.currentTime / length()) : 0); };
  const seek = (at) => { const p = player.current; if (p && length()) { p.currentTime = at * length(); progress(); } };
  return html`<div class=${"media-audio " + m.kind} data-file=${m.file_id}>
    <span class="file-icon" aria-hidden="true">${ICONS[m.kind]}</span>
    <span class="audio-body">
      ${!voice && m.name && html`<span class="file-name"><bdi dir="auto">${m.name}</bdi></span>`}
      ${voice && m.waveform && m.waveform.length > 0 && html`<${Waveform} values=${m.waveform} played=${played} seek=${seek} />`}
      ${info ? html`<audio ref=${player} controls preload="metadata" src=${info.url} aria-label=${voice ? t("voiceMsg") : m.name || t("audio")}
          onTimeUpdate=${progress} onEnded=${progress} onSeeked=${progress} onError=${renew(m.file_id)}></audio>`
        : html`<span class="audio-wait"></span>`}
    </span>
    <small class="duration">${m.duration > 0 ? fmtDuration(m.duration) : fmtSize(m.size)}</small>
  </div>`;
}

// Waveform draws a voice note's loudness as bars, those already played in
// the accent colour; a click seeks there. Time runs left to right in both
// directions of writing, as in the player beneath it.
function Waveform({ values, played, seek }) {
  const n = values.length;
  const click = (e) => {
    const r = e.currentTarget.getBoundingClientRect();
    seek(Math.max(0, Math.min(1, (e.clientX - r.left) / r.width)));
  };
  return html`<svg class="waveform" dir="ltr" viewBox=${`0 0 ${n * 3} 32`} preserveAspectRatio="none" aria-hidden="true" onClick=${click}>
    ${values.map((v, i) => html`<rect x=${i * 3} y=${31 - v} width="2" height=${v + 1} class=${(i + 0.5) / n <= played ? "played" : ""} />`)}
  </svg>`;
}

function FileCard({ m }) {
  const info = useFile(m.file_id);
  return html`<div class="file-card" data-file=${m.file_id}>
    <span class="file-icon" aria-hidden="true">📄</span>
    <span class="file-info">
      <span class="file-name"><bdi dir="auto">${m.name || t("file")}</bdi></span>
      <small class="file-size">${fmtSize(m.size)}</small>
    </span>
    <${Download} m=${m} info=${info} />
  </div>`;
}

// Download is a link to the file as an attachment. A link that has
// expired meanwhile is renewed first.
function Download({ m, info, cls }) {
  const click = async (e) => {
    if (info && Date.now() < files.get(m.file_id).expires - MARGIN) return;
    e.preventDefault();
    const fresh = await freshFile(m.file_id);
    if (!fresh) return;
    const a = document.createElement("a");
    a.href = fresh.url + "&download=1";
    a.download = m.name || "";
    a.click();
  };
  return html`<a class=${"download " + (cls || "")} href=${info ? info.url + "&download=1" : undefined} download=${m.name || ""}
    aria-label=${t("downloadName", m.name || t("file"))} title=${t("download")} onClick=${click}>⤓ <span>${t("download")}</span></a>`;
}

// Viewer shows a message's photos and videos full screen, one at a time:
// ✕ or Esc closes it, the arrows (buttons or keys) go through an album.
export function Viewer({ list, index, onClose }) {
  const [i, setI] = useState(index);
  const close = useRef(null);
  const n = list.length;
  const m = list[i];
  const info = useFile(m.file_id);
  const rtl = document.documentElement.dir === "rtl";
  const go = (d) => setI((x) => (x + d + n) % n);
  useEffect(() => {
    const back = document.activeElement;
    if (close.current) close.current.focus();
    return () => { if (back && back.focus) back.focus(); };
  }, []);
  useEffect(() => {
    const key = (e) => {
      if (e.key === "Escape") { e.preventDefault(); onClose(); }
      // The next photo is to the right in English, to the left in Persian.
      if (n > 1 && (e.key === "ArrowRight" || e.key === "ArrowLeft")) { e.preventDefault(); go((e.key === "ArrowRight") !== rtl ? 1 : -1); }
    };
    window.addEventListener("keydown", key);
    return () => window.removeEventListener("keydown", key);
  }, [n, rtl]);
  return html`<div class="viewer" role="dialog" aria-modal="true" aria-label=${t("viewer")} onClick=${(e) => { if (e.target === e.currentTarget) onClose(); }}>
    <div class="viewer-bar">
      ${n > 1 && html`<span class="viewer-count">${t("nOfM", fmtNumber(i + 1), fmtNumber(n))}</span>`}
      <span class="file-name"><bdi dir="auto">${m.name || ""}</bdi></span>
      <${Download} m=${m} info=${info} cls="link" />
      <button type="button" class="link close" ref=${close} aria-label=${t("close")} onClick=${onClose}>✕</button>
    </div>
    <div class="viewer-stage" onClick=${(e) => { if (e.target === e.currentTarget) onClose(); }}>
      ${info && (m.kind === "photo"
        ? html`<img key=${m.file_id} class="viewer-img" src=${info.url} alt=${m.name || t("photo")} />`
        : html`<video key=${m.file_id} class="viewer-video" controls autoplay src=${info.url}></video>`)}
    </div>
    ${n > 1 && html`
      <button type="button" class="viewer-prev" aria-label=${t("previous")} onClick=${() => go(-1)}>${rtl ? "›" : "‹"}</button>
      <button type="button" class="viewer-next" aria-label=${t("next")} onClick=${() => go(1)}>${rtl ? "‹" : "›"}</button>`}
  </div>`;
}
