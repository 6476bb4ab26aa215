import { z } from '@hono/zod-openapi';
import { identifierProblem } from '../internal/text-rules.ts';

/**
 * Ids are opaque strings, bounded, and well-formed identifiers (no lone surrogates, controls,
 * bidi or invisible characters: `src/internal/text-rules.ts`). In a path a bad one is a 404; in
 * a body or query, a 400 naming the field.
 */
export const identifierSchema = (maxLength = 200) =>
  z
    .string()
    .min(1)
    .max(maxLength)
    .superRefine((value, context) => {
      const problem = identifierProblem(value);
      if (problem !== undefined) context.addIssue({ code: 'custom', message: problem });
    });

export const idSchema = identifierSchema();

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
