// Uploads: a small tus 1.0.0 client (docs/API.md "Media") of our own.
// A file is created with POST /v1/uploads and sent in 4 MiB PATCHes by
// XMLHttpRequest (fetch cannot report upload progress). A request that
// fails on the way (the network went, the server restarted) is followed by
// HEAD, which says how far the server got, and the upload goes on from
// there: by itself with a growing delay (at once when the browser says it
// is back online), or when the user presses "retry" after a few failures.
// Cancel aborts the request and DELETEs the upload.
import { store } from "./net.js";

export const CHUNK = 4 << 20;
const TRIES = 5; // failures in a row (while online) before waiting for the user: 15 s

// kindOf is the kind a file is sent as. Photos are what the server turns
// into thumbnails (JPEG, PNG, GIF, WebP); other images go as files.
export function kindOf(file) {
  const type = (file.type || "").toLowerCase();
  if (/^image\/(jpeg|png|gif|webp)$/.test(type)) return "photo";
  if (type.startsWith("video/")) return "video";
  if (type.startsWith("audio/")) return "audio";
  return "file";
}

// b64 is base64 of a string's UTF-8 bytes (btoa alone takes Latin-1 only,
// and file names are often Persian).
function b64(s) {
  let bin = "";
  for (const byte of new TextEncoder().encode(s)) bin += String.fromCharCode(byte);
  return btoa(bin);
}

// shortName keeps a name within the server's 255 bytes, and its extension.
function shortName(name) {
  const enc = new TextEncoder();
  if (enc.encode(name).length <= 255) return name;
  const dot = name.lastIndexOf(".");
  const ext = dot > 0 && name.length - dot <= 10 ? name.slice(dot) : "";
  let base = [...name.slice(0, name.length - ext.length)];
  while (base.length && enc.encode(base.join("") + "…" + ext).length > 255) base.pop();
  return base.join("") + "…" + ext;
}

let nextKey = 1;

// Upload sends one file. Its fields are read by the UI, which listens with
// subscribe(): state is "uploading", "waiting" (for the network, or for the
// next try), "failed" (the user may retry), "done" (fileID is set) or
// "cancelled". done is a promise of the file id.
export class Upload {
  // waveform (voice notes): up to 100 values of 0–31, drawn by waveformOf.
  constructor(file, { kind, name, waveform } = {}) {
    this.key = nextKey++;
    this.file = file;
    this.kind = kind || kindOf(file);
    this.name = shortName(name || file.name || "");
    this.waveform = waveform || [];
    this.size = file.size;
    this.sent = 0;
    this.state = "uploading";
    this.error = "";
    this.fileID = "";
    this.url = "";        // /v1/uploads/{id} once created
    this.xhr = null;
    this.creating = false;
    this.tries = 0;
    this.timer = 0;
    this.wake = null;     // goes on after a failure: on a timer, or when back online
    this.listeners = new Set();
    this.done = new Promise((resolve, reject) => { this.resolve = resolve; this.reject = reject; });
    this.done.catch(() => {}); // a cancelled upload is nobody's error
    this.run();
  }

  subscribe(fn) { this.listeners.add(fn); return () => this.listeners.delete(fn); }
  changed() { for (const fn of this.listeners) fn(this); }

  // request sends one request by XMLHttpRequest; it resolves with the XHR
  // whatever the status, and rejects only when no answer came.
  request(method, url, headers, body, onProgress) {
    return new Promise((resolve, reject) => {
      const xhr = new XMLHttpRequest();
      this.xhr = xhr;
      xhr.open(method, url);
      xhr.setRequestHeader("Tus-Resumable", "1.0.0");
      if (store.token) xhr.setRequestHeader("Authorization", "Bearer " + store.token);
      for (const [k, v] of Object.entries(headers)) xhr.setRequestHeader(k, v);
      if (onProgress) xhr.upload.onprogress = (e) => onProgress(e.loaded);
      xhr.onload = () => { this.xhr = null; resolve(xhr); };
      xhr.onerror = xhr.ontimeout = () => { this.xhr = null; reject(new Error("network")); };
      xhr.onabort = () => { this.xhr = null; reject(new Error("aborted")); };
      xhr.send(body);
    });
  }

  async run() {
    this.state = "uploading";
    this.error = "";
    this.changed();
    try {
      if (!this.url) await this.create();
      else await this.where(); // going on after a failure: ask how far it got
      while (this.state === "uploading" && !this.fileID) await this.patch();
    } catch (err) {
      if (this.state === "cancelled") return;
      if (err.fatal) return this.fail(err.message);
      this.again();
    }
  }

  async create() {
    const meta = [["kind", this.kind], ["filename", this.name], ["filetype", this.file.type],
      ["waveform", String.fromCharCode(...this.waveform)]] // values under 128: their UTF-8 is the bytes
      .filter(([, v]) => v).map(([k, v]) => k + " " + b64(v)).join(",");
    // A POST is not aborted by cancel(): the upload it makes is dropped
    // once its address is known.
    this.creating = true;
    const xhr = await this.request("POST", "/v1/uploads", { "Upload-Length": String(this.size), "Upload-Metadata": meta })
      .finally(() => { this.creating = false; });
    if (xhr.status !== 201) throw refusal(xhr);
    this.url = new URL(xhr.getResponseHeader("Location"), location.href).pathname;
    this.sent = 0;
    // Cancelled while the server was making it: it goes at once.
    if (this.state === "cancelled") this.drop();
  }

