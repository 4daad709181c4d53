// The composer's side of media: files chosen with 📎, dropped on the
// conversation or pasted go up at once (upload.js) and wait in a tray
// above the text, which becomes their caption; a voice note is recorded
// with MediaRecorder and sent as soon as it is up.
import { useState, useEffect, useRef } from "./vendor/hooks.module.js";
import { html } from "./ui.js";
import { t, fmtNumber, fmtSize, fmtDuration } from "./i18n.js";
import { Upload, waveformOf } from "./upload.js";

export const MAX_FILES = 10;      // files in one message
export const MAX_CAPTION = 1024;  // characters of a caption

// Each chat keeps its tray while another chat is open: chat id → [item].
// An item is {up: Upload, preview: blob URL of an image, voice: bool}.
const trays = new Map();

// useTray is the open chat's tray, re-rendered as its uploads move on.
export function useTray(chatID) {
  const [, bump] = useState(0);
  const items = trays.get(chatID) || [];
  const set = (next) => { trays.set(chatID, next); bump((n) => n + 1); };
  useEffect(() => {
    const offs = items.map((it) => it.up.subscribe(() => bump((n) => n + 1)));
    return () => offs.forEach((off) => off());
  }, [items]);
  const files = items.filter((it) => !it.voice);
  return {
    items,
    files,
    // ready: every file in the tray is uploaded (and there is one).
    ready: files.length > 0 && files.every((it) => it.up.state === "done"),
    // add starts uploading files; it returns an error to show, if any.
    add(list) {
      const room = MAX_FILES - files.length;
      const chosen = [...list].slice(0, Math.max(0, room));
      const added = chosen.map((file) => ({
        up: new Upload(file),
        preview: /^image\/(jpeg|png|gif|webp)$/.test(file.type) ? URL.createObjectURL(file) : "",
      }));
      set([...(trays.get(chatID) || []), ...added]);
      return list.length > chosen.length ? t("tooManyFiles", fmtNumber(MAX_FILES)) : "";
    },
    // addVoice uploads a recording; sent is called with its file id.
    async addVoice(blob, sent) {
      const ext = blob.type.includes("ogg") ? "ogg" : "webm";
      const waveform = await waveformOf(blob);
      const it = { up: new Upload(blob, { kind: "voice", name: "voice." + ext, waveform }), voice: true };
      set([...(trays.get(chatID) || []), it]);
      it.up.done.then((id) => { drop(chatID, it); sent(id); }, () => {});
    },
    remove(it) { it.up.cancel(); drop(chatID, it); bump((n) => n + 1); },
    // clear empties the tray of sent files (their uploads are done).
    clear() { for (const it of files) drop(chatID, it); bump((n) => n + 1); },
  };
}

function drop(chatID, it) {
  if (it.preview) URL.revokeObjectURL(it.preview);
  trays.set(chatID, (trays.get(chatID) || []).filter((x) => x !== it));
}

// albums splits the tray's files into messages (lists of uploads) as the
// server takes them: photos and videos together, files together, audio
// together.
export function albums(items) {
  const groups = new Map();
  for (const { up } of items) {
    const k = up.kind === "photo" || up.kind === "video" ? "visual" : up.kind;
    if (!groups.has(k)) groups.set(k, []);
    groups.get(k).push(up);
  }
  return [...groups.values()];
}

