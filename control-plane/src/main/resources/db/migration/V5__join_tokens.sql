-- Portable between H2 2.x and PostgreSQL 15, as V1.

-- Node join tokens; only the SHA-256 of the secret is kept. Revoking one deletes its row.
CREATE TABLE join_tokens (
  id CHAR(8) PRIMARY KEY,
  secret_sha256 CHAR(64) NOT NULL UNIQUE,
  create_time TIMESTAMP WITH TIME ZONE NOT NULL,
  expire_time TIMESTAMP WITH TIME ZONE NOT NULL,
  created_by VARCHAR(63) NOT NULL
);
