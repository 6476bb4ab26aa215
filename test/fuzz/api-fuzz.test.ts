import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { errorCatalogue, type ErrorCode } from '../../src/errors/index.ts';
import { createApiKey } from '../../src/server/auth/api-keys.ts';
import { createApp } from '../../src/server/app.ts';
import { startServer, type RunningServer } from '../../src/server/start-server.ts';
import { defineAgent } from '../../src/sdk/define-agent.ts';
import { defineTool } from '../../src/sdk/define-tool.ts';
import { setBudget } from '../../src/cost/budgets.ts';
import { scriptedModel } from '../../src/testing/scripted-model.ts';
import { createTestRuntime, type TestRuntime } from '../../src/testing/test-runtime.ts';
import { z } from 'zod';
import { badInAnyText, deeplyNestedJson, hostileStrings, percentEncode, rawBytes, seededRandom, wrongTypes, type HostileValue } from './hostile-values.ts';
import {
  allowedTypes,
  bodyFields,
  operationsOf,
  withValue,
  kindOf,
  type FieldKind,
  type JsonSchema,
  type Operation,
  type Parameter,
} from './openapi-operations.ts';
import { sendRaw, type RawRequest, type RawResponse } from './raw-http.ts';
import { openStoreSnapshot } from './store-snapshot.ts';

/**
 * Every endpoint of the API, as its own /openapi.json lists them, gets hostile values in every
 * place a request carries one — each path parameter, query parameter, declared header, the
 * Authorization, Content-Type and x-request-id headers, and every field of a JSON body, nested
 * ones included — one place at a time, with the rest of the request valid: lone surrogates
 * (high, low, reversed; a JSON escape such as "\ud800" reaches the server as one, and in URLs
 * and headers they go as the bytes a broken client would send, which are not UTF-8),
 * noncharacters, control characters, bidi overrides, terminal escape sequences, invisible
 * characters, U+FFFD, path traversal, blank values, oversized values (1 MiB in bodies, 100 KB
 * in URLs and headers), wrong JSON types, 10,000-deep nesting, bodies that are not JSON or not
 * UTF-8, and another tenant's ids. Over a real listening server, so Node's HTTP parser sees each.
 *
 * Each answer must be a 4xx with the JSON error body and a catalogued code of that status, and
 * the store — every row of every table, read from the SQLite file — must be exactly as before.
 * Free text (a run's input, a message) accepts any well-formed Unicode, so there only lone
 * surrogates, size and types are hostile. A few values are harmless rather than refused, and
 * must then change nothing and leak nothing: another tenant's id as a read's filter (an empty
 * page), an x-request-id (replaced by one of the server's own), an empty Last-Event-ID (no
 * resume point), any Authorization on a public endpoint. Afterwards the server is healthy and a
 * normal run completes. The values are drawn from a seed (KEEL_FUZZ_SEED replays another).
 */
const seed = Number(process.env.KEEL_FUZZ_SEED ?? 20_260_301);
const foreignMarker = 'FOREIGN-TENANT-SECRET-5b1e';

let test: TestRuntime;
let server: RunningServer;
let keys: { admin: string; foreign: string };
let own: { run: string; session: string };
let foreign: { run: string; session: string; cursor: string };
let operations: Operation[];
let loud: string[];

const lookup = defineTool({
  name: 'lookup_order',
  description: 'Look an order up',
  input: z.object({ orderId: z.string() }),
  effect: 'read',
  execute: ({ orderId }) => ({ orderId, status: 'shipped' }),
});

