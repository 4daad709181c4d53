// The UI's languages: English and Persian. Persian lays the page out right
// to left and shows dates in the Solar Hijri calendar with Persian digits.

const strings = {
  en: {
    username: "Username", password: "Password", signIn: "Sign in", signUp: "Sign up",
    toSignUp: "New here? Sign up", toSignIn: "Have an account? Sign in", signOut: "Sign out",
    byPhone: "Use a phone number instead", byPassword: "Use a username and password instead",
    phone: "Phone number (with country code)", sendCode: "Send code", code: "Code from the SMS",
    codeSent: "A code is on its way to {0}.", yourName: "Your name (for new accounts)", otherPhone: "Another number",
    searchMessages: "Search messages", noResults: "Nothing found.",
    startChat: "Start a chat with @username", chats: "Chats", newGroup: "New group", settings: "Settings",
    message: "Message", send: "Send", choose: "Choose a chat, or start one by @username.",
    connecting: "Connecting…", offline: "Offline — messages will be sent when the connection is back",
    typing: "typing…", typingWho: "{0} is typing…", online: "online", lastSeen: "last seen {0}",
    members: "{0} members", you: "You", unread: "unread", other: "فارسی", back: "Back", info: "Chat info",
    deleted: "This message was deleted", edited: "edited", reply: "Reply", edit: "Edit", delete: "Delete",
    forward: "Forward", cancel: "Cancel", confirmDelete: "Delete for everyone", actions: "Message actions",
    replyingTo: "Replying to {0}", editing: "Editing your message", forwardTo: "Forward to…",
    forwardedFrom: "Forwarded from {0}", pending: "Sending", sent: "Sent", read: "Read", failed: "Not sent: {0}",
    beginning: "This is the beginning of the chat.", loading: "Loading…", save: "Save", saved: "Saved.",
    close: "Close", groupTitle: "Group name", create: "Create", addMembers: "Members (@username, @other)",
    addMember: "Add a member by @username", add: "Add", remove: "Remove", makeAdmin: "Make admin",
    makeMember: "Remove admin", makeOwner: "Make owner", leave: "Leave the group", rename: "Rename",
    owner: "owner", admin: "admin", member: "member", block: "Block", unblock: "Unblock",
    blockedNote: "Nobody can send messages in this chat while either of you blocks the other.",
    profile: "Profile", displayName: "Display name", bio: "Bio", sessions: "Devices", thisDevice: "this device",
    revoke: "Sign out this device", blockedUsers: "Blocked users", none: "None", language: "Language",
    notFound: "No such user.", signedInAt: "signed in {0}, last active {1}",
    chat_created: "{0} created the chat", member_added: "{0} added {1}", member_removed: "{0} removed {1}",
    member_left: "{0} left", role_changed: "{1} is now {2}", title_changed: "{0} renamed the group to “{1}”",
  },
  fa: {
    username: "نام کاربری", password: "گذرواژه", signIn: "ورود", signUp: "ثبت‌نام",
    toSignUp: "حساب ندارید؟ ثبت‌نام کنید", toSignIn: "حساب دارید؟ وارد شوید", signOut: "خروج",
    byPhone: "ورود با شماره تلفن", byPassword: "ورود با نام کاربری و گذرواژه",
    phone: "شماره تلفن (با پیش‌شماره کشور)", sendCode: "فرستادن کد", code: "کد پیامک‌شده",
    codeSent: "کدی به {0} فرستاده شد.", yourName: "نام شما (برای حساب تازه)", otherPhone: "شماره‌ای دیگر",
    searchMessages: "جستجوی پیام‌ها", noResults: "چیزی پیدا نشد.",
    startChat: "گفتگو با ‎@نام‌کاربری", chats: "گفتگوها", newGroup: "گروه تازه", settings: "تنظیمات",
    message: "پیام", send: "بفرست", choose: "یک گفتگو را انتخاب کنید، یا با ‎@نام‌کاربری گفتگویی تازه آغاز کنید.",
    connecting: "در حال اتصال…", offline: "آفلاین — پیام‌ها پس از برقراری اتصال فرستاده می‌شوند",
    typing: "در حال نوشتن…", typingWho: "{0} در حال نوشتن است…", online: "آنلاین", lastSeen: "آخرین بازدید {0}",
    members: "{0} عضو", you: "شما", unread: "نخوانده", other: "English", back: "بازگشت", info: "دربارهٔ گفتگو",
    deleted: "این پیام پاک شد", edited: "ویرایش‌شده", reply: "پاسخ", edit: "ویرایش", delete: "پاک کردن",
    forward: "هدایت", cancel: "لغو", confirmDelete: "پاک کردن برای همه", actions: "کارهای پیام",
    replyingTo: "در پاسخ به {0}", editing: "ویرایش پیام شما", forwardTo: "هدایت به…",
    forwardedFrom: "هدایت‌شده از {0}", pending: "در حال فرستادن", sent: "فرستاده شد", read: "خوانده شد", failed: "فرستاده نشد: {0}",
    beginning: "آغاز این گفتگو.", loading: "در حال بارگیری…", save: "ذخیره", saved: "ذخیره شد.",
    close: "بستن", groupTitle: "نام گروه", create: "بساز", addMembers: "اعضا (‎@نام، ‎@دیگری)",
    addMember: "افزودن عضو با ‎@نام‌کاربری", add: "بیفزا", remove: "بردار", makeAdmin: "مدیر کن",
    makeMember: "برداشتن مدیریت", makeOwner: "مالک کن", leave: "ترک گروه", rename: "تغییر نام",
    owner: "مالک", admin: "مدیر", member: "عضو", block: "مسدود کردن", unblock: "رفع مسدودی",
    blockedNote: "تا وقتی یکی از شما دیگری را مسدود کرده، کسی نمی‌تواند در این گفتگو پیام بفرستد.",
    profile: "نمایه", displayName: "نام نمایشی", bio: "دربارهٔ من", sessions: "دستگاه‌ها", thisDevice: "همین دستگاه",
    revoke: "خروج این دستگاه", blockedUsers: "کاربران مسدود", none: "هیچ", language: "زبان",
    notFound: "چنین کاربری نیست.", signedInAt: "ورود {0}، آخرین فعالیت {1}",
    chat_created: "{0} گفتگو را ساخت", member_added: "{0}، {1} را افزود", member_removed: "{0}، {1} را برداشت",
    member_left: "{0} رفت", role_changed: "{1} اکنون {2} است", title_changed: "{0} نام گروه را «{1}» گذاشت",
  },
};

