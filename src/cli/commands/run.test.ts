import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { z } from 'zod';
import { defineAgent } from '../../sdk/define-agent.ts';
import { defineTool } from '../../sdk/define-tool.ts';
import { createSqliteStore } from '../../store/sqlite/sqlite-store.ts';
import type { Store } from '../../store/store.ts';
import { scriptedModel } from '../../testing/scripted-model.ts';
import { createTestRuntime, type TestRuntime } from '../../testing/test-runtime.ts';
import type { CliIo } from '../command.ts';
import { runAndPrint } from './run.ts';

let harness: TestRuntime | undefined;
let directory: string | undefined;
afterEach(async () => {
  await harness?.close();
  harness = undefined;
  if (directory !== undefined) rmSync(directory, { recursive: true, force: true });
  directory = undefined;
});

/** A read tool; `onCall` runs as it executes. */
function lookUpTool(onCall: () => void = () => undefined) {
  return defineTool({
    name: 'look_up',
    description: 'Looks a record up',
    input: z.object({ id: z.number() }),
    effect: 'read',
    execute: ({ id }) => (onCall(), { id }),
  });
}

it('prints a run to its end, and reads no more of its journal once the end is printed', async () => {
  directory = mkdtempSync(join(tmpdir(), 'keel-run-print-'));
  const inner = createSqliteStore({ path: join(directory, 'keel.db') });
  let output = '';
  const printedEnd = () => output.includes('✓ completed');
  // The execution reads the run once more when it returns, whenever that falls: only journal reads count.
  const readsAfterEnd: string[] = [];
  // Created and claimed in one step: no claim of its own.
  const claims: string[] = [];
  const store: Store = {
    ...inner,
    claimRun: (runId, claim) => (claims.push(runId), inner.claimRun(runId, claim)),
    readJournal: (runId, options) => {
      if (printedEnd()) readsAfterEnd.push(`readJournal after ${options?.afterSeq ?? 0}`);
      return inner.readJournal(runId, options);
    },
  };
  const lookUp = lookUpTool();
  const model = scriptedModel([{ toolCalls: [{ name: 'look_up', arguments: { id: 7 } }] }, { text: 'Record 7 is fine.' }]);
  harness = await createTestRuntime({ agents: [defineAgent({ name: 'a', model, instructions: '', tools: [lookUp] })], store });
  const io: CliIo = {
    stdout: { write: (text: string) => ((output += text), true), isTTY: false },
    stderr: { write: () => true, isTTY: false },
    env: {},
    cwd: directory,
    onSignal: () => () => undefined,
  };

  const started: string[] = [];
  const code = await runAndPrint({ agent: 'a', input: 'Check record 7' }, harness.runtime, io, (run) =>
    started.push(`${run.id} before ${output === '' ? 'any output' : 'output'}`),
  );

  expect(code).toBe(0);
  expect(output).toContain('look_up');
  expect(output).toContain('Record 7 is fine.');
  expect(printedEnd()).toBe(true);
  expect(readsAfterEnd).toEqual([]);
  const [run] = (await harness.store.listRuns({ tenantId: 'default' })).runs;
  expect(started).toEqual([`${run?.id} before any output`]);
  expect(claims).toEqual([]);
});

/** A terminal whose Ctrl-C the test presses: `interrupt()` calls what `keel run` listens with. */
function terminal(cwd: string): { io: CliIo; out: () => string; err: () => string; interrupt: () => void } {
  let out = '';
  let err = '';
  let listener: Parameters<CliIo['onSignal']>[0] | undefined;
  return {
    io: {
      stdout: { write: (text: string) => ((out += text), true), isTTY: false },
      stderr: { write: (text: string) => ((err += text), true), isTTY: false },
      env: {},
      cwd,
      onSignal: (handler) => {
        listener = handler;
        return () => (listener = undefined);
      },
    },
    out: () => out,
    err: () => err,
    interrupt: () => listener?.('SIGINT'),
  };
}

it('parks the run at a safe point on Ctrl-C, leased to nobody and resumable, and exits 130', async () => {
  directory = mkdtempSync(join(tmpdir(), 'keel-run-interrupt-'));
  const tty = terminal(directory);
  const lookUp = lookUpTool(tty.interrupt);
  const model = scriptedModel([{ toolCalls: [{ name: 'look_up', arguments: { id: 7 } }] }, { text: 'Record 7 is fine.' }]);
  harness = await createTestRuntime({ agents: [defineAgent({ name: 'a', model, instructions: '', tools: [lookUp] })] });
  const { store } = harness;
  let runId = '';

  const code = await runAndPrint({ agent: 'a', input: 'Check record 7' }, harness.runtime, tty.io, (run) => (runId = run.id));

  expect(code).toBe(130);
  expect(tty.err()).toContain('the run stays resumable');
  expect(tty.out()).toContain('resume it with: keel worker --until-idle');
  expect((await store.getRun('default', runId))?.status).not.toBe('completed');
  expect(await store.claimRun(runId, { owner: 'another-node', leaseMs: 30_000, now: new Date() })).toBeDefined();
});

it('lets the lease go when Ctrl-C comes while the run is being stored', async () => {
  directory = mkdtempSync(join(tmpdir(), 'keel-run-interrupt-'));
  const tty = terminal(directory);
  const inner = createSqliteStore({ path: join(directory, 'keel.db') });
  // The key is pressed while the run is created and claimed, before the CLI learns its id.
  const store: Store = { ...inner, createRun: (input) => (tty.interrupt(), inner.createRun(input)) };
  const model = scriptedModel([{ text: 'Never asked.' }]);
  harness = await createTestRuntime({ agents: [defineAgent({ name: 'a', model, instructions: '' })], store });
  let runId = '';

  const code = await runAndPrint({ agent: 'a', input: 'Hello' }, harness.runtime, tty.io, (run) => (runId = run.id));

  expect(code).toBe(130);
  expect(model.requests).toHaveLength(0);
  expect(await inner.claimRun(runId, { owner: 'another-node', leaseMs: 30_000, now: new Date() })).toBeDefined();
});

it('follows and reports a run of another tenant in that tenant, not the default one', async () => {
  directory = mkdtempSync(join(tmpdir(), 'keel-run-tenant-'));
  const tty = terminal(directory);
  const lookUp = lookUpTool();
  const model = scriptedModel([{ toolCalls: [{ name: 'look_up', arguments: { id: 7 } }] }, { text: 'Record 7 is fine.' }]);
  harness = await createTestRuntime({ agents: [defineAgent({ name: 'a', model, instructions: '', tools: [lookUp] })] });
  let runId = '';

  const code = await runAndPrint({ agent: 'a', input: 'Check record 7', tenantId: 'acme' }, harness.runtime, tty.io, (run) => (runId = run.id));

  expect(code).toBe(0);
  expect(tty.out()).toContain('look_up');
  expect(tty.out()).toContain('Record 7 is fine.');
  expect(tty.out()).toContain('✓ completed');
  expect((await harness.store.getRun('acme', runId))?.status).toBe('completed');
  expect(await harness.store.getRun('default', runId)).toBeUndefined();
});
