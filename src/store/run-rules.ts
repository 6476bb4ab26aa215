import { isDeepStrictEqual } from 'node:util';
import { KeelError } from '../errors/index.ts';
import { assertIdentifier, assertJson, assertText } from '../internal/text-rules.ts';
import { formatTraceparent, parseTraceparent } from '../journal/trace-context.ts';
import type { NewRun, RunRecord, SessionRecord } from './store.ts';

/**
 * The rules of `Store.createRun` and `Store.readJournal`, written once for every adapter: each
 * adapter only finds the rows (inside whatever transaction serialises it) and asks these.
 */

/**
 * A second `createRun` with an idempotency key already used must be the same request — agent,
 * input, user, session and metadata — or it is refused. The user is compared so that one user
 * never gets another's run back, and the error names no run, so it tells a caller nothing about
 * whose key it collided with. (A client that lets the runtime pick the session gets the same
 * session on a retry: the runtime derives it from the key.)
 *
 * @example
 * if (existing !== undefined) return { run: assertSameRequest(existing, input), created: false };
 */
export function assertSameRequest(existing: RunRecord, input: NewRun): RunRecord {
  const differs =
    existing.agent !== input.agent ||
    existing.input !== input.input ||
    existing.userId !== input.userId ||
    existing.sessionId !== input.sessionId ||
    !isDeepStrictEqual(existing.metadata, input.metadata ?? {});
  if (differs) {
    throw new KeelError({
      code: 'IDEMPOTENCY_CONFLICT',
      message: 'This idempotency key was already used for a different request',
      details: { idempotencyKey: input.idempotencyKey },
    });
  }
  return existing;
}

/**
 * A session belongs to the user who started it. Another user's session is not found, rather than
 * forbidden: its existence is not the caller's business (`SESSION_NOT_FOUND`, 404).
 *
 * @example
 * assertSessionOwner(session, input);
 */
export function sessionNotFoundError(sessionId: string): KeelError {
  return new KeelError({ code: 'SESSION_NOT_FOUND', message: `No session with id "${sessionId}"`, details: { sessionId } });
}

export function assertSessionOwner(session: Pick<SessionRecord, 'userId'>, input: Pick<NewRun, 'userId' | 'sessionId'>): void {
  if (session.userId !== input.userId) throw sessionNotFoundError(input.sessionId);
}

/**
 * `SESSION_BUSY`: the session has an unfinished run — and its agent refuses to queue a new one
 * behind it (`start`), or it cannot be deleted yet, since the run would write messages back (`delete`).
 */
export function sessionBusyError(sessionId: string, doing: 'start' | 'delete' = 'start'): KeelError {
  const message =
    doing === 'start'
      ? 'The session already has a run in progress'
      : 'The session has a run in progress: cancel it or wait for it to end, then delete the session';
  return new KeelError({ code: 'SESSION_BUSY', message, details: { sessionId } });
}

/**
 * `readJournal`'s options, checked: `afterSeq` a whole number from 0, `limit` (if any) from 1.
 *
 * @example
 * const { afterSeq, limit } = journalReadOptions(options);
 */
export function journalReadOptions(options: { afterSeq?: number; limit?: number } = {}): { afterSeq: number; limit: number | undefined } {
  const afterSeq = options.afterSeq ?? 0;
  if (!Number.isInteger(afterSeq) || afterSeq < 0) {
    throw new KeelError({ code: 'INPUT_INVALID', message: 'afterSeq must be a non-negative integer', details: { afterSeq } });
  }
  if (options.limit !== undefined && (!Number.isInteger(options.limit) || options.limit < 1)) {
    throw new KeelError({ code: 'INPUT_INVALID', message: 'limit must be a positive integer', details: { limit: options.limit } });
  }
  return { afterSeq, limit: options.limit };
}

/**
 * A new run holds only text the store can keep exactly: the identifiers it compares (tenant,
 * user, session, agent, idempotency key) are well-formed identifiers, the input and metadata
 * well-formed text. The boundaries check this first; the store checks again, so no caller can
 * make two different ids collide in storage.
 *
 * @example
 * assertStorableRun(input); // first thing in createRun
 */
export function assertStorableRun(input: NewRun): void {
  assertIdentifier(input.id, 'id');
  assertIdentifier(input.tenantId, 'tenantId');
  assertIdentifier(input.userId, 'userId');
  assertIdentifier(input.sessionId, 'sessionId');
  assertIdentifier(input.agent, 'agent');
  if (input.idempotencyKey !== undefined) assertIdentifier(input.idempotencyKey, 'idempotencyKey', 255);
  assertText(input.input, 'input');
  if (input.metadata !== undefined) assertJson(input.metadata, { root: 'metadata', what: 'metadata' });
}

/**
 * What `createRun` stores of the run's `traceparent`: the normalised header, or null when none
 * was given or it is invalid (ignored, as the W3C spec asks: never a failed request).
 *
 * @example
 * storedTraceparent(input); // '00-4bf9…-00f0…-01' or null
 */
export function storedTraceparent(input: Pick<NewRun, 'traceparent'>): string | null {
  const context = parseTraceparent(input.traceparent);
  return context === undefined ? null : formatTraceparent(context);
}
