import type { Migration } from './migration.ts';

/*
 * Protection (ADR 0003). `tenant_limits` holds each tenant's own limits, and under tenant id '*'
 * the defaults; NULL means "not set here" (the default applies; no limit if that is NULL too).
 * `window_counters` holds sliding-window rate-limit counters (times in epoch milliseconds), one
 * row per key, updated by a single conditional upsert.
 */
export const tenantLimits: Migration = {
  version: 3,
  name: 'tenant-limits-and-window-counters',
  sql: {
    sqlite: `
CREATE TABLE tenant_limits (
  tenant_id TEXT PRIMARY KEY,
  max_concurrent_runs INTEGER CHECK (max_concurrent_runs >= 0),
  user_requests_limit INTEGER CHECK (user_requests_limit >= 0),
  user_requests_window_ms INTEGER CHECK (user_requests_window_ms > 0),
  user_tokens_limit INTEGER CHECK (user_tokens_limit >= 0),
  user_tokens_window_ms INTEGER CHECK (user_tokens_window_ms > 0),
  updated_at TEXT NOT NULL,
  CHECK ((user_requests_limit IS NULL) = (user_requests_window_ms IS NULL)),
  CHECK ((user_tokens_limit IS NULL) = (user_tokens_window_ms IS NULL))
);

CREATE TABLE window_counters (
  counter_key TEXT PRIMARY KEY,
  window_start INTEGER NOT NULL,
  window_ms INTEGER NOT NULL,
  current_count INTEGER NOT NULL,
  previous_count INTEGER NOT NULL
);
`,
    // window_counters rows are updated on every request: fillfactor leaves room for HOT updates.
    postgres: `
CREATE TABLE tenant_limits (
  tenant_id text PRIMARY KEY,
  max_concurrent_runs integer CHECK (max_concurrent_runs >= 0),
  user_requests_limit bigint CHECK (user_requests_limit >= 0),
  user_requests_window_ms bigint CHECK (user_requests_window_ms > 0),
  user_tokens_limit bigint CHECK (user_tokens_limit >= 0),
  user_tokens_window_ms bigint CHECK (user_tokens_window_ms > 0),
  updated_at timestamptz NOT NULL,
  CHECK ((user_requests_limit IS NULL) = (user_requests_window_ms IS NULL)),
  CHECK ((user_tokens_limit IS NULL) = (user_tokens_window_ms IS NULL))
);

CREATE TABLE window_counters (
  counter_key text PRIMARY KEY,
  window_start bigint NOT NULL,
  window_ms bigint NOT NULL,
  current_count bigint NOT NULL,
  previous_count bigint NOT NULL
) WITH (fillfactor = 80);
`,
  },
};

/** Every migration, oldest first. */
