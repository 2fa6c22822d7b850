-- Portable between H2 2.x and PostgreSQL 15, as V1.

-- What a named token may do: 'admin' (everything) or 'read-only' (Get, List, Export). Tokens
-- made before roles existed keep the power they had.
ALTER TABLE api_tokens ADD COLUMN role VARCHAR(16) DEFAULT 'admin' NOT NULL;
