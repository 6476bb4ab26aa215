import { Pool, type PoolClient } from 'pg';
import { KeelError } from '../../errors/index.ts';
import { toStoreError } from './postgres-errors.ts';

export interface OpenPoolOptions {
  connectionString: string;
  poolSize: number;
  /** Every connection's `search_path`; see `PostgresStoreOptions.schema`. */
  schema: string | undefined;
  connectionTimeoutMs: number;
}

/** See `inTransaction`. */
export const idleInTransactionTimeoutMs = 15_000;

/** Schema names Keel accepts: plain identifiers, so they need no quoting anywhere. */
const plainIdentifier = /^[a-z_][a-z0-9_]{0,62}$/;

/**
 * Opens a connection pool. Connections are made lazily, on first use, so opening never fails
 * for an unreachable server: the first query reports it as `STORE_UNAVAILABLE`.
 */
export function openPool(options: OpenPoolOptions): Pool {
  const { schema } = options;
  if (schema !== undefined && !plainIdentifier.test(schema)) {
    throw new KeelError({ code: 'CONFIG_INVALID', message: 'The PostgreSQL schema must be a lower-case identifier (a-z, 0-9, _)', details: { schema } });
  }
  if (schema !== undefined && /[?&]options=/.test(options.connectionString)) {
    throw new KeelError({ code: 'CONFIG_INVALID', message: "Give the schema either as the schema option or in the URL's options parameter, not both" });
  }
  if (!Number.isInteger(options.poolSize) || options.poolSize < 1) {
    throw new KeelError({ code: 'CONFIG_INVALID', message: 'poolSize must be a positive integer', details: { poolSize: options.poolSize } });
  }
  const pool = new Pool({
    connectionString: options.connectionString,
    max: options.poolSize,
    connectionTimeoutMillis: options.connectionTimeoutMs,
    // The search_path travels in the startup packet: set on every pooled connection before its
    // first query, at no extra round trip.
    ...(schema === undefined ? {} : { options: `-c search_path=${schema}` }),
  });
  // An idle connection that breaks (server restart, network) is reported here and dropped from
  // the pool; without a listener the 'error' event would crash the process. The next query
  // opens a fresh connection and reports its own failure, if any.
  pool.on('error', () => undefined);
  return pool;
}

/**
 * Runs `work` in one transaction on one pooled connection. With `lock` (an advisory lock
 * expression, see `advisory-locks.ts`) the lock is taken right after BEGIN. BEGIN, the timeout
 * below and the lock go in one simple-protocol message: one round trip for all three. Any error
 * rolls back.
 *
 * Keel's transactions are a few quick statements. A node that stalls in the middle of one
 * (paused, partitioned) would keep its row and advisory locks until its connection died, which
 * for the claim lock would stop every node from claiming; the server ends such a transaction
 * after `idleInTransactionTimeoutMs` instead, and the stalled node's commit fails.
 *
 * @example
 * await inTransaction(pool, async (client) => { await client.query('…'); });
 */
export async function inTransaction<T>(pool: Pool, work: (client: PoolClient) => Promise<T>, lock?: string): Promise<T> {
  const client = await connect(pool);
  let broken = false;
  // A checked-out connection has no listener of the pool's: one that breaks between two
  // statements (server restart, the timeout above) would raise an unhandled 'error' event and
  // crash the process. Note it instead; the next statement fails and reports it.
  const noteBroken = () => {
    broken = true;
  };
  client.on('error', noteBroken);
  try {
    await client.query(`BEGIN; SET LOCAL idle_in_transaction_session_timeout = ${idleInTransactionTimeoutMs}${lock === undefined ? '' : `; SELECT ${lock}`}`);
    const result = await work(client);
    await client.query('COMMIT');
    return result;
  } catch (error) {
    try {
      await client.query('ROLLBACK');
    } catch {
      // The connection itself failed: it must not go back to the pool.
      broken = true;
    }
    throw toStoreError(error);
  } finally {
    client.removeListener('error', noteBroken);
    client.release(broken);
  }
}

async function connect(pool: Pool): Promise<PoolClient> {
  try {
    return await pool.connect();
  } catch (error) {
    throw toStoreError(error);
  }
}

/** Runs one store operation, with driver errors mapped to catalogue codes. */
export async function guard<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    throw toStoreError(error);
  }
}
