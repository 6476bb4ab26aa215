import { Writable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { runTraceId } from '../../src/journal/trace-context.ts';
import { defineAgent } from '../../src/sdk/define-agent.ts';
import { defineTool } from '../../src/sdk/define-tool.ts';
import { createLogger } from '../../src/telemetry/logger.ts';
import { createTestRuntime, scriptedModel } from '../../src/testing/index.ts';
import { createTestApi, type TestApi } from './api-fixture.ts';

const apis: TestApi[] = [];
afterEach(async () => {
  for (const api of apis.splice(0)) await api.close();
});

const traceparent = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';

describe('W3C traceparent on the API', () => {
  it('links the run to the caller’s trace and shows the trace id on the run', async () => {
    const api = await createTestApi({ agents: [defineAgent({ name: 'greeter', model: scriptedModel([]), instructions: 'Greet.' })] });
    apis.push(api);
    const started = await api.request('POST', '/v1/runs', { body: { agent: 'greeter', input: 'hi', userId: 'ana' }, headers: { traceparent } });
    expect(started.status).toBe(202);
    const { id } = (await started.json()) as { id: string };
    const { body: run } = await api.json<{ traceId: string; traceparent: string | null }>('GET', `/v1/runs/${id}`);
    expect(run).toMatchObject({ traceId: '4bf92f3577b34da6a3ce929d0e0e4736', traceparent });

    const chat = await api.request('POST', '/v1/chat/completions', {
      body: { model: 'greeter', user: 'ana', messages: [{ role: 'user', content: 'hi' }], stream: true },
      headers: { traceparent },
    });
    const runId = chat.headers.get('x-keel-run-id') ?? '';
    await chat.body?.cancel();
    expect((await api.json<{ traceId: string }>('GET', `/v1/runs/${runId}`)).body.traceId).toBe('4bf92f3577b34da6a3ce929d0e0e4736');
  });

  it('ignores an invalid traceparent: 202, and a trace id of the run’s own', async () => {
    const api = await createTestApi({ agents: [defineAgent({ name: 'greeter', model: scriptedModel([]), instructions: 'Greet.' })] });
    apis.push(api);
    for (const invalid of ['nonsense', '00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01', `00-${'f'.repeat(600)}`]) {
      const started = await api.request('POST', '/v1/runs', { body: { agent: 'greeter', input: 'hi', userId: 'ana' }, headers: { traceparent: invalid } });
      expect(started.status).toBe(202);
      const { id } = (await started.json()) as { id: string };
      expect((await api.json('GET', `/v1/runs/${id}`)).body).toMatchObject({ traceId: runTraceId(id), traceparent: null });
    }
  });
});

describe('the trace id in logs', () => {
  it('is on every log line of the run, the tools’ included', async () => {
    const lines: Array<Record<string, unknown>> = [];
    const destination = new Writable({
      write(chunk: Buffer, _encoding, done) {
        lines.push(JSON.parse(chunk.toString('utf8')) as Record<string, unknown>);
        done();
      },
    });
    const note = defineTool({
      name: 'note',
      description: 'Logs a note',
      input: z.object({}),
      effect: 'read',
      execute: (_input, context) => {
        context.log.info('noting');
        return 'noted';
      },
    });
    const model = scriptedModel([{ toolCalls: [{ name: 'note', arguments: {} }] }, { text: 'done' }]);
    const test = await createTestRuntime({
      agents: [defineAgent({ name: 'noter', model, instructions: 'Note.', tools: [note] })],
      logger: createLogger({ level: 'info', destination }),
    });
    try {
      const run = await test.runtime.run({ agent: 'noter', input: 'note it', traceparent });
      const ofRun = lines.filter((line) => line.runId === run.id);
      expect(ofRun.map((line) => line.msg)).toEqual(expect.arrayContaining(['noting', 'run ended']));
      for (const line of ofRun) expect(line.traceId, String(line.msg)).toBe('4bf92f3577b34da6a3ce929d0e0e4736');
    } finally {
      await test.close();
    }
  });
});