beforeAll(async () => {
  loud = [];
  test = await createTestRuntime({
    agents: [defineAgent({ name: 'greeter', model: scriptedModel([{ text: 'Hello!' }, { text: 'Hello again!' }]), instructions: 'Greet.', tools: [lookup] })],
  });
  // Anything the server logs at warn or above during the fuzz is a finding (a 500 logs an error).
  const logger = pino({ level: 'warn' }, { write: (line: string) => void loud.push(line) });
  const app = createApp({ runtime: test.runtime, logger, loadShedding: false });
  server = await startServer({ app, port: 0 });
  keys = {
    admin: (await createApiKey(test.store, { tenantId: 'acme', role: 'admin', name: 'fuzz' })).key,
    foreign: (await createApiKey(test.store, { tenantId: 'globex', role: 'admin', name: 'other' })).key,
  };
  const ownRun = await test.runtime.run({ agent: 'greeter', input: 'hi', userId: 'ana', tenantId: 'acme' });
  const { run: foreignRun } = await test.runtime.startRun({ agent: 'greeter', input: foreignMarker, userId: 'ana', tenantId: 'globex' });
  await test.runtime.startRun({ agent: 'greeter', input: `${foreignMarker} 2`, userId: 'ana', tenantId: 'globex' });
  await setBudget(test.store, { tenantId: 'acme', scope: 'user', scopeId: 'ana', limitUsd: 5, period: 'day' });
  await setBudget(test.store, { tenantId: 'globex', scope: 'user', scopeId: 'ben', limitUsd: 5, period: 'day' });
  const page = (await (await fetch(`${server.url}/v1/runs?limit=1`, { headers: { authorization: `Bearer ${keys.foreign}` } })).json()) as {
    nextCursor: string;
  };
  own = { run: ownRun.id, session: ownRun.sessionId };
  foreign = { run: foreignRun.id, session: foreignRun.sessionId, cursor: page.nextCursor };
  operations = operationsOf((await (await fetch(`${server.url}/openapi.json`)).json()) as never);
});

afterAll(async () => {
  await server.close({ drainMs: 100 });
  await test.close();
});

// ---------------------------------------------------------------------------------------------
// Valid requests, so that one hostile value at a time is the only thing wrong.

/** A valid value for a path parameter, by where it is. */
function validPathValue(path: string, name: string): string {
  if (name === 'scope') return 'user';
  if (path.startsWith('/v1/budgets/')) return 'ana';
  if (path.startsWith('/v1/runs/')) return own.run;
  if (path.startsWith('/v1/sessions/')) return own.session;
  if (path.startsWith('/v1/models/')) return 'greeter';
  return 'x';
}

/**
 * Another tenant's object at this path, as its path values: it must be not found, exactly like an
 * unknown one. (A user budget is the caller's own tenant's by construction; a tenant budget names
 * its tenant.)
 */
function foreignPathValues(path: string): Record<string, string> | undefined {
  if (path.startsWith('/v1/budgets/{scope}')) return { scope: 'tenant', id: 'globex' };
  if (path.startsWith('/v1/runs/{id}')) return { id: foreign.run };
  if (path.startsWith('/v1/sessions/{id}')) return { id: foreign.session };
  return undefined;
}

/** Another tenant's value for a read's filter: it must find nothing of theirs. */
function foreignQueryValue(name: string): string | undefined {
  return { sessionId: foreign.session, cursor: foreign.cursor, userId: 'ben' }[name];
}

const bodyHints: Record<string, unknown> = {
  agent: 'greeter',
  model: 'greeter',
  input: 'hi',
  userId: 'ana',
  user: 'ana',
  messages: [{ role: 'user', content: 'hi' }],
  limitUsd: 1,
  period: 'day',
};

/** A valid body from the schema: its required fields, with the hints above or the simplest fitting value. */
function validBody(schema: JsonSchema): unknown {
  const properties = (schema.properties ?? {}) as Record<string, JsonSchema>;
  const required = (schema.required ?? []) as string[];
  return Object.fromEntries(required.map((name) => [name, bodyHints[name] ?? simplest(properties[name] ?? {})]));
}

function simplest(schema: JsonSchema): unknown {
  if (Array.isArray(schema.enum)) return schema.enum[0];
  if (schema.const !== undefined) return schema.const;
  const types = allowedTypes(schema);
  if (types.has('string')) return 'x';
  if (types.has('number')) return typeof schema.minimum === 'number' ? schema.minimum : 1;
  if (types.has('boolean')) return false;
  if (types.has('array')) return [simplest((schema.items ?? {}) as JsonSchema)];
  if (types.has('object')) return validBody(schema);
  return 'x';
}

// ---------------------------------------------------------------------------------------------
// Cases: one hostile value in one place.

type Expectation = 'refused' | 'harmless';

interface Case {
  label: string;
  request: RawRequest;
  expect: Expectation;
}

function target(operation: Operation, pathValues: Record<string, string>, query: Array<[string, string]> = [], rawPath = false): string {
  const path = operation.path.replace(/\{([^}]+)\}/g, (_match, name: string) => {
    const value = pathValues[name] ?? validPathValue(operation.path, name);
    return rawPath ? value : percentEncode(value);
  });
  return query.length === 0 ? path : `${path}?${query.map(([name, value]) => `${percentEncode(name)}=${percentEncode(value)}`).join('&')}`;
}

