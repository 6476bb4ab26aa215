import { userInfo } from 'node:os';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { expectTerminalSafe, hostile } from '../../test/cli/hostile-text.ts';
import { createInProcessCli, type InProcessCli } from '../../test/cli/in-process-cli.ts';
import type { ApprovalRecord } from '../store/oversight-store.ts';
import { terminalSafe } from './terminal-text.ts';

/**
 * `keel approvals` on real runs parked by a scripted model: the inbox as a table and as JSON,
 * one approval, approve / reject / edit journaled with the CLI as the actor, a decision taken
 * once, usage mistakes, tenants, and hostile text kept off the terminal.
 */
let cli: InProcessCli;
/** The CLI, with its log (the scripted model has no price: a warning each time the config loads) kept quiet. */
const keel = (argv: string[], options: { tty?: boolean } = {}) => cli.keel(argv, { ...options, env: { KEEL_LOG_LEVEL: 'error' } });
beforeEach(async () => {
  cli = await createInProcessCli();
  // Each model call proposes the refund the user asked for, or, once the tool answered, reports its result.
  await cli.writeConfig(`[defineAgent({
    name: 'support',
    instructions: 'Help.',
    model: scriptedModel(Array.from({ length: 20 }, () => (request) => {
      const result = request.messages.find((message) => message.role === 'tool');
      if (result !== undefined) return { text: 'tool said: ' + JSON.stringify(result.content) };
      const amount = Number(/\\$(\\d+)/.exec(request.messages.at(-1).content)?.[1] ?? '80');
      return { toolCalls: [{ name: 'issue_refund', arguments: { orderId: '1001', amountUsd: amount, note: request.messages.at(-1).content.includes('hostile') ? ${JSON.stringify(hostile)} : 'ok' } }] };
    })),
    tools: [defineTool({
      name: 'issue_refund',
      description: 'Refund an order',
      input: z.object({ orderId: z.string(), amountUsd: z.number().positive().max(500), note: z.string() }),
      effect: 'unsafe',
      approval: 'always',
      execute: (input) => ({ refundId: 'rf_' + input.amountUsd }),
    })],
  })]`);
});
afterEach(async () => {
  await cli.close();
});

/** A run of tenant `default` (the one `keel run` uses) parked on its approval. */
async function parked(input = 'Refund order 1001: $80'): Promise<ApprovalRecord> {
  const result = await keel(['run', 'support', input, '--user', 'ana']);
  expect(result.code).toBe(3);
  const listed = await keel(['approvals', 'ls', '--json']);
  const approval = (JSON.parse(listed.stdout) as { approvals: ApprovalRecord[] }).approvals.find((candidate) => candidate.status === 'pending');
  if (approval === undefined) throw new Error('expected a pending approval');
  return approval;
}

const osUser = () => userInfo().username;

