-- Bots, as in internal/store/sqlite/schema.sql.
ALTER TABLE users ADD COLUMN is_bot boolean NOT NULL DEFAULT false;

CREATE TABLE bots (
    user_id           bigint PRIMARY KEY,
    owner_id          bigint NOT NULL,
    token_hash        bytea UNIQUE,
    description       text NOT NULL DEFAULT '',
    short_description text NOT NULL DEFAULT '',
    commands          text NOT NULL DEFAULT '[]',
    privacy           boolean NOT NULL DEFAULT true,
    update_offset     bigint NOT NULL DEFAULT 0,
    allowed_updates   text NOT NULL DEFAULT '',
    created_at        bigint NOT NULL
);
CREATE INDEX bots_owner ON bots(owner_id);
