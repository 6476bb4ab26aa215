import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, expect, it } from 'vitest';
import { spanIdOf } from '../../src/telemetry/tracing/span-ids.ts';
import { createSqliteStore } from '../../src/store/sqlite/sqlite-store.ts';
import { startFakeModelServer, startFakeOtlpReceiver, type FakeModelRequest, type FakeTurn, type ReceivedSpan } from '../../src/testing/index.ts';
import { spawnWorker } from './worker-process.ts';

/*
 * A run with two tool calls whose worker is killed (SIGKILL) while the second call runs: another
 * worker process finishes it. The spans of both processes must form ONE trace, under the
 * caller's span, with each span exactly once.
 */
const cleanups: Array<() => Promise<void> | void> = [];
afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
});

function respond(request: FakeModelRequest): FakeTurn {
  const answered = request.messages.filter((message) => message.role === 'tool').length;
  if (answered === 0) {
    return {
      text: 'Looking both up.',
      toolCalls: [
        { name: 'lookup', arguments: { account: 'acme' } },
        { name: 'slow_read', arguments: { key: 'ledger' } },
      ],
      usage: { inputTokens: 30, outputTokens: 8 },
    };
  }
  return { text: 'Both found.', usage: { inputTokens: 60, outputTokens: 3 } };
}

const callerTrace = '4bf92f3577b34da6a3ce929d0e0e4736';
const callerSpan = '00f067aa0ba902b7';

it('a run killed mid-way and finished by another process is one trace, each span sent once', async () => {
  const directory = mkdtempSync(join(tmpdir(), 'keel-trace-crash-'));
  cleanups.push(() => rmSync(directory, { recursive: true, force: true }));
  const receiver = await startFakeOtlpReceiver();
  cleanups.push(() => receiver.close());
  const server = await startFakeModelServer({ responder: respond });
  cleanups.push(() => server.close());
  const store = createSqliteStore({ path: join(directory, 'keel.db') });
  await store.migrate();
  cleanups.push(() => store.close());
  const { run } = await store.createRun({
    id: 'run_traced',
    tenantId: 'default',
    agent: 'traced',
    sessionId: 'session_traced',
    userId: 'u',
    input: 'Look acme up',
    sessionPolicy: 'queue',
    traceparent: `00-${callerTrace}-${callerSpan}-01`,
    now: new Date(),
  });
  const env = {
    KEEL_DATABASE_URL: `sqlite:${join(directory, 'keel.db')}`,
    KEEL_CRASH_DIR: directory,
    KEEL_LEASE_MS: '300',
    OPENAI_API_KEY: 'test-key',
    OPENAI_BASE_URL: server.openaiBaseURL,
    OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint,
    OTEL_BSP_SCHEDULE_DELAY: '20',
  };

  // The first worker: its slow call sleeps far longer than the test waits.
  const first = spawnWorker({ ...env, KEEL_CRASH_TOOL_SLEEP_MS: '60000', OTEL_RESOURCE_ATTRIBUTES: 'service.instance.id=worker-a' });
  cleanups.push(() => void first.child.kill('SIGKILL'));
  await receiver.waitFor((spans) => spans.some((span) => span.name === 'execute_tool lookup') && spans.some((span) => span.name === 'chat fake-model'), 20_000);
  const starts = join(directory, 'slow-read-starts.jsonl');
  while (!existsSync(starts)) await sleep(10);
  first.child.kill('SIGKILL');
  expect(await first.exited).toBe('SIGKILL');
  const beforeTakeover = receiver.spans.length;

  const second = spawnWorker({ ...env, KEEL_CRASH_TOOL_SLEEP_MS: '10', OTEL_RESOURCE_ATTRIBUTES: 'service.instance.id=worker-b' });
  expect(await second.exited, second.output()).toBe(0);
  expect((await store.getRun('default', run.id))?.status).toBe('completed');
  // The slow call ran in both processes: it was in flight when the first one died.
  expect(readFileSync(starts, 'utf8').trim().split('\n')).toHaveLength(2);

  const spans = await receiver.waitFor((received) => received.some((span) => span.name === 'invoke_agent traced'));
  const from = (span: ReceivedSpan | undefined) => span?.resource['service.instance.id'];
  expect(new Set(spans.map((span) => span.traceId))).toEqual(new Set([callerTrace]));
  expect(spans.map((span) => span.name).sort()).toEqual([
    'chat fake-model',
    'chat fake-model',
    'execute_tool lookup',
    'execute_tool slow_read',
    'invoke_agent traced',
  ]);
  expect(new Set(spans.map((span) => span.spanId)).size).toBe(spans.length);

  const root = spans.find((span) => span.name === 'invoke_agent traced');
  expect(root).toMatchObject({ spanId: spanIdOf(run.id, 'invoke_agent'), parentSpanId: callerSpan });
  for (const span of spans) if (span !== root) expect(span.parentSpanId, span.name).toBe(root?.spanId);

  const chat = (step: number) => spans.find((span) => span.name === 'chat fake-model' && span.attributes['keel.step'] === step);
  const tool = (name: string) => spans.find((span) => span.name === `execute_tool ${name}`);
  // What completed before the kill was sent by the first worker; the rest by the second.
  expect([from(chat(1)), from(tool('lookup'))]).toEqual(['worker-a', 'worker-a']);
  expect([from(tool('slow_read')), from(chat(2)), from(root)]).toEqual(['worker-b', 'worker-b', 'worker-b']);
  expect(spans.slice(0, beforeTakeover).every((span) => from(span) === 'worker-a')).toBe(true);
  expect(chat(1)?.attributes).toMatchObject({ 'gen_ai.usage.input_tokens': 30, 'gen_ai.usage.output_tokens': 8, 'gen_ai.provider.name': 'openai' });
  expect(tool('slow_read')?.attributes).toMatchObject({ 'gen_ai.tool.name': 'slow_read', 'keel.tool.effect': 'read' });
  expect(root?.attributes).toMatchObject({ 'keel.run.status': 'completed', 'gen_ai.usage.input_tokens': 90, 'gen_ai.usage.output_tokens': 11 });
  // The run's span covers its children, whichever process sent them.
  for (const span of spans) {
    expect(span.startTimeUnixNano).toBeGreaterThanOrEqual(root?.startTimeUnixNano ?? 0n);
    expect(span.endTimeUnixNano).toBeLessThanOrEqual(root?.endTimeUnixNano ?? 0n);
  }
}, 120_000);
