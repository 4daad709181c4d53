-- Channels, large groups and search (docs/ARCHITECTURE.md "Channels, large
-- groups and search"). Mirrors internal/store/sqlite/schema.sql: the same
-- names, times in Unix milliseconds; flags that are 0/1 integers there are
-- booleans here (chats.signatures, invites.needs_approval, invites.revoked),
-- except events.anon, which the shared rowmap.EventCols compares with 0.

ALTER TABLE chats
    ADD COLUMN username       text,
    ADD COLUMN username_lc    text,
    ADD COLUMN about          text NOT NULL DEFAULT '',
    ADD COLUMN signatures     boolean NOT NULL DEFAULT false,
    ADD COLUMN slow_mode      integer NOT NULL DEFAULT 0,
    ADD COLUMN default_rights bigint NOT NULL DEFAULT 0,
    ADD COLUMN pinned_seq     bigint NOT NULL DEFAULT 0,
    ADD COLUMN linked_chat    bigint NOT NULL DEFAULT 0,
    -- Directory search: the folded words of the title (see users.search).
    ADD COLUMN search         tsvector;
CREATE UNIQUE INDEX chats_username ON chats(username_lc);
-- @username prefix search, whatever the database's collation.
CREATE INDEX chats_username_prefix ON chats(username_lc text_pattern_ops) WHERE username_lc IS NOT NULL;
CREATE INDEX chats_search ON chats USING GIN (search);
CREATE INDEX chats_unsearched ON chats(id) WHERE search IS NULL;

-- Groups made before rights existed keep what their members could do, and
-- their admins what admins could do (domain.GroupDefaultRights,
-- domain.AdminRights).
UPDATE chats SET default_rights = 7 WHERE type = 'group';

ALTER TABLE members
    ADD COLUMN rights       bigint NOT NULL DEFAULT 0, -- an admin's rights
    ADD COLUMN denied       bigint NOT NULL DEFAULT 0, -- a restricted member's denied rights
    ADD COLUMN until        bigint NOT NULL DEFAULT 0, -- end of a restriction or ban (0: forever)
    ADD COLUMN last_sent_at bigint NOT NULL DEFAULT 0, -- slow mode
    -- PostgreSQL only: whether the newest read (read_pos) was published as
    -- private, so that the cluster's gap fill (EventsBetween) gives it back
    -- as it was, even if the chat has since crossed domain.SharedReadsMax.
    ADD COLUMN read_private boolean NOT NULL DEFAULT false;
UPDATE members SET rights = 255 WHERE role = 'admin';

ALTER TABLE events
    ADD COLUMN views  integer NOT NULL DEFAULT 0,
    -- a channel post without signature: actor hidden (an integer, as in
    -- SQLite, for the shared EventCols)
    ADD COLUMN anon   integer NOT NULL DEFAULT 0,
    -- PostgreSQL only (SQLite's events have no place for them): what
    -- role_changed (rights) and member_removed for a ban (until) carry when
    -- they are chat events, so that a read gives back what was published.
    -- NULL for 0, so that they cost a message row nothing.
    ADD COLUMN rights bigint,
    ADD COLUMN until  bigint;

-- Directory search: the folded words of a user's display name, built like
-- events.search; NULL until filled (rows copied in by "chapar migrate"
-- are filled at start).
ALTER TABLE users ADD COLUMN search tsvector;
CREATE INDEX users_username_prefix ON users(username_lc text_pattern_ops) WHERE username_lc IS NOT NULL;
CREATE INDEX users_search ON users USING GIN (search);
CREATE INDEX users_unsearched ON users(id) WHERE search IS NULL;

-- Private events (joining, leaving, bans, role changes and restrictions of
-- one member of a channel; restrictions in groups): a pos from the same
-- counter as every event, no seq.
CREATE TABLE user_events (
    pos      bigint PRIMARY KEY,
    user_id  bigint NOT NULL,
    chat_id  bigint NOT NULL,
    type     text NOT NULL,
    actor_id bigint NOT NULL,
    target   bigint NOT NULL DEFAULT 0,
    role     text NOT NULL DEFAULT '',
    rights   bigint NOT NULL DEFAULT 0,
    until    bigint NOT NULL DEFAULT 0,
    date     bigint NOT NULL
);
CREATE INDEX user_events_user ON user_events(user_id, pos);

CREATE TABLE views (
    chat_id bigint NOT NULL,
    seq     bigint NOT NULL,
    user_id bigint NOT NULL,
    PRIMARY KEY (chat_id, seq, user_id)
);

CREATE TABLE reactions (
    chat_id bigint NOT NULL,
    seq     bigint NOT NULL,
    user_id bigint NOT NULL,
    emoji   text NOT NULL,
    PRIMARY KEY (chat_id, seq, user_id)
);

CREATE TABLE reaction_counts (
    chat_id bigint NOT NULL,
    seq     bigint NOT NULL,
    emoji   text NOT NULL,
    n       integer NOT NULL,
    PRIMARY KEY (chat_id, seq, emoji)
);

CREATE TABLE invites (
    code           text PRIMARY KEY,
    chat_id        bigint NOT NULL,
    creator_id     bigint NOT NULL,
    name           text NOT NULL DEFAULT '',
    created_at     bigint NOT NULL,
    expires_at     bigint NOT NULL DEFAULT 0,
    usage_limit    integer NOT NULL DEFAULT 0,
    uses           integer NOT NULL DEFAULT 0,
    needs_approval boolean NOT NULL DEFAULT false,
    revoked        boolean NOT NULL DEFAULT false
);
CREATE INDEX invites_chat ON invites(chat_id, created_at);

CREATE TABLE join_requests (
    chat_id bigint NOT NULL,
    user_id bigint NOT NULL,
    code    text NOT NULL DEFAULT '',
    date    bigint NOT NULL,
    PRIMARY KEY (chat_id, user_id)
);

CREATE TABLE admin_log (
    id       bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    chat_id  bigint NOT NULL,
    actor_id bigint NOT NULL,
    action   text NOT NULL,
    target   bigint NOT NULL DEFAULT 0,
    detail   text NOT NULL DEFAULT '',
    date     bigint NOT NULL
);
CREATE INDEX admin_log_chat ON admin_log(chat_id, id);
