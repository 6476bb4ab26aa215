import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createInProcessCli, type InProcessCli } from '../../test/cli/in-process-cli.ts';
import { rateRun } from '../oversight/run-feedback.ts';
import type { FeedbackEvalCase } from '../oversight/feedback-export.ts';
import type { RunRecord } from '../store/store.ts';

/**
 * `keel feedback export`: real runs of two agents, rated as their users would, written as
 * evaluation cases — to a file or stdout, filtered by agent, rating and time — in the format
 * the evaluation runner reads (Langfuse's `input`, `expectedOutput`, `metadata`, plus Keel's
 * `output`, `rating`, `comment`, `runId`, `agent`).
 */
let cli: InProcessCli;
const keel = (argv: string[]) => cli.keel(argv, { env: { KEEL_LOG_LEVEL: 'error' } });

beforeEach(async () => {
  cli = await createInProcessCli();
  await cli.writeConfig(`[
    defineAgent({ name: 'support', instructions: 'Help.', model: scriptedModel(Array.from({ length: 10 }, () => (request) => ({ text: 'Answer to: ' + request.messages.at(-1).content }))) }),
    defineAgent({ name: 'billing', instructions: 'Bill.', model: scriptedModel(Array.from({ length: 10 }, () => ({ text: 'Invoice sent.' }))) }),
  ]`);
});
afterEach(async () => {
  await cli.close();
});

async function completedRun(agent: string, input: string, user = 'ana'): Promise<RunRecord> {
  expect((await keel(['run', agent, input, '--user', user])).code).toBe(0);
  const store = await cli.store();
  const { runs } = await store.listRuns({ tenantId: 'default', agent, limit: 1 });
  const run = runs[0];
  if (run === undefined || run.input !== input) throw new Error('expected the run just made');
  return run;
}

const lines = (text: string) =>
  text
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as FeedbackEvalCase);

describe('keel feedback export', () => {
  it('writes one eval case per rating to --out, most recently rated first, with the correction as expectedOutput', async () => {
    const store = await cli.store();
    const wrong = await completedRun('support', 'Where is order 1001?');
    const right = await completedRun('support', 'Where is order 1002?', 'bob');
    await rateRun(store, {
      tenantId: 'default',
      runId: wrong.id,
      rating: -1,
      correction: 'Order 1001 shipped on Monday with UPS.',
      comment: 'it did not say when',
      now: new Date('2030-01-01T10:00:00.000Z'),
    });
    await rateRun(store, { tenantId: 'default', runId: right.id, rating: 1, now: new Date('2030-01-02T10:00:00.000Z') });

    const result = await keel(['feedback', 'export', '--format', 'jsonl', '--out', 'cases.jsonl']);
    expect(result).toMatchObject({ code: 0, stdout: '', stderr: `wrote 2 eval cases to ${join(cli.directory, 'cases.jsonl')}\n` });
    const cases = lines(await readFile(join(cli.directory, 'cases.jsonl'), 'utf8'));
    expect(cases).toEqual([
      {
        input: 'Where is order 1002?',
        output: 'Answer to: Where is order 1002?',
        rating: 1,
        comment: null,
        runId: right.id,
        agent: 'support',
        metadata: {
          source: 'keel-feedback',
          tenantId: 'default',
          userId: 'bob',
          sessionId: right.sessionId,
          runStatus: 'completed',
          runCreatedAt: right.createdAt,
          ratedAt: '2030-01-02T10:00:00.000Z',
        },
      },
      {
        input: 'Where is order 1001?',
        expectedOutput: 'Order 1001 shipped on Monday with UPS.',
        output: 'Answer to: Where is order 1001?',
        rating: -1,
        comment: 'it did not say when',
        runId: wrong.id,
        agent: 'support',
        metadata: expect.objectContaining({ userId: 'ana', ratedAt: '2030-01-01T10:00:00.000Z' }),
      },
    ]);
    // Nothing but the finished file is left behind.
    expect((await readdir(cli.directory)).filter((file) => file.startsWith('cases'))).toEqual(['cases.jsonl']);
  });

  it('filters by --agent, --rating and --since, and writes to stdout without --out', async () => {
    const store = await cli.store();
    const support = await completedRun('support', 'Hello?');
    const billing = await completedRun('billing', 'Send my invoice');
    const older = await completedRun('support', 'Old question');
    await rateRun(store, { tenantId: 'default', runId: support.id, rating: -1, now: new Date('2030-03-01T00:00:00.000Z') });
    await rateRun(store, { tenantId: 'default', runId: billing.id, rating: -1, now: new Date('2030-03-02T00:00:00.000Z') });
    await rateRun(store, { tenantId: 'default', runId: older.id, rating: 1, now: new Date('2030-01-15T00:00:00.000Z') });

    const ids = async (...options: string[]) => {
      const result = await keel(['feedback', 'export', ...options]);
      expect(result.code).toBe(0);
      return lines(result.stdout).map((evalCase) => evalCase.runId);
    };
    expect(await ids()).toEqual([billing.id, support.id, older.id]);
    expect(await ids('--agent', 'support')).toEqual([support.id, older.id]);
    expect(await ids('--rating', '1')).toEqual([older.id]);
    expect(await ids('--since', '2030-03-01')).toEqual([billing.id, support.id]);
    expect(await ids('--since', '2030-03-01T12:00:00Z')).toEqual([billing.id]);
    expect(await ids('--agent', 'support', '--since', '2030-02-01', '--rating', '-1')).toEqual([support.id]);
    expect(await ids('--tenant', 'acme')).toEqual([]);
  });

  it('leaves out runs erased with their session, and a rating replaced is exported once, as it now stands', async () => {
    const store = await cli.store();
    const kept = await completedRun('support', 'Keep me');
    const erased = await completedRun('support', 'Forget me');
    await rateRun(store, { tenantId: 'default', runId: kept.id, rating: 1, now: new Date('2030-01-01T00:00:00.000Z') });
    await rateRun(store, { tenantId: 'default', runId: kept.id, rating: -1, correction: 'Better answer', now: new Date('2030-01-02T00:00:00.000Z') });
    await rateRun(store, { tenantId: 'default', runId: erased.id, rating: -1, correction: 'private detail', now: new Date('2030-01-03T00:00:00.000Z') });
    await store.deleteSession('default', erased.sessionId);
    const result = await keel(['feedback', 'export']);
    expect(lines(result.stdout)).toEqual([expect.objectContaining({ runId: kept.id, rating: -1, expectedOutput: 'Better answer' })]);
    expect(result.stdout).not.toContain('private detail');
  });

  it('refuses usage mistakes with exit code 2 and writes no file', async () => {
    for (const argv of [
      ['--format', 'csv'],
      ['--rating', '0'],
      ['--since', 'yesterday'],
      ['--since', '2030-13-45'],
      ['--since', '2030-01-01T10:00:00'],
      ['--out', ''],
      ['--tenant', ''],
      ['--agent'],
      ['extra'],
    ]) {
      const result = await keel(['feedback', 'export', ...argv, ...(argv[0] === '--out' ? [] : ['--out', 'never.jsonl'])]);
      expect([argv.join(' '), result.code]).toEqual([argv.join(' '), 2]);
      expect(result.stderr).toMatch(/^error: /);
    }
    expect((await readdir(cli.directory)).filter((file) => file.startsWith('never'))).toEqual([]);
    expect((await keel(['feedback', '--help'])).stdout).toContain('export');
  });
});
