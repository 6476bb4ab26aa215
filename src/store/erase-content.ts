import { isRecord } from '../internal/is-record.ts';

/**
 * What erasing a session's conversation leaves of a journal event: its shape, its identifiers and
 * its numbers — what audit and billing need (which tool was called, when, by which model, at
 * what cost, with which outcome code) — and none of its content (inputs, answers, tool arguments
 * and results, error messages, waiting details). Both adapters erase with this, and it works on
 * event types it does not know: anything not listed as kept is blanked.
 */

/** Fields kept as they are: identifiers, codes, numbers, enums, times. */
const kept = new Set([
  'type',
  'step',
  'attempt',
  'callId',
  'toolName',
  'effect',
  'idempotencyKey',
  'startedAt',
  'durationMs',
  'resolvedBy',
  'decision',
  'finishReason',
  'usage',
  'provider',
  'modelId',
  'latencyMs',
  'cached',
  'costNanoUsd',
  'modelCalls',
  'costUsd',
  'status',
  'repairAttempt',
  'from',
  'to',
  'agent',
  'sessionId',
  'userId',
  'code',
  'metadata',
  'actor',
  'boundary',
  'guardrail',
  'verdict',
  'approvalId',
  'escalationId',
]);

/**
 * Events whose own `reason` is one of a few fixed words (why a run waits or resumes: `approval`,
 * `budget`, `human`, …), kept. Every other reason is free text — a reviewer's rejection, the
 * model's words handing a run to a human, a guardrail's explanation quoting what it saw — and
 * is blanked like any content, in the events and in the details they carry.
 */
const fixedReasonEvents = new Set(['run-waiting', 'run-resume']);

/**
 * The objects whose own identifiers and codes are kept (an error's code, a wait's ids, a
 * response's tool calls with their ids and names). Every other object — a tool's arguments or
 * result, a structured answer, a handoff package, a guardrail's replacement — is content through
 * and through, whatever its keys are called: a tool result's `status` or `code`, an e-mail
 * tool's `to`, are the user's data, not Keel's, and become null with the rest.
 */
const structured = new Set(['error', 'details', 'toolCalls']);

/** The marker erased text is replaced by. */
export const erasedText = '';

/**
 * A copy of an event's data with its content blanked: strings become empty (a tool call's
 * arguments then read as `{}`), the few structured objects keep their kept fields only, every
 * other object or list becomes null, and the result says `erased: true`. It never recurses
 * beyond one level: no event can exhaust the stack.
 *
 * @example
 * eraseEventContent({ type: 'tool-call', step: 1, callId: 'c1', toolName: 'refund', input: { card: '4111…' }, effect: 'unsafe', idempotencyKey: 'k' });
 * // { type: 'tool-call', step: 1, callId: 'c1', toolName: 'refund', input: null, effect: 'unsafe', idempotencyKey: 'k', erased: true }
 */
export function eraseEventContent(data: Record<string, unknown>): Record<string, unknown> {
  const erased: Record<string, unknown> = {};
  const fixedReason = fixedReasonEvents.has(String(data.type));
  for (const [key, value] of Object.entries(data)) {
    if (kept.has(key) || (fixedReason && key === 'reason')) erased[key] = value;
    else erased[key] = structured.has(key) ? blankStructured(value) : blank(value);
  }
  erased.erased = true;
  return erased;
}

/** Content: text becomes empty, numbers and flags stay, objects and lists become null. */
function blank(value: unknown): unknown {
  if (typeof value === 'string') return erasedText;
  return typeof value === 'number' || typeof value === 'boolean' ? value : null;
}

function blankStructured(value: unknown): unknown {
  if (typeof value !== 'object' || value === null) return blank(value);
  // A response's tool calls keep their items' ids and names (their arguments become empty).
  if (Array.isArray(value)) return value.map((item) => (isRecord(item) ? keepFields(item) : null));
  const fields = keepFields(value as Record<string, unknown>);
  return Object.keys(fields).length === 0 ? null : fields;
}

function keepFields(record: Record<string, unknown>): Record<string, unknown> {
  const fields: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(record)) {
    if (kept.has(key)) fields[key] = value;
    else if (key === 'arguments' || key === 'message') fields[key] = erasedText;
  }
  return fields;
}

/**
 * A journal row's data (the event without its `type`, as stored) with its content erased.
 *
 * @example
 * const data = erasedJournalData(row.type, JSON.parse(row.data));
 */
export function erasedJournalData(type: string, data: Record<string, unknown>): Record<string, unknown> {
  const { type: _type, ...erased } = eraseEventContent({ type, ...data });
  return erased;
}
