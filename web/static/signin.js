// Sign in and sign up: with a username and password, or a phone number and
// a one-time code.
import { useState } from "./vendor/hooks.module.js";
import { html, LangSwitch } from "./ui.js";
import { t } from "./i18n.js";
import { api, store } from "./net.js";

export function SignIn({ onSignedIn, onLang }) {
  const [way, setWay] = useState("password"); // or "phone"
  return html`
    <div class="signin-page">
      <h1>chapar</h1>
      ${way === "password" ? html`<${PasswordForm} onSignedIn=${onSignedIn} />` : html`<${PhoneForm} onSignedIn=${onSignedIn} />`}
      <button type="button" class="link way" onClick=${() => setWay(way === "password" ? "phone" : "password")}>
        ${way === "password" ? t("byPhone") : t("byPassword")}
      </button>
      <${LangSwitch} onChange=${onLang} />
    </div>`;
}

function useSubmit(fn) {
  const [error, setError] = useState("");
  const [busy, setBusy] = useState(false);
  const submit = async (e) => {
    e.preventDefault();
    setError("");
    setBusy(true);
    try { await fn(); } catch (err) { setError(err.message); } finally { setBusy(false); }
  };
  return { error, busy, submit };
}

function PasswordForm({ onSignedIn }) {
  const [mode, setMode] = useState("login");
  const [username, setUsername] = useState("");
  const [password, setPassword] = useState("");
  const { error, busy, submit } = useSubmit(async () => {
    const a = await api("POST", "/v1/auth/" + mode, { username: username.replace(/^@/, ""), password, device: deviceName() });
    store.token = a.token;
    onSignedIn(a.user);
  });
  return html`
    <form class="signin" onSubmit=${submit}>
      <label>${t("username")} <input name="username" autocomplete="username" dir="ltr" value=${username} onInput=${(e) => setUsername(e.target.value)} required /></label>
      <label>${t("password")} <input name="password" type="password" autocomplete=${mode === "login" ? "current-password" : "new-password"} value=${password} onInput=${(e) => setPassword(e.target.value)} required /></label>
      ${error && html`<p class="error" role="alert">${error}</p>`}
      <button type="submit" disabled=${busy}>${mode === "login" ? t("signIn") : t("signUp")}</button>
      <button type="button" class="link mode" onClick=${() => setMode(mode === "login" ? "register" : "login")}>
        ${mode === "login" ? t("toSignUp") : t("toSignIn")}
      </button>
    </form>`;
}

function PhoneForm({ onSignedIn }) {
  const [phone, setPhone] = useState("");
  const [sent, setSent] = useState(false);
  const [code, setCode] = useState("");
  const [name, setName] = useState("");
  const start = useSubmit(async () => {
    await api("POST", "/v1/auth/phone/start", { phone: phone.replace(/[\s-]/g, "") });
    setSent(true);
  });
  const verify = useSubmit(async () => {
    const a = await api("POST", "/v1/auth/phone/verify", {
      phone: phone.replace(/[\s-]/g, ""), code: toLatinDigits(code.trim()), device: deviceName(), display_name: name || undefined,
    });
    store.token = a.token;
    onSignedIn(a.user);
  });
  if (!sent) {
    return html`
      <form class="signin phone" onSubmit=${start.submit}>
        <label>${t("phone")} <input name="phone" type="tel" autocomplete="tel" dir="ltr" placeholder="+98…" value=${phone} onInput=${(e) => setPhone(toLatinDigits(e.target.value))} required /></label>
        ${start.error && html`<p class="error" role="alert">${start.error}</p>`}
        <button type="submit" disabled=${start.busy}>${t("sendCode")}</button>
      </form>`;
  }
  return html`
    <form class="signin code" onSubmit=${verify.submit}>
      <p><bdi dir="ltr">${t("codeSent", phone)}</bdi></p>
      <label>${t("code")} <input name="code" inputmode="numeric" autocomplete="one-time-code" dir="ltr" value=${code} onInput=${(e) => setCode(e.target.value)} required /></label>
      <label>${t("yourName")} <input name="display_name" dir="auto" value=${name} onInput=${(e) => setName(e.target.value)} /></label>
      ${verify.error && html`<p class="error" role="alert">${verify.error}</p>`}
      <button type="submit" disabled=${verify.busy}>${t("signIn")}</button>
      <button type="button" class="link" onClick=${() => { setSent(false); setCode(""); }}>${t("otherPhone")}</button>
    </form>`;
}

// People type codes and numbers with Persian or Arabic digits too.
export function toLatinDigits(s) {
  return s.replace(/[۰-۹]/g, (d) => String(d.charCodeAt(0) - 0x6f0)).replace(/[٠-٩]/g, (d) => String(d.charCodeAt(0) - 0x660));
}

// deviceName names the session so that the devices list says what it is.
function deviceName() {
  const ua = navigator.userAgent;
  const browser = /Edg\//.test(ua) ? "Edge" : /Firefox\//.test(ua) ? "Firefox" : /Chrom/.test(ua) ? "Chromium" : /Safari\//.test(ua) ? "Safari" : "Browser";
  const os = /Android/.test(ua) ? "Android" : /iPhone|iPad/.test(ua) ? "iOS" : /Windows/.test(ua) ? "Windows" : /Mac OS/.test(ua) ? "macOS" : /Linux/.test(ua) ? "Linux" : "";
  return "web: " + browser + (os ? " on " + os : "");
}
