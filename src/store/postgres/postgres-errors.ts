import { DatabaseError } from 'pg';
import { KeelError, toKeelError } from '../../errors/index.ts';

/*
 * SQLSTATE classes and codes that mean "the database cannot serve this now", not "this request
 * is wrong": connection exceptions (08), insufficient resources (53), operator intervention
 * (57: shutdown, statement timeout), and transaction rollbacks (40: serialization failure,
 * deadlock) — all worth a retry.
 */
const transientClasses = new Set(['08', '40', '53', '57']);
const lockNotAvailable = '55P03';
/** No such table or schema: the store was never migrated (or the schema is wrong). */
const notMigrated = new Set(['42P01', '3F000']);
/** Credentials refused, or no such database: retrying will not help. */
const refusedClasses = new Set(['28', '3D']);
/**
 * Values PostgreSQL cannot store that SQLite would: a NUL character in a text column (22021,
 * 22P05), a number beyond bigint (22003). The caller's input, not a fault of the store.
 */
const unstorable = new Set(['22021', '22P05', '22003']);

/** Errors `pg` and Node's sockets raise when the server cannot be reached or the link drops. */
const networkCodes = new Set(['ECONNREFUSED', 'ECONNRESET', 'ENOTFOUND', 'EAI_AGAIN', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'EPIPE']);
const droppedConnection = /^(Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error|Connection is closed)/;
const poolEnded = /^Cannot use a pool after calling end on the pool/;

/**
 * Maps `pg` and socket errors to catalogue codes; KeelErrors pass through unchanged. Messages are
 * Keel's own for everything that reaches the network: a connection error may name the host, and
 * the database URL may carry a password, so neither is echoed (the original stays as `cause`).
 */
export function toStoreError(error: unknown): KeelError {
  if (KeelError.isInstance(error)) return error;
  if (error instanceof DatabaseError && error.code !== undefined) {
    const sqlState = error.code;
    if (notMigrated.has(sqlState)) {
      return new KeelError({ code: 'STORE_UNAVAILABLE', message: 'The database is not migrated: call store.migrate() first', cause: error, retryable: false });
    }
    if (unstorable.has(sqlState)) {
      return new KeelError({
        code: 'INPUT_INVALID',
        message: 'A value cannot be stored: text must not contain NUL characters, and numbers must fit 64 bits',
        details: { sqlState },
        cause: error,
      });
    }
    if (refusedClasses.has(sqlState.slice(0, 2))) {
      return new KeelError({
        code: 'STORE_UNAVAILABLE',
        message: 'PostgreSQL refused the connection (credentials or database name)',
        details: { sqlState },
        cause: error,
        retryable: false,
      });
    }
    if (transientClasses.has(sqlState.slice(0, 2)) || sqlState === lockNotAvailable) {
      return new KeelError({ code: 'STORE_UNAVAILABLE', message: 'PostgreSQL could not serve the request now', details: { sqlState }, cause: error });
    }
    return toKeelError(error, 'INTERNAL');
  }
  if (error instanceof Error) {
    if (poolEnded.test(error.message)) return new KeelError({ code: 'STORE_UNAVAILABLE', message: 'The store is closed', cause: error, retryable: false });
    const code = 'code' in error && typeof error.code === 'string' ? error.code : undefined;
    if ((code !== undefined && networkCodes.has(code)) || droppedConnection.test(error.message)) {
      return new KeelError({
        code: 'STORE_UNAVAILABLE',
        message: 'PostgreSQL could not be reached',
        ...(code === undefined ? {} : { details: { code } }),
        cause: error,
      });
    }
  }
  return toKeelError(error, 'INTERNAL');
}
