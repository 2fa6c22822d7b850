-- Portable between H2 2.x and PostgreSQL 15, as V1.

-- Edge policies (policies/{id}): IP access lists and the kinds to come.
CREATE TABLE policies (
  name VARCHAR(128) PRIMARY KEY,
  spec VARCHAR NOT NULL,
  revision BIGINT NOT NULL,
  create_time TIMESTAMP WITH TIME ZONE NOT NULL,
  update_time TIMESTAMP WITH TIME ZONE NOT NULL
);

-- Which policies each route names, so that deleting a used policy can be refused.
CREATE TABLE route_policies (
  route_name VARCHAR(128) NOT NULL,
  policy_name VARCHAR(128) NOT NULL,
  PRIMARY KEY (route_name, policy_name)
);
CREATE INDEX route_policies_by_policy ON route_policies (policy_name);
