import { request as httpRequest } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defineAgent } from '../../src/sdk/define-agent.ts';
import { startServer, type RunningServer } from '../../src/server/start-server.ts';
import { scriptedModel } from '../../src/testing/scripted-model.ts';
import { createTestApi, type TestApi } from './api-fixture.ts';

/**
 * The body limit on a real listening server, where Node's parser has read the headers: a body
 * announced larger than the limit is refused before it is read, a chunked one once it has grown
 * past it, and bodies within the limit arrive whole either way. A refused body creates nothing.
 */
const maxBodyBytes = 2_048;
let api: TestApi;
let server: RunningServer;

beforeAll(async () => {
  api = await createTestApi({ agents: [defineAgent({ name: 'greeter', model: scriptedModel([]), instructions: 'Greet.' })], maxBodyBytes });
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
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body: JSON.parse(text) as Record<string, unknown> }));
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

  it('a body exactly at the limit is taken', async () => {
    const body = runBody(0);
    const padded = runBody(maxBodyBytes - body.length);
    expect(Buffer.byteLength(padded)).toBe(maxBodyBytes);
    expect((await postRun(padded, { chunked: false })).status).toBe(202);
  });
});