function baseRequest(operation: Operation): RawRequest {
  const headers: Array<[string, string | Buffer]> = operation.isPublic ? [] : [['authorization', `Bearer ${keys.admin}`]];
  if (operation.body === undefined) return { method: operation.method, target: target(operation, {}), headers };
  return {
    method: operation.method,
    target: target(operation, {}),
    headers: [...headers, ['content-type', 'application/json']],
    body: Buffer.from(JSON.stringify(validBody(operation.body))),
  };
}

const safe = (operation: Operation) => operation.method === 'GET';

function casesOf(operation: Operation, random: () => number): Case[] {
  const cases: Case[] = [];
  const base = baseRequest(operation);
  const name = `${operation.method} ${operation.path}`;
  const strings = (length: number) => hostileStrings(random, { oversizeLength: length });
  const forKind = (kind: FieldKind, values: HostileValue[]) =>
    kind === 'text' || kind === 'any' ? values.filter((value) => badInAnyText.has(value.kind)) : values;

  // Path parameters: every hostile string, percent-encoded as a client would (lone surrogates as their non-UTF-8 bytes), another tenant's id, and traversal left unencoded.
  for (const parameter of operation.parameters.filter((candidate) => candidate.in === 'path')) {
    for (const hostile of strings(100_000)) {
      cases.push({
        label: `${name} path ${parameter.name} ${hostile.kind}`,
        request: { ...base, target: target(operation, { [parameter.name]: hostile.value }) },
        expect: 'refused',
      });
    }
    cases.push({
      label: `${name} path ${parameter.name} raw traversal`,
      request: { ...base, target: target(operation, { [parameter.name]: '../../../etc/passwd' }, [], true) },
      expect: 'refused',
    });
  }

  const foreignValues = foreignPathValues(operation.path);
  if (foreignValues !== undefined)
    cases.push({ label: `${name} path another tenant's`, request: { ...base, target: target(operation, foreignValues) }, expect: 'refused' });

  // Query parameters: one at a time, the others absent.
  for (const parameter of operation.parameters.filter((candidate) => candidate.in === 'query')) {
    for (const hostile of forKind(kindOf(parameter.schema), strings(100_000))) {
      cases.push({
        label: `${name} query ${parameter.name} ${hostile.kind}`,
        request: { ...base, target: target(operation, {}, [[parameter.name, hostile.value]]) },
        expect: 'refused',
      });
    }
    const foreignValue = foreignQueryValue(parameter.name);
    if (foreignValue !== undefined) {
      cases.push({
        label: `${name} query ${parameter.name} another tenant's`,
        request: { ...base, target: target(operation, {}, [[parameter.name, foreignValue]]) },
        expect: safe(operation) ? 'harmless' : 'refused',
      });
    }
  }

  // Headers: the ones the endpoint declares, and Authorization, Content-Type, x-request-id. Sent as raw bytes.
  const headerSites: Array<{ header: string; expect: (value: HostileValue) => Expectation | undefined }> = [
    ...operation.parameters
      .filter((candidate) => candidate.in === 'header')
      .map((parameter: Parameter) => ({
        header: parameter.name,
        // HTTP trims header values, and an empty optional header is no value at all.
        expect: (value: HostileValue) =>
          value.kind === 'blank' && value.value.trim() === '' && !parameter.required ? (safe(operation) ? 'harmless' : undefined) : 'refused',
      })),
    { header: 'authorization', expect: () => (operation.isPublic ? 'harmless' : 'refused') },
    ...(operation.body === undefined ? [] : [{ header: 'content-type', expect: () => 'refused' as const }]),
    // Any x-request-id is harmless, but only a safe request can show it: elsewhere the valid rest would act.
    ...(safe(operation) ? [{ header: 'x-request-id', expect: () => 'harmless' as const }] : []),
  ];
  for (const site of headerSites) {
    for (const hostile of strings(100_000)) {
      const expectation = site.expect(hostile);
      if (expectation === undefined) continue;
      // HTTP trims spaces and tabs around a header value: a control character is put inside, where it stays.
      const inner = hostile.kind === 'control' ? `h${hostile.value}h` : hostile.value;
      const value = site.header === 'authorization' ? `Bearer ${inner}` : inner;
      const headers = base.headers.filter(([header]) => header !== site.header);
      cases.push({
        label: `${name} header ${site.header} ${hostile.kind}`,
        request: { ...base, headers: [...headers, [site.header, rawBytes(value)]] },
        expect: expectation,
      });
    }
  }

  // Body fields, nested ones included, and bodies that are wrong as a whole.
  if (operation.body !== undefined) {
    const valid = validBody(operation.body);
    const withBody = (body: Buffer) => ({ ...base, body });
    for (const field of bodyFields(operation.body)) {
      const at = field.pointer.join('.');
      const set = (value: unknown) => withBody(Buffer.from(JSON.stringify(withValue(valid, field.pointer, value))));
      // A raw JSON text in the field's place (for nesting too deep to build as a value).
      const setRaw = (json: string) =>
        withBody(Buffer.from(JSON.stringify(withValue(valid, field.pointer, placeholder)).replace(JSON.stringify(placeholder), json)));
      const types = allowedTypes(field.schema);
      if (types.has('string') || field.kind === 'identifier' || field.kind === 'enum') {
        for (const hostile of forKind(field.kind, strings(1024 * 1024 + 1)))
          cases.push({ label: `${name} body ${at} ${hostile.kind}`, request: set(hostile.value), expect: 'refused' });
        // The string as bytes that are not UTF-8 (a lone surrogate's, unescaped): even free text must refuse them.
        const [before = '', after = ''] = JSON.stringify(withValue(valid, field.pointer, placeholder)).split(JSON.stringify(placeholder));
        const bytes = Buffer.concat([Buffer.from(`${before}"hi `), Buffer.from([0xed, 0xa0, 0x80]), Buffer.from(`"${after}`)]);
        cases.push({ label: `${name} body ${at} not UTF-8`, request: withBody(bytes), expect: 'refused' });
      }
      if (!types.has('any')) {
        for (const value of wrongTypes(undefined).filter((candidate) => !types.has(jsonType(candidate)))) {
          cases.push({ label: `${name} body ${at} wrong type ${jsonType(value)}`, request: set(value), expect: 'refused' });
        }
      }
      cases.push({ label: `${name} body ${at} 10,000-deep nesting`, request: setRaw(deeplyNestedJson(10_000, 'array')), expect: 'refused' });
      if (field.kind === 'record') {
        for (const [label, value] of [
          ['a lone surrogate key', { '\ud800': 1 }],
          ['a lone surrogate value', { note: '\udfff' }],
          ['a control character key', { 'a\u0000b': 1 }],
          ['a traversal key', { '..': 1 }],
        ] as const) {
          cases.push({ label: `${name} body ${at} ${label}`, request: set(value), expect: 'refused' });
        }
      }
    }
    const whole: Array<[string, Buffer]> = [
      ['10,000-deep array', Buffer.from(deeplyNestedJson(10_000, 'array'))],
      ['10,000-deep object', Buffer.from(deeplyNestedJson(10_000, 'object'))],
      ['not JSON', Buffer.from('{"agent": ')],
      ['empty', Buffer.alloc(0)],
      ['null', Buffer.from('null')],
      ['an array', Buffer.from('[]')],
      ['a string', Buffer.from('"hi"')],
      ['over 1 MiB', Buffer.from(JSON.stringify({ ...(valid as object), padding: 'x'.repeat(1024 * 1024) }))],
      ['a lone surrogate key', Buffer.from(JSON.stringify({ ...(valid as object), '\ud800': 1 }))],
    ];
    for (const [label, body] of whole) cases.push({ label: `${name} body ${label}`, request: withBody(body), expect: 'refused' });
  }
  return cases;
}

