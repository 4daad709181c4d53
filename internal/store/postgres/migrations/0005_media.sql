-- Media (docs/ARCHITECTURE.md "Media"): uploads in progress and finished
-- files, as in internal/store/sqlite/schema.sql. Parts and thumbnails are
-- JSON lists of blob keys and sizes.

CREATE TABLE uploads (
    id         text PRIMARY KEY,
    user_id    bigint NOT NULL,
    kind       text NOT NULL,
    mime       text NOT NULL DEFAULT '',
    name       text NOT NULL DEFAULT '',
    length     bigint NOT NULL,
    "offset"   bigint NOT NULL DEFAULT 0,
    parts      text NOT NULL DEFAULT '[]',
    hash       bytea,
    created_at bigint NOT NULL
);
CREATE INDEX uploads_user ON uploads(user_id);
CREATE INDEX uploads_created ON uploads(created_at);

CREATE TABLE files (
    id         text PRIMARY KEY,
    owner_id   bigint NOT NULL,
    kind       text NOT NULL,
    mime       text NOT NULL,
    name       text NOT NULL DEFAULT '',
    size       bigint NOT NULL,
    sha256     text NOT NULL,
    width      integer NOT NULL DEFAULT 0,
    height     integer NOT NULL DEFAULT 0,
    duration   double precision NOT NULL DEFAULT 0,
    waveform   bytea,
    parts      text NOT NULL,
    thumbs     text NOT NULL DEFAULT '[]',
    created_at bigint NOT NULL
);
CREATE INDEX files_owner ON files(owner_id);
CREATE INDEX files_content ON files(sha256, size);

CREATE TABLE secrets (
    name  text PRIMARY KEY,
    value bytea NOT NULL
);

ALTER TABLE events ADD COLUMN media text; -- messages: JSON list of domain.Media

-- The chats whose messages carry a file: who may fetch it (CanReadFile).
CREATE TABLE file_refs (
    file_id text NOT NULL,
    chat_id bigint NOT NULL,
    seq     bigint NOT NULL,
    PRIMARY KEY (file_id, chat_id, seq)
);
