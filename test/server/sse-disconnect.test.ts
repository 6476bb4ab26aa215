import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { defineAgent } from '../../src/sdk/define-agent.ts';
import { createApiKey } from '../../src/server/auth/api-keys.ts';
import { createApp } from '../../src/server/app.ts';
import { startServer, type RunningServer } from '../../src/server/start-server.ts';
import { scriptedModel } from '../../src/testing/scripted-model.ts';
import { createTestRuntime, type TestRuntime } from '../../src/testing/test-runtime.ts';

/**
 * A client leaving a stream is the normal end of most streams, not a fault: nothing at warn or
 * above may be logged for it, wherever the client leaves (before the first frame, between
 * frames while the server waits for the next journal entry, during heartbeats, mid-answer of a
 * streamed chat completion). The logger is real (pino at debug) and its lines are read back.
 */
let test: TestRuntime;
let server: RunningServer;
let key: string;
let lines: Array<{ level: number; msg: string; end?: string; err?: { message: string } }>;

beforeEach(async () => {
  lines = [];
  test = await createTestRuntime({ agents: [defineAgent({ name: 'greeter', model: scriptedModel([]), instructions: 'Greet.' })] });
  const logger = pino({ level: 'debug' }, { write: (line: string) => void lines.push(JSON.parse(line) as (typeof lines)[number]) });
  server = await startServer({ app: createApp({ runtime: test.runtime, logger, heartbeatMs: 10 }), port: 0 });
  key = (await createApiKey(test.store, { tenantId: 'acme', role: 'admin', name: 'test' })).key;
});

afterEach(async () => {
  await server.close({ drainMs: 100 });
  await test.close();
});

/** Opens a stream, reads `frames` chunks (0: none), then hangs up and waits for the server to notice. */
async function leave(path: string, options: { frames: number; method?: string; body?: unknown }): Promise<void> {
  const controller = new AbortController();
  const response = await fetch(`${server.url}${path}`, {
    method: options.method ?? 'GET',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    ...(options.body === undefined ? {} : { body: JSON.stringify(options.body) }),
    signal: controller.signal,
  });
  expect(response.status).toBe(200);
  const reader = response.body?.getReader();
  for (let read = 0; read < options.frames; read += 1) await reader?.read();
  controller.abort();
  const closed = lines.length;
  // The server learns of the hang-up on its next write (a heartbeat every 10 ms) or at once.
  for (let waited = 0; !lines.slice(closed).some((line) => /stream closed/.test(line.msg)) && waited < 200; waited += 1) {
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

function loud(): unknown[] {
  return lines.filter((line) => line.level >= 40).map((line) => ({ msg: line.msg, err: line.err?.message }));
}

describe('a client leaving a stream', () => {
  it.each([
    ['before reading anything', 0],
    ['after the first frame, while the server waits for the next entry', 1],
    ['after a few heartbeats', 4],
  ])('is not an error: %s', async (_when, frames) => {
    const { run } = await test.runtime.startRun({ agent: 'greeter', input: 'hi', userId: 'ana', tenantId: 'acme' });
    await leave(`/v1/runs/${run.id}/events`, { frames });
    expect(loud()).toEqual([]);
    expect(lines.filter((line) => line.msg === 'event stream closed').map((line) => [line.level, line.end])).toEqual([[20, 'client-gone']]);
  });

  it('is not an error on a streamed chat completion either', async () => {
    await leave('/v1/chat/completions', { frames: 2, method: 'POST', body: { model: 'greeter', stream: true, messages: [{ role: 'user', content: 'hi' }] } });
    expect(loud()).toEqual([]);
    expect(lines.filter((line) => line.msg === 'chat completion stream closed').map((line) => line.end)).toEqual(['client-gone']);
  });

  it('many times in a row leaves the server serving', async () => {
    const { run } = await test.runtime.startRun({ agent: 'greeter', input: 'hi', userId: 'ana', tenantId: 'acme' });
    for (let index = 0; index < 10; index += 1) await leave(`/v1/runs/${run.id}/events`, { frames: index % 3 });
    expect(loud()).toEqual([]);
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
  });
});
