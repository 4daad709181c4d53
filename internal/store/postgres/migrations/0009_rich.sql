-- A message's formatting (entities) and a bot's keyboard, as JSON
-- (domain.Rich); NULL for none.
ALTER TABLE events ADD COLUMN rich text;

-- Private events may carry text (a bot's callback query: the button's data).
ALTER TABLE user_events ADD COLUMN text text NOT NULL DEFAULT '';

-- Bots' webhooks, and which node delivers a bot's updates (until webhook_lease).
ALTER TABLE bots ADD COLUMN webhook_url text NOT NULL DEFAULT '',
    ADD COLUMN webhook_secret text NOT NULL DEFAULT '',
    ADD COLUMN webhook_max_conn integer NOT NULL DEFAULT 40,
    ADD COLUMN webhook_error_at bigint NOT NULL DEFAULT 0,
    ADD COLUMN webhook_error text NOT NULL DEFAULT '',
    ADD COLUMN webhook_node text NOT NULL DEFAULT '',
    ADD COLUMN webhook_lease bigint NOT NULL DEFAULT 0;
