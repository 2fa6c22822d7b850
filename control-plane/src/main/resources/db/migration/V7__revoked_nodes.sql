-- Portable between H2 2.x and PostgreSQL 15, as V1.

-- Nodes revoked with "concierge node revoke ID": their certificates and joins are refused.
CREATE TABLE revoked_nodes (
  node_id VARCHAR(128) PRIMARY KEY,
  revoke_time TIMESTAMP WITH TIME ZONE NOT NULL,
  revoked_by VARCHAR(63) NOT NULL
);
