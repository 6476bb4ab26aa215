import type { Migration } from './migration.ts';

/*
 * API keys: only the SHA-256 of a key is stored (keys are 256-bit random, so no salt or slow
 * hash is needed to resist guessing). `key_hash` is unique and indexed because every request
 * looks its key up by it, across tenants.
 */
export const apiKeys: Migration = {
  version: 2,
  name: 'api-keys',
  sql: {
    sqlite: `
CREATE TABLE api_keys (
  id TEXT PRIMARY KEY,
  tenant_id TEXT NOT NULL,
  name TEXT NOT NULL,
  role TEXT NOT NULL CHECK (role IN ('admin', 'app', 'reviewer', 'viewer')),
  key_hash TEXT NOT NULL UNIQUE,
  key_prefix TEXT NOT NULL,
  created_at TEXT NOT NULL,
  revoked_at TEXT
);

CREATE INDEX api_keys_tenant ON api_keys (tenant_id, created_at);
`,
    postgres: `
CREATE TABLE api_keys (
  id text PRIMARY KEY,
  tenant_id text NOT NULL,
  name text NOT NULL,
  role text NOT NULL CHECK (role IN ('admin', 'app', 'reviewer', 'viewer')),
  key_hash text NOT NULL UNIQUE,
  key_prefix text NOT NULL,
  created_at timestamptz NOT NULL,
  revoked_at timestamptz
);

CREATE INDEX api_keys_tenant ON api_keys (tenant_id, created_at);
`,
  },
};
