import { DatabaseSync } from 'node:sqlite';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { z } from 'zod';
import { defineAgent } from '../../src/sdk/define-agent.ts';
import { defineTool } from '../../src/sdk/define-tool.ts';
import { createLogger } from '../../src/telemetry/logger.ts';
import { scriptedModel, type ScriptedTurn } from '../../src/testing/scripted-model.ts';
import { startFakeOAuthServer, type FakeOAuthServer } from '../../src/testing/index.ts';
import type { ModelRequest } from '../../src/gateway/model.ts';
import { openSecret } from '../../src/vault/envelope.ts';
import { generateMasterKey } from '../../src/vault/master-key.ts';
import { openOAuthTokens } from '../../src/vault/oauth-refresh.ts';
import { createTestApi, type TestApi } from '../server/api-fixture.ts';
import { shopProvider } from './fixture/shop.ts';

/*
 * Secrets never leak: the credential scenarios run over HTTP with a worker, logs at `trace`,
 * traces on (contents captured) and SSE readers attached to every run; then every log line, every journal row (read from the
 * table itself), every SSE event, every span, every HTTP response, the runs table and the audit log are
 * searched for every secret value — tenant and user secrets, the OAuth client secret, access
 * and refresh tokens. Tools that echo, throw and log their credentials get them redacted.
 */

const tenantSecret = 'tenant-api-key-6f1d2c0e';
const aliceSecret = 'alice-api-key-"quoted"\\9a8b';
let oauth: FakeOAuthServer;
let api: TestApi;
const logLines: string[] = [];
const httpTexts: string[] = [];
const sseTexts: string[] = [];
const tokensSeen = new Set<string>();
const spans: string[] = [];

const echo = defineTool({
  name: 'echo_key',
  description: 'Echoes its key',
  input: z.object({}),
  effect: 'read',
  credentials: ['api'],
  async execute(_input, ctx) {
    const key = await ctx.credential('api');
    ctx.log.info(`calling upstream with ${key}`);
    ctx.log.warn({ key, nested: { header: `Bearer ${key}` } }, 'upstream call');
    ctx.log.error({ err: new Error(`boom ${key}`) }, 'upstream error');
    return { key, header: `Bearer ${key}` };
  },
});
const fail = defineTool({
  name: 'fail_loudly',
  description: 'Throws with its key in the message',
  input: z.object({}),
  effect: 'idempotent',
  credentials: ['api'],
  async execute(_input, ctx) {
    throw new Error(`401 from upstream for key ${await ctx.credential('api')}`);
  },
});
const orders = defineTool({
  name: 'orders',
  description: 'Uses the shop token and echoes it',
  input: z.object({}),
  effect: 'read',
  credentials: ['shop'],
  async execute(_input, ctx) {
    const token = await ctx.credential('shop');
    tokensSeen.add(token);
    const response = await fetch(`${oauth.url}/userinfo`, { headers: { authorization: `Bearer ${token}` } });
    return { status: response.status, token };
  },
});

/** Every run: call the three tools at once, then answer. */
function turn(request: ModelRequest): ScriptedTurn {
  if (request.messages.some((message) => message.role === 'tool')) return { text: 'All done.' };
  return {
    toolCalls: [
      { name: 'echo_key', arguments: {} },
      { name: 'fail_loudly', arguments: {} },
      { name: 'orders', arguments: {} },
    ],
  };
}

async function call(
  method: string,
  path: string,
  options: { key?: string | null; body?: unknown } = {},
): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await api.request(method, path, options);
  const text = await response.text();
  httpTexts.push(text);
  return { status: response.status, body: (text === '' ? {} : JSON.parse(text)) as Record<string, unknown> };
}

/** Follows a run's journal over SSE until run-end; resolves with the stream's whole text. */
function follow(runId: string): Promise<void> {
  return (async () => {
    const response = await api.request('GET', `/v1/runs/${runId}/events`, { key: api.keys.app });
    sseTexts.push(await response.text());
  })();
}

async function connect(userId: string): Promise<void> {
  const started = await call('GET', `/v1/oauth/shop/start?userId=${userId}`, { key: api.keys.app });
  const callback = await oauth.authorize(String(started.body.url), { user: userId });
  expect((await call('GET', `${callback.pathname}${callback.search}`, { key: null })).status).toBe(200);
}

function storedTokens(userId: string): string[] {
  const db = new DatabaseSync(api.databasePath);
  const row = db.prepare("SELECT sealed FROM credentials WHERE user_id = ? AND name = 'shop'").get(userId);
  db.close();
  if (row === undefined || api.vault === undefined) return [];
  const tokens = openOAuthTokens(openSecret({ keyring: api.vault.keyring, context: { tenant: 'acme', user: userId, name: 'shop' }, sealed: row.sealed }));
  return [tokens.accessToken, tokens.refreshToken ?? ''];
}

