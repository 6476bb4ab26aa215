import type { Migration } from './migration.ts';

/*
 * The model response cache (issue 4, ADR on the gateway). One row per tenant and cache key (a
 * SHA-256 of the model and the request), so tenants never share answers. `response` is the
 * model response as JSON; `expires_at` lets reads ignore stale rows and the sweep delete them in
 * batches through its index.
 */
export const modelResponseCache: Migration = {
  version: 5,
  name: 'model-response-cache',
  sql: {
    sqlite: `
CREATE TABLE model_response_cache (
  tenant_id TEXT NOT NULL,
  cache_key TEXT NOT NULL,
  response TEXT NOT NULL,
  created_at TEXT NOT NULL,
  expires_at TEXT NOT NULL,
  PRIMARY KEY (tenant_id, cache_key)
);

CREATE INDEX model_response_cache_expiry ON model_response_cache (expires_at);
`,
    // json, not jsonb, for the reason given in migration 1 (changed before the PostgreSQL
    // adapter first shipped).
    postgres: `
CREATE TABLE model_response_cache (
  tenant_id text NOT NULL,
  cache_key text NOT NULL,
  response json NOT NULL,
  created_at timestamptz NOT NULL,
  expires_at timestamptz NOT NULL,
  PRIMARY KEY (tenant_id, cache_key)
);

CREATE INDEX model_response_cache_expiry ON model_response_cache (expires_at);
`,
  },
};
