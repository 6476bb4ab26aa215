import { z } from '@hono/zod-openapi';
import { identifierProblem } from '../internal/text-rules.ts';

/**
 * Ids are opaque strings, bounded, and well-formed identifiers (no lone surrogates, controls,
 * bidi or invisible characters, no `.`/`..` path segments: `src/internal/text-rules.ts`). In a
 * path a bad one is a 404; in a body, query or header, a 400 naming the field. `/openapi.json`
 * marks them `x-keel-identifier: true`, so clients (and the API's fuzz test) can tell them from
 * free text, which accepts any well-formed Unicode.
 */
export const identifierSchema = (maxLength = 200) =>
  z
    .string()
    .min(1)
    .max(maxLength)
    .superRefine((value, context) => {
      const problem = identifierProblem(value);
      if (problem !== undefined) context.addIssue({ code: 'custom', message: problem });
    })
    .openapi({ 'x-keel-identifier': true });

export const idSchema = identifierSchema();

/**
 * A whole number sent as text (a query parameter, a header): decimal digits only, from `min` to
 * `max`. Not `Number(text)`, which would also read `0x10`, `1e3`, `+5`, ` 5`, `5.0` and `''` (0)
 * as numbers: such a value is a client bug worth a 400, not a guess at what it meant.
 *
 * @example
 * const Query = z.object({ limit: decimalIntegerSchema({ min: 1, max: 200 }).optional() }); // '50' → 50, '1e1' → 400
 */
export const decimalIntegerSchema = (options: { min: number; max: number }) =>
  z.string().transform((text, context) => {
    const value = /^[0-9]{1,16}$/.test(text) ? Number(text) : Number.NaN;
    if (!(value >= options.min && value <= options.max)) {
      context.addIssue({ code: 'custom', message: `must be a whole number in decimal digits, ${options.min} to ${options.max}` });
      return z.NEVER;
    }
    return value;
  });

// ignoreBOM keeps a leading U+FEFF in the text, where the identifier rules refuse it, instead of dropping it silently.
const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/**
 * An identifier sent in a header. HTTP hands header values over as bytes, which Node reads as
 * Latin-1 (one character per byte): an id that is not ASCII would otherwise arrive as mojibake
 * (`grüße` as `grÃ¼Ã\x9fe`), a different id from the same one sent in a JSON body. The bytes are
 * read as UTF-8 instead, so both spellings meet; bytes that are not UTF-8 (a lone surrogate's,
 * say) are refused like any malformed identifier.
 *
 * @example
 * request: { headers: z.object({ 'x-keel-session-id': headerIdentifierSchema().optional() }) }
 */
export const headerIdentifierSchema = (maxLength = 200) =>
  z
    .string()
    .transform((value, context) => {
      try {
        return utf8.decode(Buffer.from(value, 'latin1'));
      } catch {
        context.addIssue({ code: 'custom', message: 'is not UTF-8' });
        return z.NEVER;
      }
    })
    .pipe(identifierSchema(maxLength));

export const ErrorSchema = z
  .object({
    error: z.object({
      code: z.string().openapi({ example: 'RUN_NOT_FOUND', description: 'A stable code from docs/errors.md' }),
      message: z.string(),
      details: z.record(z.string(), z.unknown()).optional(),
    }),
  })
  .openapi('Error');

const UsageSchema = z.object({ inputTokens: z.number(), outputTokens: z.number(), cachedTokens: z.number() }).openapi('Usage');

/** The RunRecord as `GET /v1/runs/:id` and `keel runs show --json` return it. */
export const RunSchema = z
  .object({
    id: z.string(),
    tenantId: z.string(),
    agent: z.string(),
    sessionId: z.string(),
    userId: z.string(),
    status: z.enum(['queued', 'running', 'waiting', 'completed', 'failed', 'cancelled']),
    waitingReason: z.enum(['approval', 'human', 'budget', 'credential', 'outcome-unknown', 'rate-limit']).nullable(),
    input: z.string(),
    output: z.unknown().openapi({ description: 'The final answer: text, or the object matching the agent output schema' }),
    error: z.object({ code: z.string(), message: z.string(), details: z.record(z.string(), z.unknown()).optional() }).nullable(),
    usage: UsageSchema,
    costUsd: z.number().openapi({ description: "What the run's model calls cost so far, in USD" }),
    metadata: z.record(z.string(), z.unknown()),
    idempotencyKey: z.string().nullable(),
    traceId: z.string().openapi({ description: "The run's trace id (32 hex digits): the caller's, from its traceparent, else derived from the run id" }),
    traceparent: z.string().nullable().openapi({ description: 'The W3C trace context the run was started in (null: none was sent)' }),
    cancelRequested: z.boolean(),
    lastSeq: z.number().int().openapi({ description: 'Sequence number of the last journal entry' }),
    createdAt: z.string(),
    updatedAt: z.string(),
    startedAt: z.string().nullable(),
    endedAt: z.string().nullable(),
    erasedAt: z.string().nullable().openapi({ description: 'When the run was erased with its session: its input, output and journal content are blank' }),
  })
  .openapi('Run');

export const RunIdParams = z.object({ id: idSchema.openapi({ param: { name: 'id', in: 'path' }, example: 'run_0m1abcd2e3f4a5b6c7d8e9f0' }) });

/** `?userId=` on reads: answers 404 unless the object belongs to that end user. */
export const UserFilterQuery = z.object({
  userId: idSchema.optional().openapi({ description: 'Only find the object if it belongs to this end user (for app keys acting for one user)' }),
});

/**
 * Whether a time given in a request falls within years 1 to 9999, the range both stores hold
 * (PostgreSQL refuses year 0, which SQLite would compare as text): refine request times with it.
 */
export function withinStoredYears(value: string | Date): boolean {
  const date = typeof value === 'string' ? new Date(value) : value;
  const year = date.getUTCFullYear();
  return !Number.isNaN(date.getTime()) && year >= 1 && year <= 9999;
}
