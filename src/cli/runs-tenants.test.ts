import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createInProcessCli, type InProcessCli } from '../../test/cli/in-process-cli.ts';
import type { NewRun } from '../store/store.ts';

let cli: InProcessCli;
beforeEach(async () => {
  cli = await createInProcessCli();
});
afterEach(async () => {
  await cli.close();
});

/** One queued run in each of three tenants, oldest first: default, acme, globex. */
async function runsInThreeTenants(): Promise<Record<'default' | 'acme' | 'globex', string>> {
  const store = await cli.store();
  const now = new Date('2030-01-01T00:00:00.000Z');
  const create = async (tenantId: string) => {
    const input: NewRun = {
      id: `run-${tenantId}`,
      tenantId,
      agent: 'greeter',
      sessionId: `ses-${tenantId}`,
      userId: 'ana',
      input: `hi from ${tenantId}`,
      sessionPolicy: 'queue',
      now,
    };
    return (await store.createRun(input)).run.id;
  };
  return { default: await create('default'), acme: await create('acme'), globex: await create('globex') };
}

const ids = (stdout: string) => (JSON.parse(stdout) as { runs: Array<{ id: string }> }).runs.map((run) => run.id);

describe('keel runs ls across tenants', () => {
  it('lists tenant default by default, one tenant with --tenant, and every tenant with --all-tenants', async () => {
    const runs = await runsInThreeTenants();
    expect(ids((await cli.keel(['runs', 'ls', '--json'])).stdout)).toEqual([runs.default]);
    expect(ids((await cli.keel(['runs', 'ls', '--tenant', 'acme', '--json'])).stdout)).toEqual([runs.acme]);
    expect(ids((await cli.keel(['runs', 'ls', '--tenant', 'nobody', '--json'])).stdout)).toEqual([]);
    expect(ids((await cli.keel(['runs', 'ls', '--all-tenants', '--json'])).stdout)).toEqual([runs.globex, runs.acme, runs.default]);
  });

  it('shows a TENANT column with --all-tenants only, and keeps the scope in the next-page hint', async () => {
    const runs = await runsInThreeTenants();
    const all = await cli.keel(['runs', 'ls', '--all-tenants', '--limit', '2']);
    expect(all.code).toBe(0);
    expect(all.stdout).toMatch(/^ID\s+TENANT\s+STATUS\s+AGENT\s+USER\s+CREATED \(UTC\)\s+INPUT\n/);
    expect(all.stdout).toContain(`${runs.globex}  globex  queued  greeter  ana   2030-01-01 00:00:00  hi from globex\n`);
    const hint = /more: (keel runs ls .*)\n$/.exec(all.stdout)?.[1] ?? '';
    expect(hint).toMatch(/^keel runs ls --all-tenants --limit 2 --cursor \S+$/);
    const next = await cli.keel([...hint.split(' ').slice(1), '--json']);
    expect(ids(next.stdout)).toEqual([runs.default]);

    const one = await cli.keel(['runs', 'ls', '--tenant', 'acme']);
    expect(one.stdout).toMatch(/^ID\s+STATUS\s+AGENT/);
    expect(one.stdout).not.toContain('TENANT');
  });
});

describe('keel runs show, cancel and resolve across tenants', () => {
  it("finds another tenant's run only with --tenant or --all-tenants", async () => {
    const runs = await runsInThreeTenants();
    expect(await cli.keel(['runs', 'show', runs.acme])).toMatchObject({ code: 1, stderr: `error RUN_NOT_FOUND: No run with id "${runs.acme}"\n` });
    expect(await cli.keel(['runs', 'show', runs.acme, '--tenant', 'globex'])).toMatchObject({ code: 1, stderr: expect.stringContaining('RUN_NOT_FOUND') });
    expect(JSON.parse((await cli.keel(['runs', 'show', runs.acme, '--tenant', 'acme', '--json'])).stdout)).toMatchObject({ id: runs.acme, tenantId: 'acme' });
    const shown = await cli.keel(['runs', 'show', runs.acme, '--all-tenants']);
    expect(shown.code).toBe(0);
    expect(shown.stdout).toContain(`run      ${runs.acme}\ntenant   acme\n`);
    expect(await cli.keel(['runs', 'show', 'run-nowhere', '--all-tenants'])).toMatchObject({
      code: 1,
      stderr: 'error RUN_NOT_FOUND: No run with id "run-nowhere" in any tenant\n',
    });
  });

  it("cancels and resolves another tenant's run with --all-tenants, and not without", async () => {
    await cli.writeConfig(`[defineAgent({ name: 'greeter', model: scriptedModel([]), instructions: 'Greet.' })]`);
    const runs = await runsInThreeTenants();
    expect(await cli.keel(['runs', 'cancel', runs.globex])).toMatchObject({ code: 1, stderr: expect.stringContaining('RUN_NOT_FOUND') });
    expect(await cli.keel(['runs', 'cancel', runs.globex, '--all-tenants'])).toMatchObject({ code: 0, stdout: `${runs.globex} cancelled\n` });
    expect(await (await cli.store()).getRun('globex', runs.globex)).toMatchObject({ status: 'cancelled' });
    expect(await cli.keel(['runs', 'cancel', runs.acme, '--tenant', 'acme'])).toMatchObject({ code: 0, stdout: `${runs.acme} cancelled\n` });

    const resolve = ['runs', 'resolve', runs.default, '--call', 'c1', '--rerun'];
    expect(await cli.keel(resolve)).toMatchObject({ code: 1, stderr: expect.stringContaining('error RUN_NOT_WAITING') });
    expect(await cli.keel([...resolve, '--tenant', 'acme'])).toMatchObject({ code: 1, stderr: expect.stringContaining('error RUN_NOT_FOUND') });
    expect(await cli.keel([...resolve, '--all-tenants'])).toMatchObject({ code: 1, stderr: expect.stringContaining('error RUN_NOT_WAITING') });
  });

  it('refuses --tenant with --all-tenants, and an empty or missing tenant', async () => {
    for (const command of [
      ['runs', 'ls'],
      ['runs', 'show', 'r'],
      ['runs', 'cancel', 'r'],
      ['runs', 'resolve', 'r', '--call', 'c', '--rerun'],
    ]) {
      const label = command.join(' ');
      expect(await cli.keel([...command, '--tenant', 'acme', '--all-tenants']), label).toMatchObject({
        code: 2,
        stderr: expect.stringMatching(/^error: give --tenant T or --all-tenants, not both\n/),
      });
      expect(await cli.keel([...command, '--tenant', '']), label).toMatchObject({
        code: 2,
        stderr: expect.stringMatching(/^error: --tenant needs a value, got an empty one\n/),
      });
      expect(await cli.keel([...command, '--tenant']), label).toMatchObject({ code: 2, stderr: expect.stringMatching(/^error: --tenant needs a value\n/) });
    }
  });
});
