-- Presence across the nodes of a cluster (internal/presence): which node
-- has a live connection of which user, and when each node last said it is
-- alive. A node that stops saying so is taken as gone with its connections.
CREATE TABLE chapar_nodes (
    node_id text PRIMARY KEY,
    seen_at timestamptz NOT NULL
);

CREATE TABLE chapar_presence (
    user_id bigint NOT NULL,
    node_id text NOT NULL,
    PRIMARY KEY (user_id, node_id)
);
CREATE INDEX chapar_presence_node ON chapar_presence(node_id);
