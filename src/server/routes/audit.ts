import { z } from '@hono/zod-openapi';
import { KeelError } from '../../errors/index.ts';
import type { AuditRow } from '../../store/audit-store.ts';
import { decimalIntegerSchema, idSchema, withinStoredYears } from '../schemas.ts';
import type { RouteModule } from '../server-types.ts';
import { registerRoute } from './define-route.ts';

const AuditQuery = z.object({
  from: z.iso
    .datetime({ offset: true })
    .refine(withinStoredYears, 'years 1 to 9999')
    .optional()
    .openapi({ description: 'Entries at or after this time (ISO 8601)' }),
  to: z.iso.datetime({ offset: true }).refine(withinStoredYears, 'years 1 to 9999').optional().openapi({ description: 'Entries before this time' }),
  actor: idSchema.optional().openapi({ description: 'Only entries by this actor id (an API key id, a user id, `cli`, `keel`)' }),
  action: z
    .string()
    .regex(/^[a-z][a-z0-9_-]*(?:\.[a-z][a-z0-9_-]*)+$/)
    .optional()
    .openapi({ description: 'Only this action, e.g. `key.create`, `credential.use`' }),
  cursor: z.string().min(1).max(100).optional().openapi({ description: 'nextCursor of the previous page' }),
  limit: decimalIntegerSchema({ min: 1, max: 500 }).optional().openapi({ type: 'integer', description: 'Page size, 1 to 500, default 100' }),
});

export const AuditEntrySchema = z
  .object({
    seq: z.number().int(),
    time: z.string(),
    actor: z.object({ kind: z.enum(['key', 'reviewer', 'system', 'user']), id: z.string(), name: z.string().optional() }),
    action: z.string(),
    subject: z.string(),
    details: z.record(z.string(), z.unknown()),
    prevHash: z.string(),
    hash: z.string(),
  })
  .openapi('AuditEntry');
const AuditPage = z.object({ data: z.array(AuditEntrySchema), nextCursor: z.string().nullable() }).openapi('AuditPage');

function encodeCursor(row: AuditRow): string {
  return Buffer.from(JSON.stringify([row.seq, row.id])).toString('base64url');
}

function decodeCursor(cursor: string): { seq: number; id: number } {
  try {
    const [seq, id] = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown[];
    if (Number.isSafeInteger(seq) && Number.isSafeInteger(id)) return { seq: seq as number, id: id as number };
  } catch {
    // Falls through to the one answer for any cursor this server did not issue.
  }
  throw new KeelError({ code: 'INPUT_INVALID', message: 'The cursor is not one this endpoint issued', details: { field: 'cursor' } });
}

/**
 * `GET /v1/audit`: the tenant's entries of the audit chain, oldest first, paged. The chain is
 * one for the whole deployment (ADR 0019), so a tenant's page skips other tenants' seqs;
 * `keel audit verify` checks the whole chain.
 */
export const auditRoutes: RouteModule = {
  name: 'audit',
  register(app, context) {
    registerRoute(app, {
      method: 'get',
      path: '/v1/audit',
      tags: ['audit'],
      summary: "The tenant's audit log: key management, credentials and their use, OAuth connections, budget and limit changes, …",
      permission: 'audit:read',
      request: { query: AuditQuery },
      responses: { 200: { description: 'Oldest first', content: { 'application/json': { schema: AuditPage } } } },
      async handler(c, { query }) {
        const limit = query.limit ?? 100;
        const rows = await context.store.readAudit({
          tenantId: c.get('principal').tenantId,
          limit: limit + 1,
          ...(query.cursor === undefined ? {} : { after: decodeCursor(query.cursor) }),
          ...(query.from === undefined ? {} : { from: new Date(query.from).toISOString() }),
          ...(query.to === undefined ? {} : { to: new Date(query.to).toISOString() }),
          ...(query.actor === undefined ? {} : { actorId: query.actor }),
          ...(query.action === undefined ? {} : { action: query.action }),
        });
        const page = rows.slice(0, limit);
        const last = page.at(-1);
        return c.json({
          data: page.map(({ id: _id, tenant: _tenant, ...entry }) => entry),
          nextCursor: rows.length > limit && last !== undefined ? encodeCursor(last) : null,
        });
      },
    });
  },
};
