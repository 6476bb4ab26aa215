import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defineAgent } from '../../src/sdk/define-agent.ts';
import { startServer, type RunningServer } from '../../src/server/start-server.ts';
import { scriptedModel } from '../../src/testing/scripted-model.ts';
import { createTestApi, type TestApi } from './api-fixture.ts';

/**
 * Every 4xx from a real listening server has the JSON error body, also where Node's HTTP parser
 * refuses the request before the app sees it (a 100 KB URL, a header that is not one, a broken
 * chunked body), for a method an endpoint does not have (405 with Allow), for percent-encoding
 * that is not UTF-8, and for paths that are no endpoint. The server keeps serving after each.
 */
let api: TestApi;
let server: RunningServer;

beforeAll(async () => {
  api = await createTestApi({ agents: [defineAgent({ name: 'greeter', model: scriptedModel([]), instructions: 'Greet.' })] });
  server = await startServer({ app: api.app, port: 0 });
});

afterAll(async () => {
  await server.close({ drainMs: 100 });
  await api.close();
});

interface Answer {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** Sends bytes as they are (no client normalises them) and reads the answer until the server closes. */
function sendRaw(text: string): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const socket = connect(server.port, '127.0.0.1', () => socket.write(text));
    let received = '';
    socket.on('data', (chunk: Buffer) => (received += chunk.toString('utf8')));
    socket.on('error', reject);
    socket.on('close', () => {
      const [head = '', ...rest] = received.split('\r\n\r\n');
      const [statusLine = '', ...lines] = head.split('\r\n');
      const headers = Object.fromEntries(lines.map((line) => [line.slice(0, line.indexOf(':')).toLowerCase(), line.slice(line.indexOf(':') + 1).trim()]));
      resolve({ status: Number(statusLine.split(' ')[1]), headers, body: rest.join('\r\n\r\n') });
    });
    socket.setTimeout(5_000, () => socket.destroy(new Error(`no answer to ${JSON.stringify(text.slice(0, 60))}`)));
  });
}

const request = (line: string, headers: string[] = [], body = '') =>
  sendRaw(`${line}\r\nHost: 127.0.0.1\r\nConnection: close\r\n${headers.map((header) => `${header}\r\n`).join('')}\r\n${body}`);

function expectJsonError(answer: Answer, status: number, code: string): Record<string, unknown> {
  expect(answer.status).toBe(status);
  expect(answer.headers['content-type']).toMatch(/^application\/json/);
  const parsed = JSON.parse(answer.body) as { error: { code: string; message: string } };
  expect(Object.keys(parsed)).toEqual(['error']);
  expect(parsed.error.code).toBe(code);
  expect(typeof parsed.error.message).toBe('string');
  return parsed.error;
}

async function expectHealthy(): Promise<void> {
  expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
}

describe("requests Node's parser refuses", () => {
  it('a 100 KB URL is 431 HEADERS_TOO_LARGE with the JSON body, through fetch and raw', async () => {
    const long = `/v1/runs?agent=${'a'.repeat(100 * 1024)}`;
    const fetched = await fetch(`${server.url}${long}`, { headers: { authorization: `Bearer ${api.keys.app}` } });
    expect(fetched.status).toBe(431);
    expect(await fetched.json()).toMatchObject({ error: { code: 'HEADERS_TOO_LARGE' } });
    expectJsonError(await request(`GET ${long} HTTP/1.1`), 431, 'HEADERS_TOO_LARGE');
    await expectHealthy();
  });

  it('a 20 KB header is 431 HEADERS_TOO_LARGE', async () => {
    expectJsonError(await request('GET /v1/runs HTTP/1.1', [`x-padding: ${'p'.repeat(20 * 1024)}`]), 431, 'HEADERS_TOO_LARGE');
    await expectHealthy();
  });

  it.each([
    ['bytes that are not HTTP', 'NOT HTTP AT ALL\r\n\r\n'],
    ['a header line without a colon', 'GET /healthz HTTP/1.1\r\nHost: x\r\nthis is no header\r\n\r\n'],
    ['a control character in a header value', 'GET /healthz HTTP/1.1\r\nHost: x\r\nx-keel-session-id: a\u0001b\r\n\r\n'],
    ['a space in the request target', 'GET /v1/runs /x HTTP/1.1\r\nHost: x\r\n\r\n'],
    ['both Content-Length and Transfer-Encoding', 'POST /v1/runs HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n'],
    [
      'a broken chunked body',
      `POST /v1/runs HTTP/1.1\r\nHost: x\r\nauthorization: Bearer KEY\r\ncontent-type: application/json\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n{}\r\n0\r\n\r\n`,
    ],
  ])('%s is 400 REQUEST_MALFORMED', async (_name, text) => {
    expectJsonError(await sendRaw(text.replace('KEY', api.keys.app)), 400, 'REQUEST_MALFORMED');
    await expectHealthy();
  });
});