const placeholder = '__fuzz_raw_json__';

function jsonType(value: unknown): string {
  return value === null ? 'null' : Array.isArray(value) ? 'array' : typeof value;
}

// ---------------------------------------------------------------------------------------------

interface Finding {
  label: string;
  problem: string;
}

function check(entry: Case, response: RawResponse, changed: boolean): string | undefined {
  if (response.status >= 500) return `answered ${response.status}: ${response.body.slice(0, 200)}`;
  if (!/^[\w.:-]{1,64}$/.test(response.headers['x-request-id'] ?? 'req_from_the_parser'))
    return `echoed x-request-id ${JSON.stringify(response.headers['x-request-id'])}`;
  if (response.body.includes(foreignMarker)) return "answered with another tenant's data";
  if (/\bat .+:\d+:\d+|node_modules|SQLITE_|TypeError|RangeError|SyntaxError/.test(response.body)) return `leaked internals: ${response.body.slice(0, 200)}`;
  if (response.status >= 400) {
    let parsed: { error?: { code?: string; message?: unknown } } | undefined;
    try {
      parsed = JSON.parse(response.body) as typeof parsed;
    } catch {
      return `a ${response.status} without a JSON body: ${JSON.stringify(response.body.slice(0, 100))}`;
    }
    const code = parsed?.error?.code;
    if (code === undefined || !(code in errorCatalogue)) return `an error code not in the catalogue: ${String(code)}`;
    if (errorCatalogue[code as ErrorCode].status !== response.status)
      return `${code} answered with ${response.status}, not ${errorCatalogue[code as ErrorCode].status}`;
    if (typeof parsed?.error?.message !== 'string') return 'an error without a message';
  }
  if (entry.expect === 'refused' && (response.status < 400 || response.status >= 500)) return `accepted (${response.status}): ${response.body.slice(0, 200)}`;
  if (changed) return `changed the store (answered ${response.status}: ${response.body.slice(0, 120)})`;
  return undefined;
}

