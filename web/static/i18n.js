// The UI's languages: English and Persian. Persian lays the page out right
// to left and shows dates in the Solar Hijri calendar with Persian digits.

const strings = {
  en: {
    username: "Username", password: "Password", signIn: "Sign in", signUp: "Sign up",
    toSignUp: "New here? Sign up", toSignIn: "Have an account? Sign in", signOut: "Sign out",
    byPhone: "Use a phone number instead", byPassword: "Use a username and password instead",
    phone: "Phone number (with country code)", sendCode: "Send code", code: "Code from the SMS",
    codeSent: "A code is on its way to {0}.", yourName: "Your name (for new accounts)", otherPhone: "Another number",
    searchMessages: "Search messages", search: "Search chats, people and messages", noResults: "Nothing found.",
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
    // channels and large groups
    newChat: "New", newChatLabel: "New group or channel", kindGroup: "Group", kindChannel: "Channel",
    newChannel: "New channel", channelTitle: "Channel name", publicUsername: "Public link: @username (empty: private)",
    about: "About", signatures: "Sign posts with the author's name", channel: "channel",
    subscribers: "{0} subscribers", subscribers1: "1 subscriber", members1: "1 member", join: "Join", joinChannel: "Join channel", joinGroup: "Join group",
    requestJoin: "Request to join", requestSent: "Your request was sent. An admin will let you in.",
    invitation: "Invitation", inviteTo: "You are invited to join", openChat: "Open", alreadyIn: "You are already in this chat.",
    mute: "Mute", unmute: "Unmute", mutedMark: "muted", leaveChannel: "Leave the channel", readOnly: "Only admins post here.",
    views: "{0} views", react: "Add a reaction", reactWith: "React with {0}", reactionCount: "{0}: {1}, yours", reactionOthers: "{0}: {1}",
    comments: "Comments", pinned: "Pinned message", pin: "Pin", unpin: "Unpin",
    pinnedEv: "{0} pinned “{1}”", unpinnedEv: "{0} unpinned the message", aMessage: "a message",
    restrictedNote: "An admin has restricted what you may do here.", removedNote: "You are no longer in “{0}”.",
    slowWait: "Slow mode: wait {0} s", slowModeIs: "slow mode {0}", slowIn: "Slow mode: you can send again in {0} s",
    manage: "Manage", administration: "Manage {0}", tabSettings: "Settings", tabLinks: "Invite links",
    tabRequests: "Join requests", tabMembers: "Members", tabSubscribers: "Subscribers", tabLog: "Admin log",
    name: "Name", usernameField: "Public link (@username; empty: private)", slowMode: "Slow mode", off: "Off",
    nSeconds: "{0} s", nMinutes: "{0} min", oneHour: "1 hour", defaultRights: "What members may do",
    linkedChat: "Discussion group (comments)", noLinkedChat: "None",
    createLink: "Create link", linkName: "Link name (optional)", expires: "Expires", never: "Never",
    in1h: "In 1 hour", in1d: "In 1 day", in1w: "In 1 week", usageLimit: "Usage limit (0: none)",
    needsApproval: "Admins approve who joins", copy: "Copy", copied: "Copied.", revokeLink: "Revoke", uses: "{0} uses", usesOf: "{0} of {1} uses",
    expiresAt: "expires {0}", noExpiry: "no expiry", expired: "expired", revoked: "revoked", approval: "needs approval", inviteLink: "Invite link",
    noLinks: "No links yet.", approve: "Approve", decline: "Decline", noRequests: "No one is waiting.", askedAt: "asked {0}",
    refresh: "Refresh", rightsOf: "Rights: {0}", restrictedFor: "Restricted ({0}), until {1}", restrictedEver: "Restricted ({0})",
    adminRights: "Admin rights", dismissAdmin: "Dismiss admin", restrict: "Restrict", liftRestriction: "Lift restriction",
    ban: "Ban", unban: "Unban", bannedUsers: "Banned", bannedUntil: "until {0}", bannedEver: "for good",
    for1h: "For 1 hour", for1d: "For 1 day", forever: "Forever", deny: "May not", howLong: "How long", apply: "Apply",
    loadMore: "Load more", noLog: "Nothing yet.", noneHeld: "none",
    right_post: "Send messages", right_post_channel: "Post", right_send_media: "Send media", right_invite: "Invite people",
    right_pin: "Pin messages", right_change_info: "Change info", right_edit: "Edit others' posts",
    right_delete: "Delete others' messages", right_ban: "Ban and restrict", right_add_admins: "Add admins",
    log_title: "{0} renamed it “{1}”", log_info: "{0} changed the settings", log_info_what: "{0} changed the settings: {1}",
    quoted: "“{0}”", set_username: "public link @{0}", set_private: "private", set_signatures_on: "signatures on", set_signatures_off: "signatures off",
    set_slow: "slow mode {0}", set_slow_off: "slow mode off", set_rights: "members may: {0}", set_linked: "discussion group {0}", set_unlinked: "no discussion group", log_pin: "{0} pinned message #{1}",
    log_unpin: "{0} unpinned the message", log_delete: "{0} deleted message #{1} by someone else",
    log_edit: "{0} edited post #{1}", log_remove: "{0} removed {1}", log_ban: "{0} banned {1} for good",
    log_ban_until: "{0} banned {1} until {2}", log_unban: "{0} unbanned {1}", log_restrict: "{0} restricted {1}: {2}",
    log_restrict_until: "{0} restricted {1} until {3}: {2}", log_unrestrict: "{0} lifted {1}'s restrictions",
    log_role_admin: "{0} made {1} an admin: {2}", log_role_member: "{0} made {1} a member", log_role_owner: "{0} made {1} the owner",
    log_invite: "{0} made an invite link {1}", log_revoke: "{0} revoked the invite link {1}",
    log_approve: "{0} let {1} in", log_decline: "{0} declined {1}'s request",
    sectionChats: "Channels and groups", sectionPeople: "People", sectionMessages: "Messages", sectionPublic: "Public posts",
    channel_created: "{0} created the channel", title_changed_channel: "{0} renamed the channel to “{1}”",
    // media
    attach: "Attach files", dropHere: "Drop files here to send them", caption: "Add a caption…",
    removeFile: "Remove {0}", retry: "Retry", uploadWaiting: "waiting for the connection…", uploadReady: "ready",
    uploadFailed: "Not uploaded: {0}", lostConnection: "the connection was lost", uploading: "Uploading {0}",
    tooManyFiles: "At most {0} files in one message.", captionTooLong: "A caption holds at most {0} characters.",
    record: "Record a voice message", recording: "Recording", sendVoice: "Send the voice message", cancelRecording: "Cancel the recording",
    noMic: "The microphone is not available: {0}",
    photo: "Photo", video: "Video", voiceMsg: "Voice message", audio: "Audio", file: "File", album: "Album ({0})",
    download: "Download", downloadName: "Download {0}", openPhoto: "Open the photo", openVideo: "Play the video", viewer: "Media viewer",
    previous: "Previous", next: "Next", nOfM: "{0} of {1}",
    bytes: "{0} B", kb: "{0} KB", mb: "{0} MB", gb: "{0} GB",
    // calls
    voiceCall: "Voice call", videoCall: "Video call", callWith: "Call with {0}",
    callCalling: "Calling…", callRinging: "Ringing…", callConnecting: "Connecting…", callReconnecting: "Reconnecting…",
    callIncomingVoice: "Incoming voice call", callIncomingVideo: "Incoming video call",
    callAccept: "Accept", callAcceptVoice: "Accept without video", callAcceptVideo: "Accept with video", callDecline: "Decline", callHangUp: "Hang up",
    callMute: "Mute the microphone", callUnmute: "Unmute the microphone", callMuteShort: "Mute", callUnmuteShort: "Unmute",
    callCameraOffShort: "Stop video", callCameraOnShort: "Start video",
    callCameraOn: "Turn the camera on", callCameraOff: "Turn the camera off", callSpeaker: "Speaker", speakerN: "Speaker {0}",
    callBusy: "{0} is on another call.", callOffline: "{0} is offline; try later.",
    callBlocked: "You cannot call {0}: one of you has blocked the other.", callConflict: "You are already in a call (on another device?).",
    callNoServer: "Not connected to the server; try again when the connection is back.",
    callNoMic: "Chapar cannot use your microphone: {1}", callNoCamera: "Chapar cannot use your camera: {1}",
    mediaDenied: "permission was refused", mediaMissing: "none was found", mediaInUse: "another program is using it",
    mediaInsecure: "the page is not on a secure (https) connection",
    callFailed: "The connection failed.", callLost: "The connection to the server was lost.", callError: "The call failed: {1}",
    callDeclined: "Call declined", callNoAnswer: "No answer", callMissedNote: "Missed call", callTakenElsewhere: "Answered on another device.",
    callOutgoing: "Outgoing call", callIncoming: "Incoming call", callMissed: "Missed call", callCancelled: "Cancelled call",
    callDeclinedRec: "Declined call", callBusyRec: "Busy",
    // bots and formatted text
    bot: "bot", startBot: "Start", botCanDo: "What can this bot do?",
    botButtons: "The bot's buttons", botKeyboard: "The bot's keyboard", showKeyboard: "Show the bot's keyboard", hideKeyboard: "Hide the bot's keyboard",
    buttonGone: "This button no longer works.", botCommands: "Bot commands", spoiler: "Hidden text: click to show it", ok: "OK",
    openLink: "Open this link?", openIt: "Open", linkUnsupported: "Chapar cannot open this link.",
    myBots: "My bots", botsCount: "{0} of {1} bots", noBots: "You have no bots yet.", newBot: "Create a bot",
    botUsername: "Username (ends in “bot”, e.g. shop_bot)", botName: "Name (optional)",
    botSuffix: "A bot's username must end in “bot”, like shop_bot.",
    botUsernameRule: "A username is 5–32 letters (a–z), digits and _, starting with a letter.",
    openBotChat: "Open chat", editBot: "Edit", renewToken: "New token",
    renewConfirm: "Make a new token for {0}? The old one stops working at once, and the bot's program needs the new one.",
    botToken: "The bot's token", tokenFor: "The token of {0}:",
    tokenOnce: "Keep it secret: whoever has it controls the bot. It is shown only now; if it is lost, make a new one.",
    botAPIHelp: "A program drives the bot through the Telegram Bot API that this server speaks: give a Telegram bot library the token and this address in place of https://api.telegram.org:",
    botAPIExample: "For example:",
    botDescription: "Description (shown in an empty chat with the bot)", botShortDescription: "Short description",
    noCommands: "No commands yet.", commandName: "Command", commandDesc: "What it does", addCommand: "Add a command", removeCommand: "Remove {0}",
    commandRule: "{0}: a command is 1–32 of a–z, 0–9 and _.", commandNeedsDesc: "{0}: say what the command does.",
    privacyMode: "Privacy mode: in groups, the bot gets only commands, mentions of it and replies to it",
  },
  fa: {
    username: "نام کاربری", password: "گذرواژه", signIn: "ورود", signUp: "ثبت‌نام",
    toSignUp: "حساب ندارید؟ ثبت‌نام کنید", toSignIn: "حساب دارید؟ وارد شوید", signOut: "خروج",
    byPhone: "ورود با شماره تلفن", byPassword: "ورود با نام کاربری و گذرواژه",
    phone: "شماره تلفن (با پیش‌شماره کشور)", sendCode: "فرستادن کد", code: "کد پیامک‌شده",
    codeSent: "کدی به {0} فرستاده شد.", yourName: "نام شما (برای حساب تازه)", otherPhone: "شماره‌ای دیگر",
    searchMessages: "جستجوی پیام‌ها", search: "جستجوی گفتگوها، افراد و پیام‌ها", noResults: "چیزی پیدا نشد.",
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
    // کانال‌ها و گروه‌های بزرگ
    newChat: "تازه", newChatLabel: "گروه یا کانال تازه", kindGroup: "گروه", kindChannel: "کانال",
    newChannel: "کانال تازه", channelTitle: "نام کانال", publicUsername: "پیوند عمومی: ‎@نام‌کاربری (خالی: خصوصی)",
    about: "توضیحات", signatures: "نام نویسنده زیر هر پست بیاید", channel: "کانال",
    subscribers: "{0} مشترک", join: "پیوستن", joinChannel: "پیوستن به کانال", joinGroup: "پیوستن به گروه",
    requestJoin: "درخواست پیوستن", requestSent: "درخواست شما فرستاده شد. یکی از مدیران شما را می‌پذیرد.",
    invitation: "دعوت‌نامه", inviteTo: "شما دعوت شده‌اید به", openChat: "باز کردن", alreadyIn: "شما عضو این گفتگو هستید.",
    mute: "بی‌صدا کردن", unmute: "باصدا کردن", mutedMark: "بی‌صدا", leaveChannel: "ترک کانال", readOnly: "در این کانال فقط مدیران پست می‌گذارند.",
    views: "{0} بازدید", react: "افزودن واکنش", reactWith: "واکنش با {0}", reactionCount: "{0}: {1}، واکنش شما", reactionOthers: "{0}: {1}",
    comments: "نظرها", pinned: "پیام سنجاق‌شده", pin: "سنجاق کردن", unpin: "برداشتن سنجاق",
    pinnedEv: "{0} «{1}» را سنجاق کرد", unpinnedEv: "{0} سنجاق را برداشت", aMessage: "یک پیام",
    restrictedNote: "یکی از مدیران دسترسی شما را در اینجا محدود کرده است.", removedNote: "شما دیگر در «{0}» نیستید.",
    slowWait: "حالت آهسته: {0} ثانیه صبر کنید", slowModeIs: "حالت آهسته {0}", slowIn: "حالت آهسته: تا {0} ثانیهٔ دیگر می‌توانید بفرستید",
    manage: "مدیریت", administration: "مدیریت {0}", tabSettings: "تنظیمات", tabLinks: "پیوندهای دعوت",
    tabRequests: "درخواست‌های پیوستن", tabMembers: "اعضا", tabSubscribers: "مشترکان", tabLog: "گزارش مدیران",
    name: "نام", usernameField: "پیوند عمومی (‎@نام‌کاربری؛ خالی: خصوصی)", slowMode: "حالت آهسته", off: "خاموش",
    nSeconds: "{0} ثانیه", nMinutes: "{0} دقیقه", oneHour: "۱ ساعت", defaultRights: "اعضا چه کارهایی می‌توانند بکنند",
    linkedChat: "گروه گفتگو (نظرها)", noLinkedChat: "هیچ",
    createLink: "ساختن پیوند", linkName: "نام پیوند (اختیاری)", expires: "انقضا", never: "هرگز",
    in1h: "تا ۱ ساعت دیگر", in1d: "تا ۱ روز دیگر", in1w: "تا ۱ هفتهٔ دیگر", usageLimit: "سقف استفاده (۰: بی‌سقف)",
    needsApproval: "مدیران تازه‌واردها را تأیید کنند", copy: "رونوشت", copied: "رونوشت برداشته شد.", revokeLink: "باطل کردن", uses: "{0} بار استفاده", usesOf: "{0} از {1} بار استفاده",
    expiresAt: "انقضا {0}", noExpiry: "بی‌انقضا", expired: "منقضی‌شده", revoked: "باطل‌شده", approval: "با تأیید مدیر", inviteLink: "پیوند دعوت",
    noLinks: "هنوز پیوندی نیست.", approve: "پذیرفتن", decline: "رد کردن", noRequests: "کسی در انتظار نیست.", askedAt: "درخواست در {0}",
    refresh: "تازه کردن", rightsOf: "اختیارات: {0}", restrictedFor: "محدود ({0})، تا {1}", restrictedEver: "محدود ({0})",
    adminRights: "اختیارات مدیر", dismissAdmin: "برکناری از مدیریت", restrict: "محدود کردن", liftRestriction: "رفع محدودیت",
    ban: "محروم کردن", unban: "رفع محرومیت", bannedUsers: "محروم‌شدگان", bannedUntil: "تا {0}", bannedEver: "برای همیشه",
    for1h: "برای ۱ ساعت", for1d: "برای ۱ روز", forever: "برای همیشه", deny: "اجازه ندارد", howLong: "تا کی", apply: "اعمال",
    loadMore: "بیشتر", noLog: "هنوز چیزی نیست.", noneHeld: "هیچ",
    right_post: "فرستادن پیام", right_post_channel: "گذاشتن پست", right_send_media: "فرستادن رسانه", right_invite: "دعوت دیگران",
    right_pin: "سنجاق کردن پیام", right_change_info: "ویرایش مشخصات", right_edit: "ویرایش پست‌های دیگران",
    right_delete: "پاک کردن پیام‌های دیگران", right_ban: "محروم و محدود کردن", right_add_admins: "افزودن مدیر",
    log_title: "{0} نام را «{1}» گذاشت", log_info: "{0} تنظیمات را تغییر داد", log_info_what: "{0} تنظیمات را تغییر داد: {1}",
    quoted: "«{0}»", set_username: "پیوند عمومی ‎@{0}", set_private: "خصوصی", set_signatures_on: "امضای پست‌ها روشن", set_signatures_off: "امضای پست‌ها خاموش",
    set_slow: "حالت آهسته {0}", set_slow_off: "حالت آهسته خاموش", set_rights: "اعضا می‌توانند: {0}", set_linked: "گروه گفتگو {0}", set_unlinked: "بی گروه گفتگو", log_pin: "{0} پیام شمارهٔ {1} را سنجاق کرد",
    log_unpin: "{0} سنجاق را برداشت", log_delete: "{0} پیام شمارهٔ {1} از کس دیگری را پاک کرد",
    log_edit: "{0} پست شمارهٔ {1} را ویرایش کرد", log_remove: "{0}، {1} را بیرون کرد", log_ban: "{0}، {1} را برای همیشه محروم کرد",
    log_ban_until: "{0}، {1} را تا {2} محروم کرد", log_unban: "{0} محرومیت {1} را برداشت", log_restrict: "{0}، {1} را محدود کرد: {2}",
    log_restrict_until: "{0}، {1} را تا {3} محدود کرد: {2}", log_unrestrict: "{0} محدودیت‌های {1} را برداشت",
    log_role_admin: "{0}، {1} را مدیر کرد: {2}", log_role_member: "{0}، {1} را عضو عادی کرد", log_role_owner: "{0}، {1} را مالک کرد",
    log_invite: "{0} پیوند دعوت {1} را ساخت", log_revoke: "{0} پیوند دعوت {1} را باطل کرد",
    log_approve: "{0}، {1} را پذیرفت", log_decline: "{0} درخواست {1} را رد کرد",
    sectionChats: "کانال‌ها و گروه‌ها", sectionPeople: "افراد", sectionMessages: "پیام‌ها", sectionPublic: "پست‌های عمومی",
    channel_created: "{0} کانال را ساخت", title_changed_channel: "{0} نام کانال را «{1}» گذاشت",
    // رسانه
    attach: "پیوست پرونده", dropHere: "پرونده‌ها را اینجا رها کنید تا فرستاده شوند", caption: "توضیحی بنویسید…",
    removeFile: "برداشتن {0}", retry: "دوباره", uploadWaiting: "در انتظار اتصال…", uploadReady: "آماده",
    uploadFailed: "بارگذاری نشد: {0}", lostConnection: "اتصال قطع شد", uploading: "بارگذاری {0}",
    tooManyFiles: "در هر پیام حداکثر {0} پرونده.", captionTooLong: "توضیح حداکثر {0} نویسه است.",
    record: "ضبط پیام صوتی", recording: "در حال ضبط", sendVoice: "فرستادن پیام صوتی", cancelRecording: "لغو ضبط",
    noMic: "میکروفون در دسترس نیست: {0}",
    photo: "عکس", video: "ویدیو", voiceMsg: "پیام صوتی", audio: "صدا", file: "پرونده", album: "آلبوم ({0})",
    download: "دریافت", downloadName: "دریافت {0}", openPhoto: "باز کردن عکس", openVideo: "پخش ویدیو", viewer: "نمایش رسانه",
    previous: "قبلی", next: "بعدی", nOfM: "{0} از {1}",
    bytes: "{0} بایت", kb: "{0} کیلوبایت", mb: "{0} مگابایت", gb: "{0} گیگابایت",
    // تماس‌ها
    voiceCall: "تماس صوتی", videoCall: "تماس تصویری", callWith: "تماس با {0}",
    callCalling: "در حال تماس…", callRinging: "در حال زنگ خوردن…", callConnecting: "در حال برقراری ارتباط…", callReconnecting: "در حال اتصال دوباره…",
    callIncomingVoice: "تماس صوتی ورودی", callIncomingVideo: "تماس تصویری ورودی",
    callAccept: "پاسخ", callAcceptVoice: "پاسخ بدون تصویر", callAcceptVideo: "پاسخ با تصویر", callDecline: "رد تماس", callHangUp: "قطع تماس",
    callMute: "بستن میکروفون", callUnmute: "باز کردن میکروفون", callMuteShort: "بی‌صدا", callUnmuteShort: "باصدا",
    callCameraOffShort: "قطع تصویر", callCameraOnShort: "شروع تصویر",
    callCameraOn: "روشن کردن دوربین", callCameraOff: "خاموش کردن دوربین", callSpeaker: "بلندگو", speakerN: "بلندگوی {0}",
    callBusy: "{0} در تماس دیگری است.", callOffline: "{0} آفلاین است؛ بعداً دوباره تماس بگیرید.",
    callBlocked: "نمی‌توانید با {0} تماس بگیرید: یکی از شما دیگری را مسدود کرده است.", callConflict: "شما در تماس دیگری هستید (شاید در دستگاهی دیگر).",
    callNoServer: "اتصال به سرور برقرار نیست؛ پس از برقراری اتصال دوباره امتحان کنید.",
    callNoMic: "چاپار نمی‌تواند از میکروفون شما استفاده کند: {1}", callNoCamera: "چاپار نمی‌تواند از دوربین شما استفاده کند: {1}",
    mediaDenied: "اجازه داده نشد", mediaMissing: "دستگاهی پیدا نشد", mediaInUse: "برنامهٔ دیگری از آن استفاده می‌کند",
    mediaInsecure: "صفحه با اتصال امن (https) باز نشده است",
    callFailed: "ارتباط برقرار نشد.", callLost: "اتصال به سرور قطع شد.", callError: "تماس برقرار نشد: {1}",
    callDeclined: "تماس رد شد", callNoAnswer: "پاسخی نیامد", callMissedNote: "تماس بی‌پاسخ", callTakenElsewhere: "در دستگاهی دیگر پاسخ داده شد.",
    callOutgoing: "تماس خروجی", callIncoming: "تماس ورودی", callMissed: "تماس بی‌پاسخ", callCancelled: "تماس لغوشده",
    callDeclinedRec: "تماس ردشده", callBusyRec: "مشغول",
    // ربات‌ها و متن قالب‌دار
    bot: "ربات", startBot: "شروع", botCanDo: "این ربات چه کارهایی می‌کند؟",
    botButtons: "دکمه‌های ربات", botKeyboard: "صفحه‌کلید ربات", showKeyboard: "نمایش صفحه‌کلید ربات", hideKeyboard: "پنهان کردن صفحه‌کلید ربات",
    buttonGone: "این دکمه دیگر کار نمی‌کند.", botCommands: "دستورهای ربات", spoiler: "متن پنهان: برای دیدن بزنید", ok: "باشه",
    openLink: "این پیوند باز شود؟", openIt: "باز کن", linkUnsupported: "چاپار نمی‌تواند این پیوند را باز کند.",
    myBots: "ربات‌های من", botsCount: "{0} ربات از {1}", noBots: "هنوز رباتی ندارید.", newBot: "ساختن ربات",
    botUsername: "نام کاربری (با «bot» تمام شود، مثلاً shop_bot)", botName: "نام (اختیاری)",
    botSuffix: "نام کاربری ربات باید با «bot» تمام شود، مانند shop_bot.",
    botUsernameRule: "نام کاربری ۵ تا ۳۲ نویسه از حروف انگلیسی، رقم و _ است و با یک حرف آغاز می‌شود.",
    openBotChat: "گفتگو", editBot: "ویرایش", renewToken: "توکن تازه",
    renewConfirm: "برای {0} توکن تازه ساخته شود؟ توکن پیشین همان دم از کار می‌افتد و برنامهٔ ربات به توکن تازه نیاز دارد.",
    botToken: "توکن ربات", tokenFor: "توکن {0}:",
    tokenOnce: "آن را پنهان نگه دارید: هر کس آن را داشته باشد ربات را در دست دارد. فقط همین حالا نشان داده می‌شود؛ اگر گم شد، توکن تازه بسازید.",
    botAPIHelp: "برنامه‌ها ربات را با Bot API تلگرام که این سرور می‌فهمد می‌گردانند: به کتابخانهٔ ربات تلگرام، توکن و این نشانی را به جای https://api.telegram.org بدهید:",
    botAPIExample: "برای نمونه:",
    botDescription: "توضیحات (در گفتگوی خالی با ربات نشان داده می‌شود)", botShortDescription: "توضیح کوتاه",
    noCommands: "هنوز دستوری نیست.", commandName: "دستور", commandDesc: "چه می‌کند", addCommand: "افزودن دستور", removeCommand: "برداشتن {0}",
    commandRule: "{0}: دستور ۱ تا ۳۲ نویسه از a–z، 0–9 و _ است.", commandNeedsDesc: "{0}: بنویسید این دستور چه می‌کند.",
    privacyMode: "حالت حریم خصوصی: ربات در گروه‌ها فقط دستورها، اشاره‌ها به خودش و پاسخ‌ها به خودش را می‌گیرد",
  },
};