describe('methods an endpoint does not have', () => {
  it.each([
    ['PATCH', '/v1/runs', 'GET, HEAD, POST'],
    ['DELETE', '/v1/runs', 'GET, HEAD, POST'],
    ['PUT', '/v1/runs/run_123', 'GET, HEAD'],
    ['GET', '/v1/runs/run_123/cancel', 'POST'],
    ['POST', '/v1/sessions/s1', 'DELETE, GET, HEAD'],
    ['POST', '/healthz', 'GET, HEAD'],
    ['DELETE', '/openapi.json', 'GET, HEAD'],
    // Without CORS configured there is no preflight to answer: OPTIONS is a method like any other.
    ['OPTIONS', '/v1/runs', 'GET, HEAD, POST'],
  ])('%s %s is 405 METHOD_NOT_ALLOWED with Allow: %s', async (method, path, allow) => {
    for (const key of [api.keys.app, undefined]) {
      const answer = await request(`${method} ${path} HTTP/1.1`, key === undefined ? [] : [`authorization: Bearer ${key}`]);
      const error = expectJsonError(answer, 405, 'METHOD_NOT_ALLOWED');
      expect(answer.headers.allow).toBe(allow);
      expect(error.details).toEqual({ allow: allow.split(', ') });
    }
  });
});

describe('URLs that are not well-formed, and paths that are no endpoint', () => {
  it.each([
    ['/v1/runs/%ZZ', 'path'],
    ['/v1/runs/%E0%A4%A', 'path'],
    ['/v1/runs/%ED%A0%80', 'path'],
    ['/v1/runs/abc%', 'path'],
    ['/v1/runs?userId=%ZZ', 'query'],
    ['/v1/runs?agent=%ED%A0%80', 'query'],
    ['/v1/runs?agent=%C0%AF', 'query'],
    ['/v1/runs?%FF=1', 'query'],
    ['/v1/runs?limit=5&cursor=%', 'query'],
  ])('%s is 400 REQUEST_MALFORMED in the %s', async (path, where) => {
    const answer = await request(`GET ${path} HTTP/1.1`, [`authorization: Bearer ${api.keys.app}`]);
    expect(expectJsonError(answer, 400, 'REQUEST_MALFORMED').details).toEqual({ in: where });
  });

  it('percent-encoded UTF-8 and reserved characters are fine', async () => {
    const answer = await request(`GET /v1/runs?agent=${encodeURIComponent('grüß/+?&=')} HTTP/1.1`, [`authorization: Bearer ${api.keys.app}`]);
    expect([answer.status, JSON.parse(answer.body)]).toEqual([200, { data: [], nextCursor: null }]);
  });

  it.each(['/v1/nothing', '/nothing', '/v1', '/v1/runs/', '/v1/runs/a/b/c', '/v1/../../etc/passwd'])('%s is 404 ROUTE_NOT_FOUND', async (path) => {
    expectJsonError(await request(`GET ${path} HTTP/1.1`, [`authorization: Bearer ${api.keys.app}`]), 404, 'ROUTE_NOT_FOUND');
  });
});
