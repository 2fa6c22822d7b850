-- Portable between H2 2.x and PostgreSQL 15: no vendor types, JSON kept as text.

-- One row: the global revision. Every write bumps it first, which serialises writers.
CREATE TABLE config_state (
  id INTEGER PRIMARY KEY,
  revision BIGINT NOT NULL
);
INSERT INTO config_state (id, revision) VALUES (1, 0);

CREATE TABLE clusters (
  name VARCHAR(128) PRIMARY KEY,
  spec VARCHAR NOT NULL,
  revision BIGINT NOT NULL,
  create_time TIMESTAMP WITH TIME ZONE NOT NULL,
  update_time TIMESTAMP WITH TIME ZONE NOT NULL
);

CREATE TABLE routes (
  name VARCHAR(128) PRIMARY KEY,
  spec VARCHAR NOT NULL,
  revision BIGINT NOT NULL,
  create_time TIMESTAMP WITH TIME ZONE NOT NULL,
  update_time TIMESTAMP WITH TIME ZONE NOT NULL
);

-- Which clusters each route forwards to, so that deleting a used cluster can be refused.
CREATE TABLE route_clusters (
  route_name VARCHAR(128) NOT NULL,
  cluster_name VARCHAR(128) NOT NULL,
  PRIMARY KEY (route_name, cluster_name)
);
CREATE INDEX route_clusters_by_cluster ON route_clusters (cluster_name);

-- spec never holds the private key; key_ciphertext is base64 of IV + AES-GCM ciphertext.
CREATE TABLE certificates (
  name VARCHAR(128) PRIMARY KEY,
  spec VARCHAR NOT NULL,
  key_ciphertext VARCHAR NOT NULL,
  revision BIGINT NOT NULL,
  create_time TIMESTAMP WITH TIME ZONE NOT NULL,
  update_time TIMESTAMP WITH TIME ZONE NOT NULL
);

-- One row per committed write; before/after are specs without private keys.
CREATE TABLE history (
  revision BIGINT PRIMARY KEY,
  change_time TIMESTAMP WITH TIME ZONE NOT NULL,
  actor VARCHAR(256) NOT NULL,
  action VARCHAR(16) NOT NULL,
  kind VARCHAR(32) NOT NULL,
  name VARCHAR(128) NOT NULL,
  before_spec VARCHAR,
  after_spec VARCHAR
);

CREATE TABLE nodes (
  name VARCHAR(200) PRIMARY KEY,
  spec VARCHAR NOT NULL,
  update_time TIMESTAMP WITH TIME ZONE NOT NULL
);
