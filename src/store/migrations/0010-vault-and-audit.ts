import type { Migration } from './migration.ts';

/*
 * The vault and the audit log (ADRs 0018 and 0019).
 *
 * `credentials`: one row per secret, keyed by tenant, user ('' for a tenant-level secret: a
 * primary key cannot hold NULL) and name. `sealed` is `serializeSealedSecret(...)` text, never a
 * plaintext; `key_version` repeats the master key version it is wrapped under so that rotation
 * can walk the rows not yet on the current version, in batches, and resume where it stopped.
 * `expires_at` is an OAuth access token's expiry (not secret). `refresh_owner` and
 * `refresh_expires_at` are the lease that makes one refresh per credential at a time across
 * processes and nodes, without holding a transaction while the provider answers.
 *
 * `oauth_states`: an authorization request between its start and its callback (state, sealed
 * PKCE verifier), single-use, with an expiry.
 *
 * `audit_log`: the hash chain. `seq`, `time`, tenant, actor, action, subject and `details` are
 * what the hash covers; `time` and `details` are kept as the exact text that was hashed. `id`
 * is the order rows were written in, `seq` is not unique on purpose: the verifier, not a
 * constraint, is what finds a forged duplicate. `audit_head` is one row: the last entry's seq
 * and hash (appends lock it, so there is one chain whatever the number of writers) and the
 * checkpoint pruning leaves behind.
 */
const genesis = '0'.repeat(64);

export const vaultAndAudit: Migration = {
  version: 10,
  name: 'vault-and-audit',
  sql: {
    sqlite: `
CREATE TABLE credentials (
  tenant_id TEXT NOT NULL,
  user_id TEXT NOT NULL,
  name TEXT NOT NULL,
  kind TEXT NOT NULL CHECK (kind IN ('secret', 'oauth')),
  sealed TEXT NOT NULL,
  key_version INTEGER NOT NULL CHECK (key_version >= 1),
  expires_at TEXT,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  created_by TEXT NOT NULL,
  updated_by TEXT NOT NULL,
  refresh_owner TEXT,
  refresh_expires_at TEXT,
  PRIMARY KEY (tenant_id, user_id, name)
);

CREATE INDEX credentials_key_version ON credentials (key_version, tenant_id, user_id, name);

CREATE TABLE oauth_states (
  state TEXT PRIMARY KEY,
  tenant_id TEXT NOT NULL,
  user_id TEXT NOT NULL,
  provider TEXT NOT NULL,
  sealed TEXT NOT NULL,
  created_at TEXT NOT NULL,
  expires_at TEXT NOT NULL
);

CREATE INDEX oauth_states_expiry ON oauth_states (expires_at);

CREATE TABLE audit_log (
  id INTEGER PRIMARY KEY,
  seq INTEGER NOT NULL,
  time TEXT NOT NULL,
  tenant_id TEXT NOT NULL,
  actor_kind TEXT NOT NULL,
  actor_id TEXT NOT NULL,
  actor_name TEXT,
  action TEXT NOT NULL,
  subject TEXT NOT NULL,
  details TEXT NOT NULL,
  prev_hash TEXT NOT NULL,
  hash TEXT NOT NULL
);

CREATE INDEX audit_log_seq ON audit_log (seq, id);
CREATE INDEX audit_log_tenant ON audit_log (tenant_id, seq);

CREATE TABLE audit_head (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  seq INTEGER NOT NULL,
  hash TEXT NOT NULL,
  checkpoint_seq INTEGER NOT NULL,
  checkpoint_hash TEXT NOT NULL,
  checkpoint_at TEXT
);

INSERT INTO audit_head (id, seq, hash, checkpoint_seq, checkpoint_hash) VALUES (1, 0, '${genesis}', 0, '${genesis}');
`,
    postgres: `
CREATE TABLE credentials (
  tenant_id text NOT NULL,
  user_id text NOT NULL,
  name text NOT NULL,
  kind text NOT NULL CHECK (kind IN ('secret', 'oauth')),
  sealed text NOT NULL,
  key_version integer NOT NULL CHECK (key_version >= 1),
  expires_at timestamptz,
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL,
  created_by text NOT NULL,
  updated_by text NOT NULL,
  refresh_owner text,
  refresh_expires_at timestamptz,
  PRIMARY KEY (tenant_id, user_id, name)
);

CREATE INDEX credentials_key_version ON credentials (key_version, tenant_id, user_id, name);

CREATE TABLE oauth_states (
  state text PRIMARY KEY,
  tenant_id text NOT NULL,
  user_id text NOT NULL,
  provider text NOT NULL,
  sealed text NOT NULL,
  created_at timestamptz NOT NULL,
  expires_at timestamptz NOT NULL
);

CREATE INDEX oauth_states_expiry ON oauth_states (expires_at);

CREATE TABLE audit_log (
  id bigint PRIMARY KEY,
  seq bigint NOT NULL,
  time text NOT NULL,
  tenant_id text NOT NULL,
  actor_kind text NOT NULL,
  actor_id text NOT NULL,
  actor_name text,
  action text NOT NULL,
  subject text NOT NULL,
  details text NOT NULL,
  prev_hash text NOT NULL,
  hash text NOT NULL
);

CREATE INDEX audit_log_seq ON audit_log (seq, id);
CREATE INDEX audit_log_tenant ON audit_log (tenant_id, seq);

CREATE TABLE audit_head (
  id integer PRIMARY KEY CHECK (id = 1),
  seq bigint NOT NULL,
  hash text NOT NULL,
  checkpoint_seq bigint NOT NULL,
  checkpoint_hash text NOT NULL,
  checkpoint_at timestamptz
);

INSERT INTO audit_head (id, seq, hash, checkpoint_seq, checkpoint_hash) VALUES (1, 0, '${genesis}', 0, '${genesis}');
`,
  },
};
