import { DatabaseSync } from 'node:sqlite';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { expectTerminalSafe, hostile } from '../../test/cli/hostile-text.ts';
import { createInProcessCli, type InProcessCli } from '../../test/cli/in-process-cli.ts';
import { describeSettled } from './settled-runs.ts';
import { createStyle } from './style.ts';
import { terminalSafe } from './terminal-text.ts';

/**
 * Text from API callers, models and tools reaches every human-readable printer of the CLI made
 * terminal-safe (shown, never acted on), while `--json` prints it exactly.
 */
let cli: InProcessCli;
beforeEach(async () => {
  cli = await createInProcessCli();
});
afterEach(async () => {
  await cli.close();
});

const now = new Date('2030-01-01T00:00:00.000Z');

/**
 * A failed run whose every recorded string is hostile: input, tool call and result, output,
 * error; and its agent, user and session ids too. Stores refuse such ids today, so those are
 * written the way a database from before that rule (or another tool) would hold them.
 */
async function hostileRun(tenantId = 'default'): Promise<string> {
  const store = await cli.store();
  const id = `run-${tenantId}`;
  const { run } = await store.createRun({
    id,
    tenantId,
    agent: 'greeter',
    sessionId: 'ses-1',
    userId: 'ana',
    input: `${hostile}\n${hostile}`,
    sessionPolicy: 'queue',
    now,
  });
  const lease = await store.claimRun(run.id, { owner: 'worker-1', leaseMs: 60_000, now });
  if (lease === undefined) throw new Error('expected a lease');
  const error = { code: hostile as never, message: hostile };
  await store.append(
    { runId: run.id, epoch: lease.epoch, lastSeq: 1, now },
    [
      { type: 'tool-call', step: 1, callId: 'c1', toolName: hostile, input: { query: hostile }, effect: 'read', idempotencyKey: 'k1' },
      { type: 'tool-result', step: 1, callId: 'c1', output: hostile, durationMs: 1 },
      { type: 'run-end', status: 'failed', error },
    ],
    { status: 'failed', error, output: hostile, endedAt: now },
  );
  writeRaw('UPDATE runs SET agent = ?, user_id = ? WHERE id = ?', hostile, hostile, run.id);
  return run.id;
}

function writeRaw(sql: string, ...values: string[]): void {
  const db = new DatabaseSync(cli.databasePath);
  try {
    db.prepare(sql).run(...values);
  } finally {
    db.close();
  }
}

describe('hostile text on the terminal', () => {
  it('keel runs ls and runs show print it as visible escapes, as text and styled for a terminal', async () => {
    const runId = await hostileRun();
    for (const tty of [false, true]) {
      for (const argv of [
        ['runs', 'ls'],
        ['runs', 'ls', '--all-tenants'],
        ['runs', 'show', runId],
      ]) {
        const result = await cli.keel(argv, { tty });
        expect([argv.join(' '), result.code]).toEqual([argv.join(' '), 0]);
        expectTerminalSafe(result.stdout, { styled: tty });
        expect(result.stdout).toContain(terminalSafe(hostile));
      }
    }
    const shown = (await cli.keel(['runs', 'show', runId])).stdout;
    expect(shown).toContain(`input    ${terminalSafe(hostile)}\n${terminalSafe(hostile)}\n`);
    expect(shown).toContain(`→ ${terminalSafe(hostile)} {"query":"A\\u001b[2J`);
  });

  it('--json prints it exactly', async () => {
    const runId = await hostileRun();
    const record = await (await cli.store()).getRun('default', runId);
    expect(JSON.parse((await cli.keel(['runs', 'show', runId, '--json'])).stdout)).toEqual(record);
    expect(JSON.parse((await cli.keel(['runs', 'ls', '--json'])).stdout)).toEqual({ runs: [record] });
  });

  it('keel keys ls prints a hostile key name as visible escapes; --json prints it exactly', async () => {
    const refused = await cli.keel(['keys', 'create', '--tenant', 'acme', '--role', 'app', '--name', hostile]);
    expect(refused).toMatchObject({ code: 1, stderr: expect.stringMatching(/^error INPUT_INVALID: /) });
    expectTerminalSafe(refused.stderr);
    expect((await cli.keel(['keys', 'create', '--tenant', 'acme', '--role', 'app', '--name', 'web'])).code).toBe(0);
    writeRaw('UPDATE api_keys SET name = ?', hostile);
    const listed = await cli.keel(['keys', 'ls']);
    expectTerminalSafe(listed.stdout);
    expect(listed.stdout).toContain(terminalSafe(hostile));
    expect((JSON.parse((await cli.keel(['keys', 'ls', '--json'])).stdout) as Array<{ name: string }>).map((key) => key.name)).toEqual([hostile]);
  });

  it('keel run prints the events of a run whose input and model text are hostile as visible escapes, and refuses a hostile user id', async () => {
    await cli.writeConfig(`[defineAgent({ name: 'greeter', model: scriptedModel([{ text: ${JSON.stringify(hostile)} }]), instructions: 'Greet.' })]`);
    const result = await cli.keel(['run', 'greeter', hostile]);
    expect(result.code).toBe(0);
    expectTerminalSafe(result.stdout);
    expect(result.stdout).toContain(`you: ${terminalSafe(hostile)}\n`);
    expect(result.stdout).toContain(`\n${terminalSafe(hostile)}\n`);
    const refused = await cli.keel(['run', 'greeter', 'hi', '--user', hostile]);
    expect(refused).toMatchObject({ code: 1, stderr: expect.stringMatching(/^error INPUT_INVALID: /) });
    expectTerminalSafe(refused.stderr);
  });

  it('error messages that quote hostile text print it as visible escapes', async () => {
    for (const argv of [['runs', 'show', hostile], [hostile], ['runs', hostile], ['runs', 'ls', `--${hostile}`], ['keys', 'revoke', hostile]]) {
      const result = await cli.keel(argv);
      expect(result.code).toBeGreaterThan(0);
      expectTerminalSafe(result.stderr);
      expect(result.stderr).toContain(terminalSafe(hostile).slice(0, 20));
    }
  });

  it('cuts an error message that quotes a megabyte-long argument, saying how much it left out', async () => {
    const result = await cli.keel(['runs', 'show', 'r'.repeat(1024 * 1024)]);
    expect(result.code).toBe(1);
    expect(result.stderr.length).toBeLessThan(2_200);
    expect(result.stderr).toMatch(/^error RUN_NOT_FOUND: No run with id "r+… \(1046\d{3} more characters\)\n$/);
  });

  it("keel worker's line for a settled run prints hostile names and errors as visible escapes", () => {
    const error = { code: hostile as never, message: `${hostile}\n${hostile}` };
    for (const style of [createStyle(false), createStyle(true)]) {
      const lines = [
        describeSettled({ runId: hostile, agent: hostile, claimedAt: now, at: now.toISOString(), event: { type: 'run-end', status: 'failed', error } }, style),
        describeSettled(
          { runId: hostile, agent: hostile, claimedAt: undefined, at: now.toISOString(), event: { type: 'run-waiting', reason: hostile as never } },
          style,
        ),
        describeSettled(
          { runId: hostile, agent: hostile, claimedAt: undefined, at: now.toISOString(), event: { type: 'run-end', status: 'cancelled' } },
          style,
        ),
      ];
      for (const line of lines) {
        expectTerminalSafe(line, { styled: true });
        expect(line).not.toContain('\n');
      }
    }
  });
});
