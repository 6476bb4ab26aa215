/*
 * Transaction-scoped advisory locks (`pg_advisory_xact_lock`): released at COMMIT or ROLLBACK,
 * so a node that dies mid-transaction can never leave one held.
 *
 * Each lock is keyed by a constant and by the connection's search_path, so two Keel
 * deployments in different schemas of one database (or parallel test runs) do not queue behind
 * each other; a hash collision between two search paths only serialises them, which is still
 * correct. The search_path setting, not current_schema(): the latter is NULL while the schema
 * does not exist yet, and the lock function ignores a NULL key.
 */
const keyed = (constant: number) => `pg_advisory_xact_lock(${constant}, hashtext(current_setting('search_path')))`;

/** Serialises migrations: many nodes may start (and migrate) at once. */
export const migrationLock = keyed(0x6b65_0001);

/**
 * Serialises claims (ADR 0003): the fair claim ranks runs with window functions, which cannot
 * be combined with `FOR UPDATE SKIP LOCKED`, and two claims reading the same free slot under a
 * tenant's cap at once would both take it.
 */
export const claimLock = keyed(0x6b65_0002);
