import type { Migration } from './migration.ts';

/*
 * API keys get an insertion sequence, `creation_order`, so that keys created in the same
 * millisecond still list in the order they were created: `created_at` ties, and key ids order
 * randomly within a millisecond. Listings order by `created_at, creation_order`, a total order.
 *
 * Existing keys are numbered in the order they used to list in (`created_at`, then the id's
 * bytes), so no listing changes under anyone's feet.
 *
 * SQLite cannot add an AUTOINCREMENT column to a table that exists, so its inserts number a key
 * `MAX(creation_order) + 1` inside the INSERT itself (SQLite has one writer at a time, so two
 * inserts cannot read the same maximum; the unique index refuses a duplicate regardless). The
 * NOT NULL DEFAULT 0 only fills the existing rows until the UPDATE numbers them. PostgreSQL turns
 * the numbered column into an identity column whose sequence continues after the last number.
 */
export const apiKeyCreationOrder: Migration = {
  version: 7,
  name: 'api-key-creation-order',
  sql: {
    sqlite: `
ALTER TABLE api_keys ADD COLUMN creation_order INTEGER NOT NULL DEFAULT 0;

UPDATE api_keys SET creation_order = numbered.position
FROM (SELECT id, row_number() OVER (ORDER BY created_at, id) AS position FROM api_keys) AS numbered
WHERE api_keys.id = numbered.id;

CREATE UNIQUE INDEX api_keys_creation_order ON api_keys (creation_order);
`,
    postgres: `
ALTER TABLE api_keys ADD COLUMN creation_order bigint;

UPDATE api_keys SET creation_order = numbered.position
FROM (SELECT id, row_number() OVER (ORDER BY created_at, id COLLATE "C") AS position FROM api_keys) AS numbered
WHERE api_keys.id = numbered.id;

ALTER TABLE api_keys ALTER COLUMN creation_order SET NOT NULL;
ALTER TABLE api_keys ALTER COLUMN creation_order ADD GENERATED ALWAYS AS IDENTITY;
SELECT setval(pg_get_serial_sequence('api_keys', 'creation_order'), (SELECT COALESCE(MAX(creation_order), 0) + 1 FROM api_keys), false);

CREATE UNIQUE INDEX api_keys_creation_order ON api_keys (creation_order);
`,
  },
};
