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
    last_seen     INTEGER NOT NULL DEFAULT 0
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
    members    INTEGER NOT NULL DEFAULT 0
);

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
    deleted    INTEGER NOT NULL DEFAULT 0
);
-- A chat's log in order; its entries also carry pos (the row id), which
-- lets a resync find where to start without touching the rows.
CREATE UNIQUE INDEX IF NOT EXISTS events_chat_seq ON events(chat_id, seq);
-- Idempotent sends: one message per (sender, client id).
CREATE UNIQUE INDEX IF NOT EXISTS events_client ON events(actor_id, client_id) WHERE client_id IS NOT NULL;

-- Message search: the folded search terms of each live message
-- (internal/textnorm), keyed by the message's position. Contentless: the
-- text itself is in events; a row is deleted when its message is.
CREATE VIRTUAL TABLE IF NOT EXISTS events_fts USING fts5(
    terms, content='', contentless_delete=1, tokenize='unicode61 remove_diacritics 0'
);
