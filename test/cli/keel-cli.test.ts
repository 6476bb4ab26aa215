import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

/**
 * The `keel` executable end to end, as a user runs it: a separate Node process, the example
 * config, the default embedded database under the working directory.
 */
const repository = join(import.meta.dirname, '..', '..');
const main = join(repository, 'src', 'cli', 'main.ts');
const exampleConfig = join(repository, 'examples', 'support', 'keel.config.ts');

let directory: string;
beforeEach(async () => {
  directory = await mkdtemp(join(tmpdir(), 'keel-cli-e2e-'));
});
afterEach(async () => {
  await rm(directory, { recursive: true, force: true });
});

function keel(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const name of ['OPENAI_API_KEY', 'KEEL_DATABASE_URL', 'KEEL_LOG_LEVEL', 'KEEL_DEBUG', 'NO_COLOR']) delete env[name];
  return new Promise((resolve) => {
    execFile(process.execPath, ['--conditions=keel-source', main, ...args], { cwd: directory, env }, (error, stdout, stderr) => {
      resolve({ code: error === null ? 0 : Number(error.code ?? 1), stdout, stderr });
    });
  });
}

describe('keel run', () => {
  it('executes the example run in-process and prints its events, exit code 0', async () => {
    const result = await keel('run', 'support', 'Where is my order 1001?', '--config', exampleConfig, '--user', 'ana');
    expect(result.stderr).toContain('notice: agent "support" runs on the scripted demo model (keel-demo:scripted-support)');
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^▸ support run run_\S+ · session ses_\S+ · user ana\nyou: Where is my order 1001\?\n/);
    expect(result.stdout).toContain('→ lookup_order {"orderId":"1001"} [read]\n');
    expect(result.stdout).toContain('← get_shipping_status {"carrier":"UPS","trackingNumber":"1Z999AA10123456784"');
    expect(result.stdout).toContain('Order 1001 (Trail running shoes, $89.90) is shipped. UPS tracking 1Z999AA10123456784: in transit, expected 2025-06-14.\n');
    expect(result.stdout).toMatch(/✓ completed\nusage: \d+ input \+ \d+ output tokens · 3 model calls\n$/);
    // stdout is a pipe here: no colour codes.
    expect(result.stdout).not.toContain('\u001b[');
  });

  it('issues a refund once, persisted across runs and processes', async () => {
    const first = await keel('run', 'support', 'Please refund order 1002', '--config', exampleConfig);
    expect(first.code).toBe(0);
    expect(first.stdout).toMatch(/→ issue_refund \{"orderId":"1002","amountUsd":134.5,"reason":"[^"]+"\} \[unsafe\]\n/);
    expect(first.stdout).toMatch(/I have refunded \$134\.50 \(refund rf_[0-9a-f]{12}\)/);
    const ledger = async () => (await readFile(join(directory, '.keel', 'example-refunds.jsonl'), 'utf8')).trim().split('\n');
    expect(await ledger()).toHaveLength(1);

    const second = await keel('run', 'support', 'Refund order 1002 again', '--config', exampleConfig);
    expect(second.code).toBe(0);
    expect(second.stdout).toContain('← issue_refund TOOL_FAILED: Order 1002 was already refunded');
    expect(await ledger()).toHaveLength(1);
  });

  it('exits 1 and prints the error code when the run fails', async () => {
    const index = pathToFileURL(join(repository, 'src', 'index.ts')).href;
    await writeFile(
      join(directory, 'keel.config.mjs'),
      `import { defineAgent, defineConfig, defineTool } from ${JSON.stringify(index)};
       import { z } from ${JSON.stringify(pathToFileURL(join(repository, 'node_modules', 'zod', 'index.js')).href)};
       const ping = defineTool({ name: 'ping', description: 'Ping', input: z.object({}), effect: 'read', execute: () => 'pong' });
       const usage = { inputTokens: 1, outputTokens: 1, cachedTokens: 0 };
       const looping = { provider: 'test', modelId: 'looping', async generate() {
         return { text: '', toolCalls: [{ callId: 'c1', toolName: 'ping', arguments: '{}' }], finishReason: 'tool-calls', usage, provider: 'test', modelId: 'looping' };
       } };
       export default defineConfig({ agents: [defineAgent({ name: 'looper', model: looping, instructions: 'Loop.', tools: [ping], limits: { maxSteps: 2 } })] });`,
    );
    const result = await keel('run', 'looper', 'go');
    expect(result.stdout).toMatch(/✗ failed MAX_STEPS_EXCEEDED: /);
    expect(result.code).toBe(1);
  });
});

describe('keel run --detach, worker, runs', () => {
  it('enqueues, executes with a worker, lists, shows and refuses to cancel a finished run', async () => {
    const detached = await keel('run', 'support', 'Where is order 1003?', '--detach', '--config', exampleConfig);
    expect(detached.code).toBe(0);
    const runId = detached.stdout.trim();
    expect(runId).toMatch(/^run_\S+$/);

    const queued = JSON.parse((await keel('runs', 'ls', '--status', 'queued', '--json')).stdout) as { runs: Array<{ id: string }> };
    expect(queued.runs.map((run) => run.id)).toEqual([runId]);

    const worker = await keel('worker', '--until-idle', '--config', exampleConfig);
    expect(worker.code).toBe(0);
    expect(worker.stdout).toMatch(new RegExp(`^✓ ${runId} support completed \\d+\\.\\d s\\n$`));

    const listed = await keel('runs', 'ls');
    expect(listed.stdout).toMatch(/^ID\s+STATUS\s+AGENT\s+USER\s+CREATED \(UTC\)\s+INPUT\n/);
    expect(listed.stdout).toContain(`${runId}  completed  support  anonymous`);

    const record = JSON.parse((await keel('runs', 'show', runId, '--json')).stdout) as Record<string, unknown>;
    expect(record).toMatchObject({ id: runId, status: 'completed', agent: 'support', input: 'Where is order 1003?', error: null });
    expect(record.output).toContain('DHL tracking JD014600006281230');

    const shown = await keel('runs', 'show', runId);
    expect(shown.stdout).toContain(`status   completed\n`);
    expect(shown.stdout).toContain('→ get_shipping_status {"orderId":"1003"} [read]');

    const cancel = await keel('runs', 'cancel', runId, '--config', exampleConfig);
    expect(cancel).toMatchObject({ code: 1, stderr: 'error RUN_NOT_CANCELLABLE: The run has already completed\n' });
  });

  it('cancels a queued run', async () => {
    const runId = (await keel('run', 'support', 'Where is order 1001?', '--detach', '--config', exampleConfig)).stdout.trim();
    const cancel = await keel('runs', 'cancel', runId, '--config', exampleConfig);
    expect(cancel).toMatchObject({ code: 0, stdout: `${runId} cancelled\n` });
    expect(JSON.parse((await keel('runs', 'show', runId, '--json')).stdout)).toMatchObject({ status: 'cancelled' });
  });
});
