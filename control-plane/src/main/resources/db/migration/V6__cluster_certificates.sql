-- Portable between H2 2.x and PostgreSQL 15, as V1.

-- Which certificate each cluster presents to its endpoints (upstream mutual TLS), so that deleting
-- a used certificate can be refused.
CREATE TABLE cluster_certificates (
  cluster_name VARCHAR(128) NOT NULL,
  certificate_name VARCHAR(128) NOT NULL,
  PRIMARY KEY (cluster_name, certificate_name)
);
CREATE INDEX cluster_certificates_by_certificate ON cluster_certificates (certificate_name);
