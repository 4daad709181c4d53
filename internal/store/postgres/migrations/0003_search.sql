-- Message search: the folded terms of each live message (internal/textnorm)
-- as a tsvector, built from the terms themselves (array_to_tsvector), so no
-- text-search parser or locale is involved. NULL for other events, for
-- deleted messages, and for messages not indexed yet: the writer fills it;
-- rows stored before this column existed (or copied in by "chapar migrate")
-- are filled at start (indexExisting), found through events_unsearched.
ALTER TABLE events ADD COLUMN search tsvector;
CREATE INDEX events_search ON events USING GIN (search);
CREATE INDEX events_unsearched ON events (pos) WHERE search IS NULL AND type = 'message' AND NOT deleted;
