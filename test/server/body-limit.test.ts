import { request as httpRequest } from 'node:http';
import { connect, createServer as createHttp2Server, type Http2Server } from 'node:http2';
import type { AddressInfo } from 'node:net';
import { inspect } from 'node:util';
import { serve } from '@hono/node-server';
import type { Context } from 'hono';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defineAgent } from '../../src/sdk/define-agent.ts';
import { requestText } from '../../src/server/request-text.ts';
import { startServer, type RunningServer } from '../../src/server/start-server.ts';
import { scriptedModel } from '../../src/testing/scripted-model.ts';
import { createTestApi, type TestApi } from './api-fixture.ts';

/**
 * The body limit on a real listening server, where Node's parser has read the headers: a body
 * announced larger than the limit is refused before it is read, a chunked one once it has grown
 * past it, and bodies within the limit arrive whole either way; over HTTP/2, where a body need not
 * announce its length, the bytes are counted. A refused body creates nothing. Over HTTP/1 no
 * request is turned into a WHATWG `Request` on the way (the body is read from the Node request).
 */
const maxBodyBytes = 2_048;
let api: TestApi;
let server: RunningServer;

beforeAll(async () => {
  api = await createTestApi({ agents: [defineAgent({ name: 'greeter', model: scriptedModel([]), instructions: 'Greet.' })], maxBodyBytes });
  // A probe behind every /v1 middleware: did anything before it build the full Request?
  const probe = async (c: Context) => {
    const body = c.req.method === 'POST' ? await requestText(c) : undefined;
    return c.json({ body, wholeRequestBuilt: !inspect(c.req.raw).includes('nativeRequest: undefined') });
  };
  api.app.get('/v1/probe', probe);
  api.app.post('/v1/probe', probe);
  server = await startServer({ app: api.app, port: 0 });
});

afterAll(async () => {
  await server.close({ drainMs: 100 });
  await api.close();
});

interface Answer {
  status: number;
  body: Record<string, unknown>;
}

/** POSTs `/v1/runs`, with a Content-Length or chunked (the body written in `pieces`). */
function postRun(body: string, framing: { chunked: false } | { chunked: true; pieces: number }): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string | number> = { authorization: `Bearer ${api.keys.app}`, 'content-type': 'application/json' };
    if (!framing.chunked) headers['content-length'] = Buffer.byteLength(body);
    const sent = httpRequest(`${server.url}/v1/runs`, { method: 'POST', headers, agent: false }, (response) => {
      let text = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (text += chunk));
      response.on('end', () => {
        try {
          resolve({ status: response.statusCode ?? 0, body: JSON.parse(text) as Record<string, unknown> });
        } catch (error) {
          reject(new Error(`the answer is not JSON: ${text.slice(0, 200)}`, { cause: error }));
        }
      });
      response.on('error', reject);
    });
    // A server that answers before taking the whole body may close the connection under the rest.
    sent.on('error', (error: NodeJS.ErrnoException) => (error.code === 'EPIPE' || error.code === 'ECONNRESET' ? undefined : reject(error)));
    if (!framing.chunked) {
      sent.end(body);
      return;
    }
    const size = Math.ceil(body.length / framing.pieces);
    for (let start = 0; start < body.length; start += size) sent.write(body.slice(start, start + size));
    sent.end();
  });
}

const runBody = (inputLength: number) => JSON.stringify({ agent: 'greeter', input: 'x'.repeat(inputLength), userId: 'u1' });

async function runCount(): Promise<number> {
  const listed = await api.request('GET', '/v1/runs');
  return ((await listed.json()) as { data: unknown[] }).data.length;
}