// The language is the user's choice, else the browser's.
export let lang = localStorage.getItem("chapar.lang") || (navigator.language.startsWith("fa") ? "fa" : "en");

// t looks up a string and fills {0}, {1}, … with args.
export function t(key, ...args) {
  const s = strings[lang][key] || strings.en[key] || key;
  return s.replace(/\{(\d)\}/g, (_, i) => String(args[Number(i)] ?? ""));
}

export function applyLang() {
  document.documentElement.lang = lang;
  document.documentElement.dir = lang === "fa" ? "rtl" : "ltr";
}

export function setLang(l) {
  lang = l;
  localStorage.setItem("chapar.lang", l);
  applyLang();
}

// The calendar follows the language: Gregorian for English, Solar Hijri
// (with Persian digits) for Persian.
const locale = () => (lang === "fa" ? "fa-IR-u-ca-persian-nu-arabext" : "en-GB");
const cache = new Map();
function formatter(kind) {
  const key = lang + kind;
  if (!cache.has(key)) {
    const opts = {
      time: { hour: "2-digit", minute: "2-digit" },
      day: { day: "numeric", month: "long", year: "numeric" },
      when: { day: "numeric", month: "short", hour: "2-digit", minute: "2-digit" },
    }[kind];
    cache.set(key, new Intl.DateTimeFormat(locale(), opts));
  }
  return cache.get(key);
}

export const fmtTime = (d) => formatter("time").format(new Date(d));
export const fmtDay = (d) => formatter("day").format(new Date(d));
export const fmtWhen = (d) => formatter("when").format(new Date(d));
export const fmtNumber = (n) => new Intl.NumberFormat(lang === "fa" ? "fa-IR" : "en").format(n);
// dayKey groups messages by the local calendar day.
export const dayKey = (d) => new Date(d).toDateString();
