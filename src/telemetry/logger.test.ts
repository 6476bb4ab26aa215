import { Writable } from 'node:stream';
import { afterEach, expect, it } from 'vitest';
import { z } from 'zod';
import { defineAgent } from '../sdk/define-agent.ts';
import { defineTool } from '../sdk/define-tool.ts';
import { scriptedModel } from '../testing/scripted-model.ts';
import { createTestRuntime, type TestRuntime } from '../testing/test-runtime.ts';
import { createLogger } from './logger.ts';

let harness: TestRuntime | undefined;
afterEach(async () => {
  await harness?.close();
});

it('writes JSON lines that carry run, session and user ids, also from inside tools, and redacts keys', async () => {
  const lines: Array<Record<string, unknown>> = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString().split('\n').filter(Boolean)) lines.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  const logger = createLogger({ level: 'info', destination });
  const note = defineTool({
    name: 'note',
    description: 'Logs',
    input: z.object({}),
    effect: 'read',
    execute: (_input, context) => {
      context.log.info({ apiKey: 'sk-secret' }, 'tool says hello');
      return 'ok';
    },
  });
  const model = scriptedModel([{ toolCalls: [{ name: 'note', arguments: {} }] }, { text: 'done' }]);
  harness = await createTestRuntime({ agents: [defineAgent({ name: 'a', model, instructions: '', tools: [note] })], logger });
  const run = await harness.runtime.run({ agent: 'a', input: 'x', userId: 'user-7', sessionId: 'session-7' });

  const fromTool = lines.find((line) => line.msg === 'tool says hello');
  expect(fromTool).toMatchObject({ runId: run.id, sessionId: 'session-7', userId: 'user-7', agent: 'a', tool: 'note', apiKey: '[redacted]' });
  expect(lines.find((line) => line.msg === 'run ended')).toMatchObject({ runId: run.id, sessionId: 'session-7', userId: 'user-7', status: 'completed' });
});

it('redacts cookies, which carry the dashboard session token, wherever a request logs its headers', () => {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(chunk.toString());
      done();
    },
  });
  const logger = createLogger({ level: 'info', destination });
  logger.info({ cookie: 'keel_session=tok-1' }, 'a');
  logger.info({ headers: { cookie: 'keel_session=tok-2', 'set-cookie': 'keel_session=tok-3' } }, 'b');
  logger.info({ req: { headers: { cookie: 'keel_session=tok-4', authorization: 'Bearer tok-5' } } }, 'c');
  logger.info({ res: { headers: { 'set-cookie': 'keel_session=tok-6' } } }, 'd');
  const written = lines.join('');
  expect(written).not.toMatch(/tok-\d/);
  expect(written.match(/\[redacted\]/g)).toHaveLength(6);
});
