import { DatabaseSync } from 'node:sqlite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defineAgent } from '../../src/sdk/define-agent.ts';
import { createApiKey } from '../../src/server/auth/api-keys.ts';
import { scriptedModel } from '../../src/testing/scripted-model.ts';
import { createTestApi, type TestApi } from './api-fixture.ts';

/**
 * Bad input of every kind, on every endpoint: each gets a stable 4xx code from the catalogue,
 * no internals, and leaves the store exactly as it was (every table of runs, journals,
 * sessions, messages and keys compared row for row before and after each request).
 */
let api: TestApi;
let revokedKey: string;
let ownRun: string;
let ownSession: string;
let foreignRun: string;
let foreignSession: string;

const domainTables = ['runs', 'journal', 'sessions', 'session_messages', 'api_keys'];

function snapshot(): string {
  const db = new DatabaseSync(api.databasePath, { readOnly: true });
  try {
    return JSON.stringify(domainTables.map((table) => db.prepare(`SELECT * FROM ${table} ORDER BY rowid`).all()));
  } finally {
    db.close();
  }
}

beforeAll(async () => {
  api = await createTestApi({ agents: [defineAgent({ name: 'greeter', model: scriptedModel([]), instructions: 'Greet.' })], maxBodyBytes: 64 * 1024 });
  const { key, record } = await createApiKey(api.store, { tenantId: 'acme', role: 'admin', name: 'revoked' });
  revokedKey = key;
  await api.store.revokeApiKey(record.id, { now: new Date() });
  const own = await api.runtime.startRun({ agent: 'greeter', input: 'hi', userId: 'ana', tenantId: 'acme' });
  const foreign = await api.runtime.startRun({ agent: 'greeter', input: 'hi', userId: 'ana', tenantId: 'globex' });
  [ownRun, ownSession, foreignRun, foreignSession] = [own.run.id, own.run.sessionId, foreign.run.id, foreign.run.sessionId];
});

afterAll(async () => {
  await api.close();
});

interface Case {
  name: string;
  method: string;
  path: () => string;
  key?: () => string | null;
  /** A function when the body needs ids only known once the fixtures exist. */
  body?: unknown;
  headers?: Record<string, string>;
  status: number;
  code: string;
}

const validRun = { agent: 'greeter', input: 'hi', userId: 'ana' };
const validChat = { model: 'greeter', messages: [{ role: 'user', content: 'hi' }] };
const huge = JSON.stringify({ ...validRun, input: 'x'.repeat(100 * 1024) });

/** Every endpoint that needs a key, with a request that would otherwise be valid. */
const endpoints: Array<{ method: string; path: () => string; body?: unknown }> = [
  { method: 'POST', path: () => '/v1/runs', body: validRun },
  { method: 'GET', path: () => '/v1/runs' },
  { method: 'GET', path: () => `/v1/runs/${ownRun}` },
  { method: 'POST', path: () => `/v1/runs/${ownRun}/cancel` },
  { method: 'GET', path: () => `/v1/runs/${ownRun}/events` },
  { method: 'GET', path: () => `/v1/sessions/${ownSession}` },
  { method: 'GET', path: () => `/v1/sessions/${ownSession}/messages` },
  { method: 'DELETE', path: () => `/v1/sessions/${ownSession}` },
  { method: 'POST', path: () => '/v1/chat/completions', body: validChat },
];