describe('fuzzing every endpoint of the API', () => {
  it('finds the endpoints in /openapi.json, each with cases', () => {
    const listed = operations.map((operation) => `${operation.method} ${operation.path}`);
    // The endpoints this test was written against; more are welcome and are fuzzed the same way.
    expect(listed).toEqual(
      expect.arrayContaining([
        'POST /v1/runs',
        'GET /v1/runs',
        'GET /v1/runs/{id}',
        'POST /v1/runs/{id}/cancel',
        'GET /v1/runs/{id}/events',
        'GET /v1/sessions/{id}',
        'GET /v1/sessions/{id}/messages',
        'DELETE /v1/sessions/{id}',
        'POST /v1/chat/completions',
        'GET /v1/models',
        'GET /v1/models/{model}',
        'GET /v1/usage',
        'GET /v1/budgets',
        'GET /v1/budgets/{scope}/{id}',
        'PUT /v1/budgets/{scope}/{id}',
        'DELETE /v1/budgets/{scope}/{id}',
        'GET /healthz',
        'GET /readyz',
        'GET /openapi.json',
      ]),
    );
    const random = seededRandom(seed);
    for (const operation of operations) expect(casesOf(operation, random).length, `${operation.method} ${operation.path}`).toBeGreaterThan(0);
  });

  it('answers every hostile request with a 4xx JSON error (or harmlessly), and changes nothing', { timeout: 120_000 }, async () => {
    const random = seededRandom(seed);
    const snapshot = openStoreSnapshot(test.databasePath);
    const findings: Finding[] = [];
    let sent = 0;
    try {
      for (const operation of operations) {
        for (const entry of casesOf(operation, random)) {
          const before = snapshot.take();
          sent += 1;
          // A request that was wrongly accepted may wait for its run (no worker here): a finding, not a hang.
          const response = await sendRaw(server.port, entry.request, 5_000).catch((error: unknown) => error as Error);
          if (response instanceof Error) {
            findings.push({ label: entry.label, problem: `${response.message}${snapshot.take() !== before ? ' (and changed the store)' : ''}` });
            continue;
          }
          const problem = check(entry, response, snapshot.take() !== before);
          if (problem !== undefined) findings.push({ label: entry.label, problem });
        }
      }
    } finally {
      snapshot.close();
    }
    expect(findings, `seed ${seed}: ${findings.length} of ${sent} requests`).toEqual([]);
    expect(loud, 'warnings or errors logged').toEqual([]);
    expect(sent).toBeGreaterThan(1_000);
  });

  it('leaves the server healthy: /healthz answers and a normal run completes', async () => {
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
    const started = await fetch(`${server.url}/v1/runs`, {
      method: 'POST',
      headers: { authorization: `Bearer ${keys.admin}`, 'content-type': 'application/json' },
      // cleo has no budget: the scripted model has no price.
      body: JSON.stringify({ agent: 'greeter', input: 'hello', userId: 'cleo' }),
    });
    expect(started.status).toBe(202);
    const { id } = (await started.json()) as { id: string };
    const run = await test.runtime.executeRun(id, { tenantId: 'acme' });
    expect([run.status, run.output, run.error]).toEqual(['completed', 'Hello again!', null]);
  });
});
