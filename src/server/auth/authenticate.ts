import type { MiddlewareHandler } from 'hono';
import { KeelError } from '../../errors/index.ts';
import type { ApiKeyStore } from '../../store/api-key-store.ts';
import type { ServerEnv } from '../server-types.ts';
import { hashApiKey, looksLikeApiKey } from './api-keys.ts';

/**
 * Resolves `Authorization: Bearer keel_…` to the key's tenant and role, or answers 401. Unknown
 * and revoked keys get the same answer, so a caller cannot probe which keys once existed. No
 * cache: a revocation takes effect on the next request, on every node.
 *
 * @example
 * app.use('/v1/*', authenticate(store));
 */
export function authenticate(store: ApiKeyStore): MiddlewareHandler<ServerEnv> {
  return async (c, next) => {
    const header = c.req.header('authorization') ?? '';
    const key = /^Bearer\s+(\S+)\s*$/i.exec(header)?.[1];
    if (key === undefined) {
      c.header('WWW-Authenticate', 'Bearer');
      throw new KeelError({ code: 'UNAUTHENTICATED', message: 'Send an API key: Authorization: Bearer keel_…' });
    }
    const record = looksLikeApiKey(key) ? await store.findApiKeyByHash(hashApiKey(key)) : undefined;
    if (record === undefined || record.revokedAt !== null) {
      c.get('log').info({ keyId: record?.id, revoked: record !== undefined }, 'rejected API key');
      c.header('WWW-Authenticate', 'Bearer error="invalid_token"');
      throw new KeelError({ code: 'UNAUTHENTICATED', message: 'The API key is invalid or has been revoked' });
    }
    c.set('principal', { keyId: record.id, tenantId: record.tenantId, role: record.role });
    c.set('log', c.get('log').child({ tenantId: record.tenantId, keyId: record.id }));
    await next();
  };
}
