-- An apply writes many resources in one revision: history becomes one row per revision
-- (revisions) and one per resource it changed (changes). A certificate's change keeps its sealed
-- key, so that a rollback can restore it.

CREATE TABLE revisions (
  revision BIGINT PRIMARY KEY,
  change_time TIMESTAMP WITH TIME ZONE NOT NULL,
  actor VARCHAR(256) NOT NULL
);

CREATE TABLE changes (
  revision BIGINT NOT NULL,
  seq INTEGER NOT NULL,
  action VARCHAR(16) NOT NULL,
  kind VARCHAR(32) NOT NULL,
  name VARCHAR(128) NOT NULL,
  before_spec VARCHAR,
  after_spec VARCHAR,
  after_sealed VARCHAR,
  PRIMARY KEY (revision, seq)
);
-- The config at a revision is, per resource, its newest change up to that revision.
CREATE INDEX changes_by_resource ON changes (kind, name, revision);

INSERT INTO revisions (revision, change_time, actor)
  SELECT revision, change_time, actor FROM history;
INSERT INTO changes (revision, seq, action, kind, name, before_spec, after_spec)
  SELECT revision, 0, action, kind, name, before_spec, after_spec FROM history;
-- Keys were not kept in history before: the current key is the one of each certificate's newest
-- change; older versions of a certificate cannot be restored with their key.
UPDATE changes SET after_sealed =
    (SELECT key_ciphertext FROM certificates WHERE certificates.name = changes.name)
  WHERE kind = 'CERTIFICATE' AND after_spec IS NOT NULL
    AND revision = (SELECT MAX(c2.revision) FROM changes c2
                    WHERE c2.kind = 'CERTIFICATE' AND c2.name = changes.name);

DROP TABLE history;