// Tray lists the files waiting to be sent, each with its progress, a ✕
// (cancel and remove) and, after a failure, "Retry".
export function Tray({ tray }) {
  return html`<ul class="tray" aria-label=${t("attach")}>
    ${tray.items.map((it) => {
      const u = it.up;
      const pct = u.size ? Math.floor((u.sent / u.size) * 100) : 100;
      const state = u.state === "done" ? t("uploadReady")
        : u.state === "failed" ? t("uploadFailed", u.error === "network" ? t("lostConnection") : u.error)
        : u.state === "waiting" ? t("uploadWaiting")
        : fmtNumber(pct / 100, { style: "percent" });
      return html`<li key=${u.key} class=${"tray-item " + u.state} data-state=${u.state}>
        ${it.preview ? html`<img class="tray-thumb" src=${it.preview} alt="" />`
          : html`<span class="tray-thumb file-icon" aria-hidden="true">${it.voice ? "🎤" : u.kind === "video" ? "🎬" : u.kind === "audio" ? "🎵" : "📄"}</span>`}
        <span class="tray-body">
          <span class="file-name"><bdi dir="auto">${it.voice ? t("voiceMsg") : u.name}</bdi></span>
          <small><span class="file-size">${fmtSize(u.size)}</span> · <span class="tray-state" role=${u.state === "failed" ? "alert" : undefined}>${state}</span></small>
          ${u.state !== "done" && html`<progress max=${u.size || 1} value=${u.sent} aria-label=${t("uploading", u.name)}></progress>`}
        </span>
        ${u.state === "failed" && html`<button type="button" class="link retry" onClick=${() => u.retry()}>${t("retry")}</button>`}
        <button type="button" class="link remove" aria-label=${t("removeFile", it.voice ? t("voiceMsg") : u.name)} title=${t("cancel")}
          onClick=${() => tray.remove(it)}>✕</button>
      </li>`;
    })}
  </ul>`;
}

// recorderType is what MediaRecorder records in: Ogg/Opus where the
// browser can (Firefox), else WebM/Opus (Chromium, Safari).
function recorderType() {
  for (const type of ["audio/ogg;codecs=opus", "audio/webm;codecs=opus", "audio/webm"]) {
    if (MediaRecorder.isTypeSupported(type)) return type;
  }
  return "";
}

export const canRecord = () => typeof MediaRecorder !== "undefined" && !!(navigator.mediaDevices && navigator.mediaDevices.getUserMedia);

// useRecorder records a voice note: start() asks for the microphone,
// stop() ends it and calls onDone(blob), cancel() throws it away.
export function useRecorder(onDone) {
  const [since, setSince] = useState(0); // when recording started; 0: not recording
  const [, tick] = useState(0);
  const [error, setError] = useState("");
  const rec = useRef(null);
  useEffect(() => {
    if (!since) return;
    const timer = setInterval(() => tick((n) => n + 1), 250);
    return () => clearInterval(timer);
  }, [since]);
  // Leaving the chat while recording throws the recording away.
  useEffect(() => () => { if (rec.current) finish(false); }, []);

  const finish = (keep) => {
    const r = rec.current;
    rec.current = null;
    setSince(0);
    if (!r) return;
    r.keep = keep;
    if (r.state !== "inactive") r.stop();
  };
  const start = async () => {
    setError("");
    let stream;
    try {
      stream = await navigator.mediaDevices.getUserMedia({ audio: true });
    } catch (err) {
      setError(t("noMic", err.message || err.name));
      return;
    }
    const type = recorderType();
    const r = new MediaRecorder(stream, type ? { mimeType: type } : undefined);
    const chunks = [];
    r.ondataavailable = (e) => { if (e.data.size) chunks.push(e.data); };
    r.onstop = () => {
      stream.getTracks().forEach((tr) => tr.stop()); // the browser's "recording" mark goes
      if (r.keep && chunks.length) onDone(new Blob(chunks, { type: (r.mimeType || type || "audio/webm").split(";")[0] }));
    };
    r.start(1000);
    rec.current = r;
    setSince(Date.now());
  };
  return { recording: !!since, seconds: since ? (Date.now() - since) / 1000 : 0, error, start, stop: () => finish(true), cancel: () => finish(false) };
}

// RecordBar replaces the text box while recording: a red dot, the time,
// cancel and send.
export function RecordBar({ rec }) {
  return html`<div class="record-bar" role="status" aria-label=${t("recording")}>
    <span class="rec-dot" aria-hidden="true"></span>
    <span class="rec-time">${fmtDuration(Math.floor(rec.seconds))}</span>
    <span class="muted">${t("recording")}</span>
    <button type="button" class="link rec-cancel" aria-label=${t("cancelRecording")} title=${t("cancelRecording")} onClick=${rec.cancel}>✕</button>
    <button type="button" class="rec-send" aria-label=${t("sendVoice")} title=${t("sendVoice")} onClick=${rec.stop}>➤</button>
  </div>`;
}
