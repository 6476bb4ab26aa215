import { timingSafeEqual } from 'node:crypto';
import type { Context, MiddlewareHandler } from 'hono';
import { KeelError } from '../../errors/index.ts';
import type { ApiKeyStore } from '../../store/api-key-store.ts';
import type { Principal, ServerEnv } from '../server-types.ts';
import { hashApiKey, looksLikeApiKey } from './api-keys.ts';
import type { DashboardSessionStore } from '../../store/dashboard-session-store.ts';
import { principalForSession, sessionCookieToken } from './session-cookie.ts';

/**
 * Resolves `Authorization: Bearer keel_…` to the key's tenant and role, or answers 401 (a run's
 * event stream also takes the dashboard's session cookie: `session-cookie.ts`). Unknown
 * and revoked keys get the same answer, so a caller cannot probe which keys once existed. No
 * cache: a revocation takes effect on the next request, on every node.
 *
 * @example
 * app.use('/v1/*', authenticate(store));
 */
export function authenticate(store: ApiKeyStore & DashboardSessionStore): MiddlewareHandler<ServerEnv> {
  return async (c, next) => {
    const bearer = bearerToken(c);
    const session = bearer === undefined ? sessionCookieToken(c) : undefined;
    if (session === undefined) await authenticateKey(c, store, bearer);
    else await authenticateSession(c, store, session);
    await next();
  };
}

/** The key id of the principal a `KEEL_METRICS_TOKEN` scrape runs as: every tenant's figures. */
export const metricsTokenKeyId = 'metrics-token';

/**
 * `/metrics` authentication: the operator's `KEEL_METRICS_TOKEN` (compared in constant time),
 * which sees every tenant, or an API key like `/v1`'s, which sees its own tenant.
 *
 * @example
 * app.use('/metrics', authenticateMetrics(store, env.KEEL_METRICS_TOKEN));
 */
export function authenticateMetrics(store: ApiKeyStore, token: string | undefined): MiddlewareHandler<ServerEnv> {
  const expected = token === undefined || token === '' ? undefined : Buffer.from(token);
  return async (c, next) => {
    const given = bearerToken(c);
    const presented = given === undefined ? undefined : Buffer.from(given);
    if (expected !== undefined && presented !== undefined && presented.length === expected.length && timingSafeEqual(presented, expected)) {
      c.set('principal', { keyId: metricsTokenKeyId, tenantId: '*', role: 'viewer' });
    } else {
      await authenticateKey(c, store, given);
    }
    await next();
  };
}

function bearerToken(c: Context<ServerEnv>): string | undefined {
  return /^Bearer\s+(\S+)\s*$/i.exec(c.req.header('authorization') ?? '')?.[1];
}

/**
 * The principal an API key stands for, or undefined when it is unknown or revoked: the one key
 * lookup behind the `Authorization` header and the dashboard's sign-in form alike.
 *
 * @example
 * const principal = await principalForKey(store, key);
 */
export async function principalForKey(store: ApiKeyStore, key: string): Promise<Principal | undefined> {
  const record = looksLikeApiKey(key) ? await store.findApiKeyByHash(hashApiKey(key)) : undefined;
  if (record === undefined || record.revokedAt !== null) return undefined;
  return { keyId: record.id, tenantId: record.tenantId, role: record.role };
}

/** The dashboard's session cookie on the one `/v1` endpoint that takes it: the sign-in it names, never a key. */
async function authenticateSession(c: Context<ServerEnv>, store: DashboardSessionStore, token: string): Promise<void> {
  const principal = await principalForSession(store, token, new Date());
  if (principal === undefined) {
    c.get('log').info('rejected dashboard session');
    throw new KeelError({ code: 'UNAUTHENTICATED', message: 'The dashboard session has ended: sign in again' });
  }
  c.set('principal', principal);
  c.get('log').bind({ tenantId: principal.tenantId, keyId: principal.keyId });
}

async function authenticateKey(c: Context<ServerEnv>, store: ApiKeyStore, key: string | undefined): Promise<void> {
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
  c.get('log').bind({ tenantId: record.tenantId, keyId: record.id });
}
