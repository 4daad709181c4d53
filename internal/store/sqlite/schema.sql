-- chapar's embedded schema. Times are Unix milliseconds.
CREATE TABLE IF NOT EXISTS meta (
    key   TEXT PRIMARY KEY,
    value INTEGER NOT NULL
) WITHOUT ROWID;

CREATE TABLE IF NOT EXISTS users (
    id            INTEGER PRIMARY KEY,
    username      TEXT,
    username_lc   TEXT UNIQUE,
    phone         TEXT UNIQUE,
    display_name  TEXT NOT NULL DEFAULT '',
    bio           TEXT NOT NULL DEFAULT '',
    password_hash TEXT NOT NULL DEFAULT '',
    created_at    INTEGER NOT NULL,
    last_seen     INTEGER NOT NULL DEFAULT 0,
    is_bot        INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE IF NOT EXISTS sessions (
    id           INTEGER PRIMARY KEY,
    user_id      INTEGER NOT NULL REFERENCES users(id),
    token_hash   BLOB NOT NULL UNIQUE,
    device       TEXT NOT NULL DEFAULT '',
    created_at   INTEGER NOT NULL,
    last_seen_at INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS sessions_user ON sessions(user_id);

CREATE TABLE IF NOT EXISTS blocks (
    user_id    INTEGER NOT NULL,
    target_id  INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (user_id, target_id)
) WITHOUT ROWID;

CREATE TABLE IF NOT EXISTS phone_codes (
    phone      TEXT PRIMARY KEY,
    code_hash  BLOB NOT NULL,
    expires_at INTEGER NOT NULL,
    attempts   INTEGER NOT NULL DEFAULT 0
) WITHOUT ROWID;

CREATE TABLE IF NOT EXISTS chats (
    id         INTEGER PRIMARY KEY,
    type       TEXT NOT NULL,
    title      TEXT NOT NULL DEFAULT '',
    direct_key TEXT UNIQUE,
    created_at INTEGER NOT NULL,
    last_seq   INTEGER NOT NULL DEFAULT 0,
    last_pos   INTEGER NOT NULL DEFAULT 0,
    members    INTEGER NOT NULL DEFAULT 0,
    -- groups and channels (see docs/ARCHITECTURE.md "Channels, large groups and search")
    username       TEXT,
    username_lc    TEXT,
    about          TEXT NOT NULL DEFAULT '',
    signatures     INTEGER NOT NULL DEFAULT 0,
    slow_mode      INTEGER NOT NULL DEFAULT 0,
    default_rights INTEGER NOT NULL DEFAULT 0,
    pinned_seq     INTEGER NOT NULL DEFAULT 0,
    linked_chat    INTEGER NOT NULL DEFAULT 0
);

CREATE UNIQUE INDEX IF NOT EXISTS chats_username ON chats(username_lc);

CREATE TABLE IF NOT EXISTS members (
    chat_id   INTEGER NOT NULL,
    user_id   INTEGER NOT NULL,
    role      TEXT NOT NULL,
    read_seq  INTEGER NOT NULL DEFAULT 0,
    read_pos  INTEGER NOT NULL DEFAULT 0,
    read_at   INTEGER NOT NULL DEFAULT 0,
    joined_at INTEGER NOT NULL,
    left_seq  INTEGER NOT NULL DEFAULT 0,
    left_pos  INTEGER NOT NULL DEFAULT 0,
    -- direct chats: either side has blocked the other, so nobody may send
    blocked   INTEGER NOT NULL DEFAULT 0,
    rights       INTEGER NOT NULL DEFAULT 0, -- an admin's rights
    denied       INTEGER NOT NULL DEFAULT 0, -- a restricted member's denied rights
    until        INTEGER NOT NULL DEFAULT 0, -- end of a restriction or ban (0: forever)
    last_sent_at INTEGER NOT NULL DEFAULT 0, -- slow mode
    PRIMARY KEY (chat_id, user_id)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS members_user ON members(user_id, chat_id);
CREATE INDEX IF NOT EXISTS members_read ON members(chat_id, read_pos);

-- One row per chat event: messages and service events (kept in history) and
-- edits and deletes (applied to their target and kept for resync). The row id
-- is the event's position, so new rows always land at the end of the table:
-- a commit dirties few pages however many chats it touches.
CREATE TABLE IF NOT EXISTS events (
    pos        INTEGER PRIMARY KEY,
    chat_id    INTEGER NOT NULL,
    seq        INTEGER NOT NULL,
    type       TEXT NOT NULL,
    actor_id   INTEGER NOT NULL,
    date       INTEGER NOT NULL,
    client_id  TEXT,
    text       TEXT NOT NULL DEFAULT '',
    reply_to   INTEGER NOT NULL DEFAULT 0,
    fwd_chat   INTEGER NOT NULL DEFAULT 0,
    fwd_seq    INTEGER NOT NULL DEFAULT 0,
    fwd_sender INTEGER NOT NULL DEFAULT 0,
    target     INTEGER NOT NULL DEFAULT 0,
    role       TEXT NOT NULL DEFAULT '',
    edited_at  INTEGER NOT NULL DEFAULT 0,
    deleted    INTEGER NOT NULL DEFAULT 0,
    views      INTEGER NOT NULL DEFAULT 0,
    anon       INTEGER NOT NULL DEFAULT 0, -- a channel without signatures: actor hidden
    rights     INTEGER NOT NULL DEFAULT 0, -- role_changed: the admin's rights
    until      INTEGER NOT NULL DEFAULT 0, -- member_removed by a ban: when it ends
    media      TEXT,                       -- messages: JSON list of domain.Media (calls: the record), NULL if none
    rich       TEXT                        -- JSON domain.Rich: entities and a bot's keyboard, NULL if none
);
-- A chat's log in order; its entries also carry pos (the row id), which
-- lets a resync find where to start without touching the rows.
CREATE UNIQUE INDEX IF NOT EXISTS events_chat_seq ON events(chat_id, seq);
-- Idempotent sends: one message per (sender, client id).
CREATE UNIQUE INDEX IF NOT EXISTS events_client ON events(actor_id, client_id) WHERE client_id IS NOT NULL;

-- Message search: the folded search terms of each live message
-- (internal/textnorm), and its chat as a token ("c" + id) so that a search
-- in one chat is one lookup, keyed by the message's position.
-- Contentless: the text itself is in events; a row is deleted when its
-- message is.
CREATE VIRTUAL TABLE IF NOT EXISTS events_fts USING fts5(
    terms, chat, content='', contentless_delete=1, tokenize='unicode61 remove_diacritics 0'
);

-- Private events (joining, leaving, bans, role changes and restrictions of
-- one member of a channel; restrictions in groups): a pos, no seq.
CREATE TABLE IF NOT EXISTS user_events (
    pos      INTEGER PRIMARY KEY,
    user_id  INTEGER NOT NULL,
    chat_id  INTEGER NOT NULL,
    type     TEXT NOT NULL,
    actor_id INTEGER NOT NULL,
    target   INTEGER NOT NULL DEFAULT 0,
    role     TEXT NOT NULL DEFAULT '',
    rights   INTEGER NOT NULL DEFAULT 0,
    until    INTEGER NOT NULL DEFAULT 0,
    date     INTEGER NOT NULL,
    text     TEXT NOT NULL DEFAULT '' -- callback_query: the button's data
);
CREATE INDEX IF NOT EXISTS user_events_user ON user_events(user_id, pos);

CREATE TABLE IF NOT EXISTS views (
    chat_id INTEGER NOT NULL,
    seq     INTEGER NOT NULL,
    user_id INTEGER NOT NULL,
    PRIMARY KEY (chat_id, seq, user_id)
) WITHOUT ROWID;

CREATE TABLE IF NOT EXISTS reactions (
    chat_id INTEGER NOT NULL,
    seq     INTEGER NOT NULL,
    user_id INTEGER NOT NULL,
    emoji   TEXT NOT NULL,
    PRIMARY KEY (chat_id, seq, user_id)
) WITHOUT ROWID;

CREATE TABLE IF NOT EXISTS reaction_counts (
    chat_id INTEGER NOT NULL,
    seq     INTEGER NOT NULL,
    emoji   TEXT NOT NULL,
    n       INTEGER NOT NULL,
    PRIMARY KEY (chat_id, seq, emoji)
) WITHOUT ROWID;

CREATE TABLE IF NOT EXISTS invites (
    code           TEXT PRIMARY KEY,
    chat_id        INTEGER NOT NULL,
    creator_id     INTEGER NOT NULL,
    name           TEXT NOT NULL DEFAULT '',
    created_at     INTEGER NOT NULL,
    expires_at     INTEGER NOT NULL DEFAULT 0,
    usage_limit    INTEGER NOT NULL DEFAULT 0,
    uses           INTEGER NOT NULL DEFAULT 0,
    needs_approval INTEGER NOT NULL DEFAULT 0,
    revoked        INTEGER NOT NULL DEFAULT 0
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS invites_chat ON invites(chat_id, created_at);

CREATE TABLE IF NOT EXISTS join_requests (
    chat_id INTEGER NOT NULL,
    user_id INTEGER NOT NULL,
    code    TEXT NOT NULL DEFAULT '',
    date    INTEGER NOT NULL,
    PRIMARY KEY (chat_id, user_id)
) WITHOUT ROWID;

CREATE TABLE IF NOT EXISTS admin_log (
    id       INTEGER PRIMARY KEY,
    chat_id  INTEGER NOT NULL,
    actor_id INTEGER NOT NULL,
    action   TEXT NOT NULL,
    target   INTEGER NOT NULL DEFAULT 0,
    detail   TEXT NOT NULL DEFAULT '',
    date     INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS admin_log_chat ON admin_log(chat_id, id);

-- Directory search: the folded words of users' and group/channel names.
-- Row id: a user's id, or minus a chat's id.
CREATE VIRTUAL TABLE IF NOT EXISTS names_fts USING fts5(
    terms, content='', contentless_delete=1, tokenize='unicode61 remove_diacritics 0'
);

-- Media (docs/ARCHITECTURE.md "Media"): uploads in progress, and finished
-- files. Parts and thumbnails are JSON lists of blob keys and sizes.
CREATE TABLE IF NOT EXISTS uploads (
    id         TEXT PRIMARY KEY,
    user_id    INTEGER NOT NULL,
    kind       TEXT NOT NULL,
    mime       TEXT NOT NULL DEFAULT '',
    name       TEXT NOT NULL DEFAULT '',
    length     INTEGER NOT NULL,
    offset     INTEGER NOT NULL DEFAULT 0,
    parts      TEXT NOT NULL DEFAULT '[]',
    hash       BLOB,
    created_at INTEGER NOT NULL,
    waveform   BLOB
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS uploads_user ON uploads(user_id);
CREATE INDEX IF NOT EXISTS uploads_created ON uploads(created_at);

CREATE TABLE IF NOT EXISTS files (
    id         TEXT PRIMARY KEY,
    owner_id   INTEGER NOT NULL,
    kind       TEXT NOT NULL,
    mime       TEXT NOT NULL,
    name       TEXT NOT NULL DEFAULT '',
    size       INTEGER NOT NULL,
    sha256     TEXT NOT NULL,
    width      INTEGER NOT NULL DEFAULT 0,
    height     INTEGER NOT NULL DEFAULT 0,
    duration   REAL NOT NULL DEFAULT 0,
    waveform   BLOB,
    parts      TEXT NOT NULL,
    thumbs     TEXT NOT NULL DEFAULT '[]',
    created_at INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS files_owner ON files(owner_id);
CREATE INDEX IF NOT EXISTS files_content ON files(sha256, size);

CREATE TABLE IF NOT EXISTS secrets (
    name  TEXT PRIMARY KEY,
    value BLOB NOT NULL
) WITHOUT ROWID;

-- The chats whose messages carry a file: who may fetch it (CanReadFile).
CREATE TABLE IF NOT EXISTS file_refs (
    file_id TEXT NOT NULL,
    chat_id INTEGER NOT NULL,
    seq     INTEGER NOT NULL,
    PRIMARY KEY (file_id, chat_id, seq)
) WITHOUT ROWID;

-- Calls in progress (docs/ARCHITECTURE.md "Calls"); an ended call leaves
-- only its record, a "call" event in its chat (kept in events.media).
CREATE TABLE IF NOT EXISTS calls (
    id          TEXT PRIMARY KEY,
    chat_id     INTEGER NOT NULL,
    caller_id   INTEGER NOT NULL,
    callee_id   INTEGER NOT NULL,
    video       INTEGER NOT NULL DEFAULT 0,
    state       TEXT NOT NULL,
    caller_conn TEXT NOT NULL,
    callee_conn TEXT NOT NULL DEFAULT '',
    created_at  INTEGER NOT NULL,
    answered_at INTEGER NOT NULL DEFAULT 0,
    seen_at     INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS calls_caller_conn ON calls(caller_conn);
CREATE INDEX IF NOT EXISTS calls_callee_conn ON calls(callee_conn);

-- Who is in a call: a row per party, so a user is in one call at most.
CREATE TABLE IF NOT EXISTS call_parties (
    user_id INTEGER PRIMARY KEY,
    call_id TEXT NOT NULL
) WITHOUT ROWID;

-- Bots (docs/BOTS.md): a bot is a user (users.is_bot) with an owner and a
-- token (only its SHA-256 is kept). update_offset is what getUpdates has
-- confirmed: updates (events) at lower positions are not given again.
CREATE TABLE IF NOT EXISTS bots (
    user_id           INTEGER PRIMARY KEY,
    owner_id          INTEGER NOT NULL,
    token_hash        BLOB UNIQUE,
    description       TEXT NOT NULL DEFAULT '',
    short_description TEXT NOT NULL DEFAULT '',
    commands          TEXT NOT NULL DEFAULT '[]',
    privacy           INTEGER NOT NULL DEFAULT 1,
    update_offset     INTEGER NOT NULL DEFAULT 0,
    allowed_updates   TEXT NOT NULL DEFAULT '',
    created_at        INTEGER NOT NULL,
    webhook_url       TEXT NOT NULL DEFAULT '',
    webhook_secret    TEXT NOT NULL DEFAULT '',
    webhook_max_conn  INTEGER NOT NULL DEFAULT 40,
    webhook_error_at  INTEGER NOT NULL DEFAULT 0,
    webhook_error     TEXT NOT NULL DEFAULT '',
    webhook_node      TEXT NOT NULL DEFAULT '', -- the node delivering its updates, until webhook_lease
    webhook_lease     INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS bots_owner ON bots(owner_id);