  // where asks the server how far the upload got (tus HEAD).
  async where() {
    const xhr = await this.request("HEAD", this.url, {});
    if (xhr.status === 404) { this.url = ""; return this.create(); } // dropped (a day old): start again
    if (xhr.status !== 200) throw refusal(xhr);
    this.sent = Number(xhr.getResponseHeader("Upload-Offset"));
    if (this.sent >= this.size) {
      // The last PATCH went through but its answer was lost: the file is
      // finished, and its id is in the upload's state.
      const st = await this.request("GET", this.url, {});
      const file = st.status === 200 && JSON.parse(st.responseText).file;
      if (!file) throw refusal(st);
      this.finished(file.id);
    }
  }

  finished(id) {
    this.fileID = id;
    this.state = "done";
    this.resolve(id);
    this.changed();
  }

  async patch() {
    const from = this.sent;
    const chunk = this.file.slice(from, Math.min(from + CHUNK, this.size));
    const xhr = await this.request("PATCH", this.url,
      { "Content-Type": "application/offset+octet-stream", "Upload-Offset": String(from) }, chunk,
      (n) => { this.sent = from + Math.min(n, chunk.size); this.changed(); });
    if (xhr.status === 409 || xhr.status === 404) return this.where(); // out of step with the server
    if ((xhr.status === 400 || xhr.status === 413) && (this.kind === "photo" || this.kind === "video")) {
      // The content is not a photo (or video) the server takes: the
      // upload was dropped, and the file goes again as a plain file.
      this.kind = "file";
      this.url = "";
      return this.create();
    }
    if (xhr.status !== 204) throw refusal(xhr);
    this.tries = 0;
    this.sent = Number(xhr.getResponseHeader("Upload-Offset"));
    const id = xhr.getResponseHeader("Chapar-File-Id");
    if (id) this.finished(id);
    else this.changed();
  }

  // again tries once more after a delay that doubles with each failure
  // (1, 2, 4, 8 s), or as soon as the browser is back online; after TRIES
  // failures in a row it waits for the user. While the browser knows it is
  // offline, failures do not count: the upload waits for the network.
  again() {
    if (navigator.onLine) this.tries++;
    if (this.tries >= TRIES) return this.fail("network");
    this.state = "waiting";
    this.changed();
    this.wake = () => { this.sleepNoMore(); this.run(); };
    this.timer = setTimeout(this.wake, 1000 * 2 ** Math.max(0, this.tries - 1));
    window.addEventListener("online", this.wake);
  }

  sleepNoMore() {
    clearTimeout(this.timer);
    if (this.wake) window.removeEventListener("online", this.wake);
    this.wake = null;
  }

  fail(message) {
    this.state = "failed";
    this.error = message;
    this.changed();
  }

  // retry is the user's "try again" after a failure.
  retry() {
    if (this.state !== "failed" && this.state !== "waiting") return;
    this.sleepNoMore();
    this.tries = 0;
    this.run();
  }

  // cancel stops the upload and drops what the server has of it.
  cancel() {
    if (this.state === "done" || this.state === "cancelled") return;
    this.state = "cancelled";
    this.sleepNoMore();
    if (this.xhr && !this.creating) this.xhr.abort();
    if (this.url) this.drop();
    this.reject(new Error("cancelled"));
    this.changed();
  }

  drop() {
    const headers = { "Tus-Resumable": "1.0.0" };
    if (store.token) headers.Authorization = "Bearer " + store.token;
    fetch(this.url, { method: "DELETE", headers }).catch(() => {});
  }
}

// refusal is an error for an answer that trying again will not change
// (4xx), or one worth another try (5xx).
function refusal(xhr) {
  let msg = xhr.statusText || String(xhr.status);
  try { msg = JSON.parse(xhr.responseText).error.message || msg; } catch (e) { /* not JSON */ }
  const err = new Error(msg);
  err.fatal = xhr.status >= 400 && xhr.status < 500 && xhr.status !== 408 && xhr.status !== 429;
  return err;
}

// waveformOf draws a recording's loudness for display, as Telegram's
// clients do: the sound decoded, cut into steps, each step's peak scaled
// so that the loudest is 31. It is empty if the browser cannot decode it.
export async function waveformOf(blob, steps = 64) {
  try {
    const ctx = new OfflineAudioContext(1, 1, 48000);
    const data = (await ctx.decodeAudioData(await blob.arrayBuffer())).getChannelData(0);
    const n = Math.min(steps, data.length);
    const peaks = [];
    for (let i = 0; i < n; i++) {
      let peak = 0;
      for (let j = Math.floor(i * data.length / n), end = Math.floor((i + 1) * data.length / n); j < end; j++) {
        peak = Math.max(peak, Math.abs(data[j]));
      }
      peaks.push(peak);
    }
    const top = Math.max(0, ...peaks);
    return top > 0 ? peaks.map((p) => Math.round(p / top * 31)) : [];
  } catch {
    return [];
  }
}