const cases: Case[] = [
  ...endpoints.flatMap((endpoint): Case[] => [
    { name: `${endpoint.method} ${endpoint.path.name}: no key`, ...endpoint, key: () => null, status: 401, code: 'UNAUTHENTICATED' },
    { name: 'malformed key', ...endpoint, key: () => 'not-a-key', status: 401, code: 'UNAUTHENTICATED' },
    { name: 'unknown key', ...endpoint, key: () => `keel_${'A'.repeat(43)}`, status: 401, code: 'UNAUTHENTICATED' },
    { name: 'revoked key', ...endpoint, key: () => revokedKey, status: 401, code: 'UNAUTHENTICATED' },
    { name: 'Basic auth', ...endpoint, key: () => null, headers: { authorization: 'Basic YWRtaW46YWRtaW4=' }, status: 401, code: 'UNAUTHENTICATED' },
  ]),
  // a role without the permission
  { name: 'viewer starts a run', method: 'POST', path: () => '/v1/runs', body: validRun, key: () => api.keys.viewer, status: 403, code: 'FORBIDDEN' },
  {
    name: 'reviewer starts a chat',
    method: 'POST',
    path: () => '/v1/chat/completions',
    body: validChat,
    key: () => api.keys.reviewer,
    status: 403,
    code: 'FORBIDDEN',
  },
  { name: 'viewer cancels', method: 'POST', path: () => `/v1/runs/${ownRun}/cancel`, key: () => api.keys.viewer, status: 403, code: 'FORBIDDEN' },
  {
    name: 'reviewer deletes a session',
    method: 'DELETE',
    path: () => `/v1/sessions/${ownSession}`,
    key: () => api.keys.reviewer,
    status: 403,
    code: 'FORBIDDEN',
  },
  // unknown ids and another tenant's ids
  { name: 'unknown run', method: 'GET', path: () => '/v1/runs/run_nope', status: 404, code: 'RUN_NOT_FOUND' },
  { name: "another tenant's run", method: 'GET', path: () => `/v1/runs/${foreignRun}`, status: 404, code: 'RUN_NOT_FOUND' },
  { name: "cancel another tenant's run", method: 'POST', path: () => `/v1/runs/${foreignRun}/cancel`, status: 404, code: 'RUN_NOT_FOUND' },
  { name: "another tenant's events", method: 'GET', path: () => `/v1/runs/${foreignRun}/events`, status: 404, code: 'RUN_NOT_FOUND' },
  { name: "another tenant's session", method: 'GET', path: () => `/v1/sessions/${foreignSession}`, status: 404, code: 'SESSION_NOT_FOUND' },
  { name: "another tenant's messages", method: 'GET', path: () => `/v1/sessions/${foreignSession}/messages`, status: 404, code: 'SESSION_NOT_FOUND' },
  { name: "delete another tenant's session", method: 'DELETE', path: () => `/v1/sessions/${foreignSession}`, status: 404, code: 'SESSION_NOT_FOUND' },
  { name: "another user's run", method: 'GET', path: () => `/v1/runs/${ownRun}?userId=ben`, status: 404, code: 'RUN_NOT_FOUND' },
  { name: "delete another user's session", method: 'DELETE', path: () => `/v1/sessions/${ownSession}?userId=ben`, status: 404, code: 'SESSION_NOT_FOUND' },
  {
    name: "run in another user's session",
    method: 'POST',
    path: () => '/v1/runs',
    body: () => ({ ...validRun, userId: 'ben', sessionId: ownSession }),
    status: 404,
    code: 'SESSION_NOT_FOUND',
  },
  { name: 'id too long', method: 'GET', path: () => `/v1/runs/${'r'.repeat(500)}`, status: 404, code: 'RUN_NOT_FOUND' },
  { name: 'unknown agent', method: 'POST', path: () => '/v1/runs', body: { ...validRun, agent: 'nobody' }, status: 404, code: 'AGENT_NOT_FOUND' },
  { name: 'unknown endpoint', method: 'GET', path: () => '/v1/nothing-here', status: 404, code: 'ROUTE_NOT_FOUND' },
  { name: 'wrong method', method: 'PATCH', path: () => '/v1/runs', status: 405, code: 'METHOD_NOT_ALLOWED' },
  // malformed bodies
  ...[
    ['/v1/runs', 'runs'],
    ['/v1/chat/completions', 'chat'],
  ].flatMap(([path = '', label]): Case[] => [
    { name: `${label}: malformed JSON`, method: 'POST', path: () => path, body: '{"agent": "greeter",', status: 400, code: 'INPUT_INVALID' },
    {
      name: `${label}: empty body`,
      method: 'POST',
      path: () => path,
      body: '',
      headers: { 'content-type': 'application/json' },
      status: 400,
      code: 'INPUT_INVALID',
    },
    { name: `${label}: JSON that is not an object`, method: 'POST', path: () => path, body: '[1,2,3]', status: 400, code: 'INPUT_INVALID' },
    {
      name: `${label}: not JSON at all`,
      method: 'POST',
      path: () => path,
      body: 'agent=greeter',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      status: 415,
      code: 'UNSUPPORTED_MEDIA_TYPE',
    },
    { name: `${label}: huge body`, method: 'POST', path: () => path, body: huge, status: 413, code: 'BODY_TOO_LARGE' },
  ]),
  // wrong types and values
  { name: 'input is a number', method: 'POST', path: () => '/v1/runs', body: { ...validRun, input: 42 }, status: 400, code: 'INPUT_INVALID' },
  { name: 'userId missing', method: 'POST', path: () => '/v1/runs', body: { agent: 'greeter', input: 'hi' }, status: 400, code: 'INPUT_INVALID' },
  { name: 'empty input', method: 'POST', path: () => '/v1/runs', body: { ...validRun, input: '' }, status: 400, code: 'INPUT_INVALID' },
  { name: 'whitespace input', method: 'POST', path: () => '/v1/runs', body: { ...validRun, input: '   ' }, status: 400, code: 'INPUT_INVALID' },
  { name: 'unknown field', method: 'POST', path: () => '/v1/runs', body: { ...validRun, userid: 'x' }, status: 400, code: 'INPUT_INVALID' },
  { name: 'metadata is a string', method: 'POST', path: () => '/v1/runs', body: { ...validRun, metadata: 'x' }, status: 400, code: 'INPUT_INVALID' },
  {
    name: 'metadata too large',
    method: 'POST',
    path: () => '/v1/runs',
    body: { ...validRun, metadata: { blob: 'x'.repeat(20_000) } },
    status: 400,
    code: 'INPUT_INVALID',
  },
  {
    name: 'idempotencyKey is an object',
    method: 'POST',
    path: () => '/v1/runs',
    body: { ...validRun, idempotencyKey: {} },
    status: 400,
    code: 'INPUT_INVALID',
  },
  {
    name: 'control characters in userId',
    method: 'POST',
    path: () => '/v1/runs',
    body: { ...validRun, userId: 'a\u0000b' },
    status: 400,
    code: 'INPUT_INVALID',
  },
  {
    name: 'chat without messages',
    method: 'POST',
    path: () => '/v1/chat/completions',
    body: { model: 'greeter', messages: [] },
    status: 400,
    code: 'INPUT_INVALID',
  },
  {
    name: 'chat ending with assistant',
    method: 'POST',
    path: () => '/v1/chat/completions',
    body: { model: 'greeter', messages: [{ role: 'assistant', content: 'hi' }] },
    status: 400,
    code: 'INPUT_INVALID',
  },
  {
    name: 'chat with a bad role',
    method: 'POST',
    path: () => '/v1/chat/completions',
    body: { model: 'greeter', messages: [{ role: 'wizard', content: 'hi' }] },
    status: 400,
    code: 'INPUT_INVALID',
  },
  {
    name: 'chat with tools',
    method: 'POST',
    path: () => '/v1/chat/completions',
    body: { ...validChat, tools: [{ type: 'function' }] },
    status: 400,
    code: 'INPUT_INVALID',
  },
  { name: 'chat with n=3', method: 'POST', path: () => '/v1/chat/completions', body: { ...validChat, n: 3 }, status: 400, code: 'INPUT_INVALID' },
  {
    name: 'chat stream is a string',
    method: 'POST',
    path: () => '/v1/chat/completions',
    body: { ...validChat, stream: 'yes' },
    status: 400,
    code: 'INPUT_INVALID',
  },
  {
    name: 'chat with an unknown model',
    method: 'POST',
    path: () => '/v1/chat/completions',
    body: { ...validChat, model: 'gpt-4o' },
    status: 404,
    code: 'AGENT_NOT_FOUND',
  },
  {
    name: 'chat with a bad session header',
    method: 'POST',
    path: () => '/v1/chat/completions',
    body: validChat,
    headers: { 'x-keel-session-id': 'a\u0001' },
    status: 400,
    code: 'INPUT_INVALID',
  },
  // bad queries and headers
  { name: 'limit is not a number', method: 'GET', path: () => '/v1/runs?limit=ten', status: 400, code: 'INPUT_INVALID' },
  { name: 'limit too large', method: 'GET', path: () => '/v1/runs?limit=100000', status: 400, code: 'INPUT_INVALID' },
  { name: 'unknown status', method: 'GET', path: () => '/v1/runs?status=sleeping', status: 400, code: 'INPUT_INVALID' },
  { name: 'forged cursor', method: 'GET', path: () => '/v1/runs?cursor=bm9wZQ', status: 400, code: 'INPUT_INVALID' },
  {
    name: 'Last-Event-ID not a number',
    method: 'GET',
    path: () => `/v1/runs/${ownRun}/events`,
    headers: { 'last-event-id': 'abc' },
    status: 400,
    code: 'INPUT_INVALID',
  },
  { name: 'after is negative', method: 'GET', path: () => `/v1/runs/${ownRun}/events?after=-1`, status: 400, code: 'INPUT_INVALID' },
];