describe('the request body limit over HTTP', () => {
  it('refuses a Content-Length above the limit with 413 BODY_TOO_LARGE, creating nothing', async () => {
    const before = await runCount();
    const answer = await postRun(runBody(maxBodyBytes), { chunked: false });
    expect(answer.status).toBe(413);
    expect(answer.body).toMatchObject({ error: { code: 'BODY_TOO_LARGE' } });
    expect(await runCount()).toBe(before);
  });

  it('refuses a chunked body once it grows past the limit, creating nothing', async () => {
    const before = await runCount();
    const answer = await postRun(runBody(maxBodyBytes), { chunked: true, pieces: 8 });
    expect(answer.status).toBe(413);
    expect(answer.body).toMatchObject({ error: { code: 'BODY_TOO_LARGE' } });
    expect(await runCount()).toBe(before);
  });

  it('takes bodies within the limit whole, with a Content-Length or chunked', async () => {
    const input = 'x'.repeat(maxBodyBytes - 200);
    for (const framing of [{ chunked: false }, { chunked: true, pieces: 5 }] as const) {
      const answer = await postRun(JSON.stringify({ agent: 'greeter', input, userId: 'u1' }), framing);
      expect(answer.status).toBe(202);
      const run = await api.request('GET', `/v1/runs/${String(answer.body.id)}`);
      expect(((await run.json()) as { input: string }).input).toBe(input);
    }
  });

  it('builds no WHATWG Request for a GET, nor for a POST whose body the route reads', async () => {
    const headers = { authorization: `Bearer ${api.keys.app}` };
    const got = await fetch(`${server.url}/v1/probe`, { headers });
    expect(await got.json()).toEqual({ wholeRequestBuilt: false });
    const posted = await fetch(`${server.url}/v1/probe`, { method: 'POST', headers: { ...headers, 'content-type': 'application/json' }, body: '{"a":1}' });
    expect(await posted.json()).toEqual({ body: '{"a":1}', wholeRequestBuilt: false });
  });

  it('a body exactly at the limit is taken', async () => {
    const body = runBody(0);
    const padded = runBody(maxBodyBytes - body.length);
    expect(Buffer.byteLength(padded)).toBe(maxBodyBytes);
    expect((await postRun(padded, { chunked: false })).status).toBe(202);
  });
});

describe('the request body limit over HTTP/2', () => {
  let http2: Http2Server;
  let origin: string;

  beforeAll(async () => {
    http2 = await new Promise<Http2Server>((resolve) => {
      const created = serve({ fetch: api.app.fetch, port: 0, hostname: '127.0.0.1', createServer: createHttp2Server }, () => resolve(created as Http2Server));
    });
    origin = `http://127.0.0.1:${(http2.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    await new Promise((resolve) => http2.close(resolve));
  });

  /** POSTs `/v1/runs` over HTTP/2 without a Content-Length, the body in four DATA frames. */
  function postRunHttp2(body: string): Promise<Answer> {
    return new Promise((resolve, reject) => {
      const session = connect(origin);
      session.on('error', reject);
      const stream = session.request({ ':method': 'POST', ':path': '/v1/runs', authorization: `Bearer ${api.keys.app}`, 'content-type': 'application/json' });
      let status = 0;
      let text = '';
      stream.on('response', (headers) => (status = Number(headers[':status'])));
      stream.setEncoding('utf8');
      stream.on('data', (chunk: string) => (text += chunk));
      // Settled on close, however the stream ended: an answer, or why there is none.
      stream.on('close', () => {
        session.close();
        if (status === 0) {
          reject(new Error(`the HTTP/2 stream closed without an answer (code ${stream.rstCode})`));
          return;
        }
        try {
          resolve({ status, body: JSON.parse(text) as Record<string, unknown> });
        } catch (error) {
          reject(new Error(`the answer is not JSON: ${text.slice(0, 200)}`, { cause: error }));
        }
      });
      // The server may answer and close the stream before taking the rest.
      stream.on('error', (error: NodeJS.ErrnoException) => (error.code === 'ERR_HTTP2_STREAM_ERROR' ? undefined : reject(error)));
      const size = Math.ceil(body.length / 4);
      for (let start = 0; start < body.length; start += size) stream.write(body.slice(start, start + size));
      stream.end();
    });
  }

  it('counts a body that announces no length, refusing it past the limit and taking it within', async () => {
    const before = await runCount();
    const refused = await postRunHttp2(runBody(maxBodyBytes));
    expect(refused.status).toBe(413);
    expect(refused.body).toMatchObject({ error: { code: 'BODY_TOO_LARGE' } });
    expect(await runCount()).toBe(before);
    expect((await postRunHttp2(runBody(100))).status).toBe(202);
  });
});