describe('keel approvals', () => {
  it('ls lists pending approvals as a table and as JSON; --status decided|all', async () => {
    const approval = await parked();
    const table = await keel(['approvals', 'ls']);
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(/^ID\s+STATUS\s+TOOL\s+AGENT\s+USER\s+CREATED \(UTC\)\s+GROUP\s+ARGUMENTS\n/);
    expect(table.stdout).toContain(`${approval.id}  pending  issue_refund  support  ana`);
    expect(table.stdout).toContain('{"orderId":"1001","amountUsd":80,"note":"ok"}');
    expect((await keel(['approvals', 'ls', '--status', 'decided'])).stdout).toBe('no approvals\n');
    expect(JSON.parse((await keel(['approvals', 'ls', '--status', 'all', '--json'])).stdout)).toMatchObject({ approvals: [{ id: approval.id }] });
    expect(JSON.parse((await keel(['approvals', 'ls', '--user', 'bob', '--json'])).stdout)).toEqual({ approvals: [] });
  });

  it('show prints the approval; --json the object GET /v1/approvals/:id returns', async () => {
    const approval = await parked();
    const shown = await keel(['approvals', 'show', approval.id]);
    expect(shown.code).toBe(0);
    expect(shown.stdout).toContain(`approval ${approval.id}\ntenant   default\nstatus   pending\nrun      ${approval.runId}\n`);
    expect(shown.stdout).toContain('tool     issue_refund\nargs     {\n           "orderId": "1001",');
    expect(shown.stdout).toContain('reason   issue_refund always needs approval (tool)\n');
    expect(JSON.parse((await keel(['approvals', 'show', approval.id, '--json'])).stdout)).toEqual(approval);
    expect(await keel(['approvals', 'show', 'apr_nope'])).toMatchObject({ code: 1, stderr: 'error APPROVAL_NOT_FOUND: No approval with id "apr_nope"\n' });
  });

  it('approve journals the CLI and the OS user as the actor, once; a worker then runs the call', async () => {
    const approval = await parked();
    const approved = await keel(['approvals', 'approve', approval.id]);
    expect(approved).toMatchObject({ code: 0, stdout: `${approval.id} approved by ${terminalSafe(osUser())}; the run is queued: a worker resumes it\n` });
    const store = await cli.store();
    expect(await store.getApproval('default', approval.id)).toMatchObject({ status: 'approved', decidedBy: { kind: 'cli', name: osUser() } });
    expect(await keel(['approvals', 'reject', approval.id, '--reason', 'too late'])).toMatchObject({
      code: 1,
      stderr: expect.stringContaining('error APPROVAL_ALREADY_DECIDED'),
    });
    expect((await keel(['worker', '--until-idle'])).code).toBe(0);
    expect(await store.getRun('default', approval.runId)).toMatchObject({ status: 'completed', output: 'tool said: {"refundId":"rf_80"}' });
  });

  it('reject needs --reason and tells the model; edit runs the call with --args; --reviewer names the actor', async () => {
    const rejected = await parked();
    expect(await keel(['approvals', 'reject', rejected.id])).toMatchObject({ code: 2, stderr: expect.stringMatching(/^error: --reason R is required/) });
    expect(await keel(['approvals', 'reject', rejected.id, '--reason', 'over the limit', '--reviewer', 'Rita Ramos'])).toMatchObject({
      code: 0,
      stdout: `${rejected.id} rejected by Rita Ramos; the run is queued: a worker resumes it\n`,
    });
    const store = await cli.store();
    expect(await store.getApproval('default', rejected.id)).toMatchObject({
      status: 'rejected',
      decisionReason: 'over the limit',
      decidedBy: { kind: 'cli', name: 'Rita Ramos' },
    });
    expect((await keel(['worker', '--until-idle'])).code).toBe(0);
    expect((await store.getRun('default', rejected.runId))?.output).toContain('over the limit');

    const edited = await parked('Refund order 1001: $90');
    expect(await keel(['approvals', 'edit', edited.id])).toMatchObject({ code: 2, stderr: expect.stringMatching(/^error: --args JSON is required/) });
    expect(await keel(['approvals', 'edit', edited.id, '--args', '{not json'])).toMatchObject({
      code: 2,
      stderr: expect.stringMatching(/^error: --args takes the arguments as JSON/),
    });
    expect(await keel(['approvals', 'edit', edited.id, '--args', '{"orderId":"1001","amountUsd":-1,"note":"x"}'])).toMatchObject({
      code: 1,
      stderr: expect.stringContaining('error INPUT_INVALID: The edited arguments do not match the input schema of issue_refund'),
    });
    expect(await store.getApproval('default', edited.id)).toMatchObject({ status: 'pending' });
    expect(await keel(['approvals', 'edit', edited.id, '--args', '{"orderId":"1001","amountUsd":40,"note":"partial"}', '--reason', 'half'])).toMatchObject({
      code: 0,
      stdout: expect.stringContaining(`${edited.id} edited by`),
    });
    expect((await keel(['worker', '--until-idle'])).code).toBe(0);
    expect(await store.getRun('default', edited.runId)).toMatchObject({ status: 'completed', output: 'tool said: {"refundId":"rf_40"}' });
  });

  it('refuses usage mistakes with exit code 2 and decides nothing', async () => {
    const approval = await parked();
    for (const argv of [
      ['approvals', 'approve'],
      ['approvals', 'approve', approval.id, 'extra'],
      ['approvals', 'approve', approval.id, '--args', '{}'],
      ['approvals', 'approve', approval.id, '--reviewer', 'Rita\u001b[2J'],
      ['approvals', 'approve', approval.id, '--reviewer', ''],
      ['approvals', 'approve', approval.id, '--reason', ' '],
      ['approvals', 'approve', approval.id, '--tenant', 'acme', '--all-tenants'],
      ['approvals', 'ls', '--status', 'open'],
      ['approvals', 'ls', '--cursor', 'nope'],
      ['approvals', 'ls', '--limit', '0'],
      ['approvals', 'decide', approval.id],
    ]) {
      const result = await keel(argv);
      expect([argv.join(' '), result.code]).toEqual([argv.join(' '), 2]);
      expect(result.stderr).toMatch(/^error: /);
    }
    expect(await (await cli.store()).getApproval('default', approval.id)).toMatchObject({ status: 'pending' });
    expect((await keel(['approvals', '--help'])).stdout).toContain('approve ');
    expect((await keel(['approvals', 'edit', '--help'])).stdout).toMatch(/^Usage: keel approvals edit ID --args JSON/);
  });

  it("finds another tenant's approval only with --tenant or --all-tenants", async () => {
    const approval = await parked();
    // Move the run and its approval to tenant acme, as if an app key of acme had started it.
    const { DatabaseSync } = await import('node:sqlite');
    const db = new DatabaseSync(cli.databasePath, { enableForeignKeyConstraints: false });
    db.prepare("UPDATE sessions SET tenant_id = 'acme' WHERE id = ?").run(approval.sessionId);
    db.prepare("UPDATE runs SET tenant_id = 'acme' WHERE id = ?").run(approval.runId);
    db.prepare("UPDATE approvals SET tenant_id = 'acme' WHERE id = ?").run(approval.id);
    db.close();
    expect(await keel(['approvals', 'show', approval.id])).toMatchObject({ code: 1, stderr: expect.stringContaining('APPROVAL_NOT_FOUND') });
    expect((await keel(['approvals', 'ls', '--json'])).stdout).toBe('{\n  "approvals": []\n}\n');
    expect(JSON.parse((await keel(['approvals', 'ls', '--tenant', 'acme', '--json'])).stdout)).toMatchObject({ approvals: [{ id: approval.id }] });
    const all = await keel(['approvals', 'ls', '--all-tenants']);
    expect(all.stdout).toMatch(/^ID\s+TENANT\s+STATUS/);
    expect(all.stdout).toContain(`${approval.id}  acme    pending`);
    expect(await keel(['approvals', 'show', 'apr_nowhere', '--all-tenants'])).toMatchObject({
      code: 1,
      stderr: 'error APPROVAL_NOT_FOUND: No approval with id "apr_nowhere" in any tenant\n',
    });
    expect(await keel(['approvals', 'approve', approval.id])).toMatchObject({ code: 1, stderr: expect.stringContaining('APPROVAL_NOT_FOUND') });
    expect(await keel(['approvals', 'approve', approval.id, '--all-tenants', '--reviewer', 'ops'])).toMatchObject({ code: 0 });
    expect(await (await cli.store()).getApproval('acme', approval.id)).toMatchObject({ status: 'approved', decidedBy: { kind: 'cli', name: 'ops' } });
  });

  it('prints hostile arguments as visible escapes, styled or not; --json prints them exactly', async () => {
    const approval = await parked('Refund order 1001: $80 hostile');
    // Stores refuse such ids and names today: written the way a database from before that rule (or another tool) would hold them.
    const { DatabaseSync } = await import('node:sqlite');
    const db = new DatabaseSync(cli.databasePath);
    db.prepare('UPDATE approvals SET user_id = ?, reason = ? WHERE id = ?').run(hostile, hostile, approval.id);
    db.close();
    const listed = await keel(['approvals', 'ls']);
    expect(listed.stdout).toContain(terminalSafe(hostile));
    expectTerminalSafe(listed.stdout);
    const hostileInJson = JSON.stringify(hostile).slice(1, -1);
    const pendingShown = await keel(['approvals', 'show', approval.id]);
    expect(pendingShown.stdout).toContain(terminalSafe(hostileInJson));
    expectTerminalSafe(pendingShown.stdout);
    expect((await keel(['approvals', 'reject', approval.id, '--reason', hostile])).code).toBe(0);
    expect((await keel(['approvals', 'show', approval.id])).stdout).toContain(`because  ${terminalSafe(hostile, { newlines: 'keep' })}\n`);
    for (const tty of [false, true]) {
      for (const argv of [
        ['approvals', 'ls', '--status', 'all'],
        ['approvals', 'ls', '--status', 'all', '--all-tenants'],
        ['approvals', 'show', approval.id],
      ]) {
        const result = await keel(argv, { tty });
        expect([argv.join(' '), result.code]).toEqual([argv.join(' '), 0]);
        expectTerminalSafe(result.stdout, { styled: tty });
      }
    }
    const json = JSON.parse((await keel(['approvals', 'show', approval.id, '--json'])).stdout) as ApprovalRecord;
    expect((json.input as { note: string }).note).toBe(hostile);
  });
});