describe('bad input on every endpoint', () => {
  it.each(cases.map((entry, index) => [`${index + 1}. ${entry.method} ${entry.name}`, entry] as const))('%s', async (_name, entry) => {
    const before = snapshot();
    const key = entry.key === undefined ? api.keys.app : entry.key();
    const body = typeof entry.body === 'function' ? (entry.body as () => unknown)() : entry.body;
    const response = await api.request(entry.method, entry.path(), {
      key,
      ...(body === undefined ? {} : { body }),
      ...(entry.headers === undefined ? {} : { headers: entry.headers }),
    });
    const text = await response.text();
    const answer = JSON.parse(text) as { error: Record<string, unknown> };
    expect({ status: response.status, code: answer.error.code }).toEqual({ status: entry.status, code: entry.code });
    expect(Object.keys(answer)).toEqual(['error']);
    expect(Object.keys(answer.error).every((field) => ['code', 'message', 'details'].includes(field))).toBe(true);
    expect(typeof answer.error.message).toBe('string');
    expect(text).not.toMatch(/\bat .+:\d+:\d+|node_modules|SQLITE|TypeError|ReferenceError/);
    expect(snapshot()).toBe(before);
  });

  it('reports where each problem is for wrong types', async () => {
    const { status, body } = await api.json<{ error: { details: { in: string; issues: Array<{ path: string }> } } }>('POST', '/v1/runs', {
      body: { agent: 7, input: 'hi', userId: ['x'] },
    });
    expect(status).toBe(400);
    expect(body.error.details.in).toBe('body');
    expect(body.error.details.issues.map((issue) => issue.path).sort()).toEqual(['agent', 'userId']);
  });
});
