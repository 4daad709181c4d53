-- Calls in progress, as in internal/store/sqlite/schema.sql. An ended call
-- leaves only its record, a "call" event in its chat (kept in events.media).
CREATE TABLE calls (
    id          text PRIMARY KEY,
    chat_id     bigint NOT NULL,
    caller_id   bigint NOT NULL,
    callee_id   bigint NOT NULL,
    video       boolean NOT NULL DEFAULT false,
    state       text NOT NULL,
    caller_conn text NOT NULL,
    callee_conn text NOT NULL DEFAULT '',
    created_at  bigint NOT NULL,
    answered_at bigint NOT NULL DEFAULT 0,
    seen_at     bigint NOT NULL
);
CREATE INDEX calls_caller_conn ON calls(caller_conn);
CREATE INDEX calls_callee_conn ON calls(callee_conn);

CREATE TABLE call_parties (
    user_id bigint PRIMARY KEY,
    call_id text NOT NULL
);