// isolate keeps a name's direction from mixing with the sentence around it
// (a Persian title in an English sentence, or the reverse).
export const isolate = (s) => "\u2068" + s + "\u2069";

// list joins words with the language's comma.
export const list = (items) => items.join(lang === "fa" ? "، " : ", ");

// count says "N things", in the singular where the language has one for 1.
export function count(key, n) {
  return t(n === 1 && strings[lang][key + "1"] ? key + "1" : key, fmtNumber(n));
}

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
export const fmtNumber = (n, opts) => new Intl.NumberFormat(lang === "fa" ? "fa-IR" : "en", opts).format(n);
// fmtSize says how big a file is: "1.5 MB", "۱٫۵ مگابایت".
export function fmtSize(bytes) {
  const units = ["bytes", "kb", "mb", "gb"];
  let i = 0;
  while (bytes >= 1000 && i < units.length - 1) { bytes /= 1024; i++; }
  return t(units[i], fmtNumber(bytes, { maximumFractionDigits: i && bytes < 10 ? 1 : 0 }));
}
// fmtDuration says how long a recording is: "1:05".
export function fmtDuration(secs) {
  const s = Math.round(secs || 0);
  return fmtNumber(Math.floor(s / 60)) + ":" + fmtNumber(s % 60, { minimumIntegerDigits: 2 });
}
// dayKey groups messages by the local calendar day.
export const dayKey = (d) => new Date(d).toDateString();