async function waitForStatus(runId: string, status: string): Promise<void> {
  for (let waited = 0; waited < 20_000; waited += 20) {
    if ((await api.store.getRun('acme', runId))?.status === status) return;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error(`run ${runId} never reached ${status}`);
}

beforeAll(async () => {
  oauth = await startFakeOAuthServer({ accessTokenLifetimeSeconds: 0 });
  const model = scriptedModel(Array.from({ length: 20 }, () => turn));
  api = await createTestApi({
    agents: [defineAgent({ name: 'integrations', model, instructions: 'Use the tools.', tools: [echo, fail, orders] })],
    worker: true,
    masterKey: generateMasterKey(),
    oauth: { providers: [{ ...shopProvider(oauth.url), redirectUri: 'http://127.0.0.1:9/oauth/shop/callback' }] },
    logger: createLogger({ level: 'trace', destination: { write: (line: string) => logLines.push(line) } }),
    // Traces with contents captured (tool arguments and results): the most a span can carry.
    tracing: {
      captureContent: true,
      sink: {
        export: (records) => void spans.push(...records.map((record) => JSON.stringify(record))),
        flush: async () => undefined,
        shutdown: async () => undefined,
      },
    },
  });
});

afterAll(async () => {
  await api.close();
  await oauth.close();
});

it('keeps every secret out of logs, the journal, SSE events and HTTP answers, redacting what tools echo', { timeout: 60_000 }, async () => {
  await call('PUT', '/v1/credentials/tenant/shop-client-secret', { key: api.keys.admin, body: { value: oauth.clientSecret } });
  await call('PUT', '/v1/credentials/tenant/api', { key: api.keys.admin, body: { value: tenantSecret } });
  await call('PUT', '/v1/credentials/users/alice/api', { key: api.keys.app, body: { value: aliceSecret } });
  await connect('alice');
  const connectedTokens = storedTokens('alice');
  oauth.setAccessTokenLifetime(3600);

  // Alice: her own key, and her expired shop token refreshed before the call.
  const alice = await call('POST', '/v1/runs', { key: api.keys.app, body: { agent: 'integrations', input: 'sync', userId: 'alice' } });
  const aliceId = String(alice.body.id);
  await follow(aliceId);
  await waitForStatus(aliceId, 'completed');

  // Bob: the tenant's key, and no shop connection: the run waits, then resumes once he connects.
  const bob = await call('POST', '/v1/runs', { key: api.keys.app, body: { agent: 'integrations', input: 'sync', userId: 'bob' } });
  const bobId = String(bob.body.id);
  const bobStream = follow(bobId);
  await waitForStatus(bobId, 'waiting');
  expect((await call('GET', `/v1/runs/${bobId}`, { key: api.keys.app })).body).toMatchObject({ waitingReason: 'credential' });
  await connect('bob');
  await bobStream;
  await waitForStatus(bobId, 'completed');

  for (const path of [`/v1/runs/${aliceId}`, `/v1/runs/${bobId}`, '/v1/credentials/users/alice', '/v1/credentials/tenant', '/v1/audit?limit=500']) {
    await call('GET', path, { key: path.startsWith('/v1/runs') ? api.keys.app : api.keys.admin });
  }

  const secrets = [
    tenantSecret,
    aliceSecret,
    JSON.stringify(aliceSecret).slice(1, -1),
    oauth.clientSecret ?? '',
    ...connectedTokens,
    ...storedTokens('alice'),
    ...storedTokens('bob'),
    ...tokensSeen,
  ];
  expect(tokensSeen.size).toBe(2);
  expect(secrets.every((secret) => secret.length >= 8)).toBe(true);

  const db = new DatabaseSync(api.databasePath);
  const table = (name: string) =>
    db
      .prepare(`SELECT * FROM ${name}`)
      .all()
      .map((row) => JSON.stringify(row));
  const journalRows = table('journal');
  const places: Record<string, string[]> = {
    logs: logLines,
    journal: journalRows,
    runs: table('runs'),
    messages: table('session_messages'),
    audit: table('audit_log'),
    sse: sseTexts,
    http: httpTexts,
    traces: spans,
  };
  db.close();
  const hits = Object.entries(places).flatMap(([place, texts]) =>
    secrets.flatMap((secret) => (texts.some((text) => text.includes(secret)) ? [`${place}: ${secret.slice(0, 6)}…`] : [])),
  );
  expect(hits).toEqual([]);

  // The scenarios did exercise every path: echoed values were redacted, not absent.
  expect(journalRows.filter((row) => row.includes('[redacted:api]')).length).toBeGreaterThanOrEqual(2);
  expect(journalRows.some((row) => row.includes('[redacted:shop]'))).toBe(true);
  expect(journalRows.some((row) => row.includes('401 from upstream for key [redacted:api]'))).toBe(true);
  expect(logLines.some((line) => line.includes('calling upstream with [redacted:api]'))).toBe(true);
  expect(logLines.some((line) => line.includes('Bearer [redacted:api]'))).toBe(true);
  expect(logLines.some((line) => line.includes('boom [redacted:api]'))).toBe(true);
  expect(sseTexts.join('\n')).toContain('event: run-waiting');
  expect(sseTexts.join('\n')).toContain('[redacted:shop]');
  expect(oauth.refreshRequests).toBe(1);
  expect(spans.some((span) => span.includes('echo_key'))).toBe(true);
  expect(spans.some((span) => span.includes('[redacted:api]'))).toBe(true);
});
