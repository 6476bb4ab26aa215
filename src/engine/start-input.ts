import { createHash } from 'node:crypto';
import { KeelError } from '../errors/index.ts';
import { createId } from '../internal/ids.ts';
import { assertIdentifier, assertJson, assertText } from '../internal/text-rules.ts';
import type { StartRunInput } from './runtime-types.ts';

const maxMetadataBytes = 16 * 1024;

/**
 * What a new run must be, checked before anything is stored (the SDK and CLI boundary): a
 * non-empty text input of at most `maxInputBytes`, valid identifiers, and metadata that is a
 * small JSON object. The agent is the engine's to check, against its config.
 */
export function assertStartInput(input: StartRunInput, maxInputBytes: number): void {
  if (typeof input.input !== 'string' || input.input.trim() === '') {
    throw new KeelError({ code: 'INPUT_INVALID', message: 'input must be a non-empty string', details: { field: 'input' } });
  }
  assertText(input.input, 'input');
  if (Buffer.byteLength(input.input) > maxInputBytes) {
    throw new KeelError({ code: 'INPUT_INVALID', message: `input is larger than ${maxInputBytes} bytes`, details: { field: 'input' } });
  }
  for (const field of ['userId', 'sessionId', 'tenantId'] as const) {
    if (input[field] !== undefined) assertIdentifier(input[field], field);
  }
  if (input.idempotencyKey !== undefined) assertIdentifier(input.idempotencyKey, 'idempotencyKey', 255);
  if (input.metadata === undefined) return;
  if (typeof input.metadata !== 'object' || input.metadata === null || Array.isArray(input.metadata)) {
    throw new KeelError({ code: 'INPUT_INVALID', message: 'metadata must be an object', details: { field: 'metadata' } });
  }
  assertJson(input.metadata, { root: 'metadata', what: 'metadata' });
  for (const key of Object.keys(input.metadata)) assertIdentifier(key, 'metadata key');
  if (Buffer.byteLength(JSON.stringify(input.metadata)) > maxMetadataBytes) {
    throw new KeelError({ code: 'INPUT_INVALID', message: `metadata is at most ${maxMetadataBytes} bytes of JSON`, details: { field: 'metadata' } });
  }
}

/**
 * The session of a run started without one: new, except that a retry with the same idempotency
 * key must name the same session as the first attempt, so it is derived from the key.
 */
export function sessionFor(tenantId: string, idempotencyKey: string | undefined, at: Date): string {
  if (idempotencyKey === undefined) return createId('ses', at);
  const digest = createHash('sha256').update(`${tenantId}\u0000${idempotencyKey}`).digest('hex');
  return `ses_k${digest.slice(0, 28)}`;
}
