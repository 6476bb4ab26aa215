import { z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { KeelError } from '../errors/index.ts';
import type { Actor } from '../journal/events.ts';
import { describeIssues } from './errors.ts';
import { decimalIntegerSchema, headerIdentifierSchema, identifierSchema } from './schemas.ts';
import type { ServerEnv } from './server-types.ts';

/** The header a reviewer's name may come in, when the body does not give it (`reviewer`). */
export const reviewerHeader = 'x-keel-reviewer';

export const ReviewerName = identifierSchema(100).openapi({
  description: `The person deciding, journaled with the API key's id as the actor (else the ${reviewerHeader} header)`,
  example: 'Rita Ramos',
});

export const ActorSchema = z
  .object({
    kind: z.enum(['key', 'system', 'cli']),
    keyId: z.string().optional().openapi({ description: 'The API key that decided, for `key`' }),
    name: z.string().optional().openapi({ description: 'The reviewer, or what the system did (`approval-timeout`)' }),
  })
  .openapi('Actor');

/**
 * Who decides over HTTP: the caller's API key, and the reviewer's name from the body or the
 * `X-Keel-Reviewer` header (the body wins). The key id is never taken from the request: it is
 * the principal's, so the journal says which key acted whatever name it gave.
 *
 * @example
 * const actor = reviewerActor(c, body.reviewer); // { kind: 'key', keyId: 'key_…', name: 'Rita' }
 */
export function reviewerActor(c: Context<ServerEnv>, bodyReviewer: string | undefined): Actor {
  const { keyId } = c.get('principal');
  const header = c.req.header(reviewerHeader);
  let name = bodyReviewer;
  if (name === undefined && header !== undefined) {
    // Read as UTF-8 bytes, like every identifier sent in a header: `Müller` must not be journaled as `MÃ¼ller`.
    const parsed = headerIdentifierSchema(100).safeParse(header);
    if (!parsed.success) {
      throw new KeelError({
        code: 'INPUT_INVALID',
        message: `The ${reviewerHeader} header is not a valid reviewer name`,
        details: { in: 'header', issues: describeIssues(parsed.error.issues) },
      });
    }
    name = parsed.data;
  }
  return { kind: 'key', keyId, ...(name === undefined ? {} : { name }) };
}

export const CursorQuery = z.string().min(1).max(200).optional().openapi({ description: 'nextCursor of the previous page' });
export const LimitQuery = decimalIntegerSchema({ min: 1, max: 200 }).optional().openapi({ type: 'integer', description: 'Page size, 1 to 200, default 50' });
