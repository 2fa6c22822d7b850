-- Portable between H2 2.x and PostgreSQL 15, as V1.

-- Consumers (consumers/{id}): callers that authenticate at the edge. spec never holds a
-- credential; credentials is base64 of IV + AES-GCM ciphertext (as a certificate's key) of the
-- consumer's key SHA-256s and password hashes (ConsumerCredentials as protobuf JSON).
CREATE TABLE consumers (
  name VARCHAR(128) PRIMARY KEY,
  spec VARCHAR NOT NULL,
  credentials VARCHAR NOT NULL,
  revision BIGINT NOT NULL,
  create_time TIMESTAMP WITH TIME ZONE NOT NULL,
  update_time TIMESTAMP WITH TIME ZONE NOT NULL
);

-- Which consumers each key_auth/basic_auth policy allows by name, so that deleting an allowed
-- consumer can be refused.
CREATE TABLE policy_consumers (
  policy_name VARCHAR(128) NOT NULL,
  consumer_name VARCHAR(128) NOT NULL,
  PRIMARY KEY (policy_name, consumer_name)
);
CREATE INDEX policy_consumers_by_consumer ON policy_consumers (consumer_name);
