import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { devKeyFile } from '../../src/cli/dev/dev-key.ts';
import { expectTerminalSafe, hostile } from './hostile-text.ts';
import { createInProcessCli, type InProcessCli, type RunningCommand } from './in-process-cli.ts';

/**
 * `keel dev` in this process: the sample request it prints names the served agent and is one
 * that agent can act on (sent as printed, it completes); every run prints a line as it starts and
 * as it completes, fails or waits, with its time; and two dev servers on two stores in one
 * directory each keep a key of their own across restarts.
 */
let cli: InProcessCli | undefined;
const running: RunningCommand[] = [];

afterEach(async () => {
  for (const command of running.splice(0)) {
    command.signal();
    await command.exited;
  }
  await cli?.close();
  cli = undefined;
});

const supportAgents = `[defineAgent({
  name: 'support',
  instructions: 'Help with orders.',
  tools: [defineTool({
    name: 'lookup_order',
    description: 'Look an order up by its number: customer, items and status.',
    input: z.object({ orderId: z.string().describe('The order number, e.g. "1001"') }),
    effect: 'read',
    execute: ({ orderId }) => ({ orderId, status: 'shipped' }),
  })],
  model: scriptedModel([
    (request) => {
      const input = request.messages.at(-1).content;
      if (!input.includes('orderId: 1001')) throw new Error('the sample input names no order: ' + input);
      return { toolCalls: [{ name: 'lookup_order', arguments: { orderId: '1001' } }] };
    },
    { text: 'Order 1001 has shipped.' },
    { error: new Error('the provider is down') },
  ]),
})]`;

async function startDev(test: InProcessCli, env: NodeJS.ProcessEnv = {}): Promise<{ dev: RunningCommand; url: string; key: string }> {
  const dev = test.start(['dev', '--port', '0'], { env: { KEEL_LOG_LEVEL: process.env.DEV_LOG ?? 'silent', ...env } });
  running.push(dev);
  const [, url = '', key = ''] = await dev.waitFor(/Keel dev server (http:\/\/\S+)[\s\S]*dev admin key (keel_\S+)/);
  return { dev, url, key };
}

async function stop(dev: RunningCommand): Promise<void> {
  running.splice(running.indexOf(dev), 1);
  dev.signal();
  expect(await dev.exited).toBe(0);
}

/** The JSON body of the banner's curl line, read back as the shell would (single-quoted, '\\'' for a quote). */
function printedBody(stdout: string): unknown {
  const quoted = /-d '((?:[^']|'\\'')*)'/.exec(stdout)?.[1];
  if (quoted === undefined) throw new Error(`no curl line in:\n${stdout}`);
  return JSON.parse(quoted.replaceAll("'\\''", "'"));
}

/**
 * A fetch that retries a 503 after its Retry-After, as a client should: the first call to a priced
 * model loads a tokenizer, which can hold the event loop long enough for load shedding to refuse
 * the next request or two.
 */
async function fetchHonouringRetryAfter(url: string, init: RequestInit): Promise<Response> {
  for (let attempt = 1; ; attempt += 1) {
    const response = await fetch(url, init);
    if (response.status !== 503 || attempt === 5) return response;
    await new Promise((resolve) => setTimeout(resolve, Number(response.headers.get('retry-after') ?? '1') * 1_000));
  }
}

describe('keel dev', () => {
  it('prints a sample request for the served agent that works as printed, and a line per run as it starts and ends', async () => {
    const test = (cli = await createInProcessCli());
    await test.writeConfig(supportAgents);
    const { dev, url, key } = await startDev(test);
    const body = printedBody(dev.stdout());
    expect(body).toEqual({ agent: 'support', input: 'Please look an order up by its number (orderId: 1001).', userId: 'dev-user' });

    const post = (json: unknown) =>
      fetch(`${url}/v1/runs`, { method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, body: JSON.stringify(json) });
    const { id } = (await (await post(body)).json()) as { id: string };
    await dev.waitFor(new RegExp(`✓ ${id} support completed \\d+\\.\\d s`));
    expect(dev.stdout()).toContain(`▶ ${id} support started`);

    // The script's next turn fails: the line says so, with the code, the message and the time.
    const failing = (await (await post({ agent: 'support', input: 'again', userId: 'dev-user' })).json()) as { id: string };
    await dev.waitFor(new RegExp(`✗ ${failing.id} support failed [A-Z_]+: the provider is down.* \\d+\\.\\d s`));
    const lines = dev.stdout().split('\n');
    // One start and one end per run, the start first.
    for (const run of [id, failing.id]) {
      const mine = lines.filter((line) => line.includes(run));
      expect(mine.map((line) => line.slice(0, 1))).toEqual(['▶', run === id ? '✓' : '✗']);
    }
    await stop(dev);
  });

  it('prints a run that parks as waiting, with its reason', async () => {
    const test = (cli = await createInProcessCli());
    // A listed model, so a $0 budget refuses the call and the run waits.
    await test.writeConfig(
      `[defineAgent({ name: 'greeter', instructions: 'Greet.', model: scriptedModel([{ text: 'Hi' }], { provider: 'anthropic', modelId: 'claude-sonnet-4-5' }) })]`,
    );
    const { dev, url, key } = await startDev(test);
    const admin = { authorization: `Bearer ${key}`, 'content-type': 'application/json' };
    expect(
      (await fetch(`${url}/v1/budgets/user/dev-user`, { method: 'PUT', headers: admin, body: JSON.stringify({ limitUsd: 0, period: 'day' }) })).status,
    ).toBe(200);
    const { id } = (await (await fetch(`${url}/v1/runs`, { method: 'POST', headers: admin, body: JSON.stringify(printedBody(dev.stdout())) })).json()) as {
      id: string;
    };
    await dev.waitFor(new RegExp(`⏸ ${id} greeter waiting: budget \\d+\\.\\d s`));
    // Deleting the budget frees it: announced again as it resumes, then completed.
    const deleted = await fetchHonouringRetryAfter(`${url}/v1/budgets/user/dev-user`, { method: 'DELETE', headers: admin });
    expect([deleted.status, await deleted.text()]).toEqual([204, '']);
    await dev.waitFor(new RegExp(`✓ ${id} greeter completed`));
    expect(
      dev
        .stdout()
        .split('\n')
        .filter((line) => line.includes(id))
        .map((line) => line.slice(0, 1)),
    ).toEqual(['▶', '⏸', '▶', '✓']);
    await stop(dev);
  });

  it('prints the banner terminal-safe, whatever the tool descriptions hold', async () => {
    const test = (cli = await createInProcessCli());
    await test.writeConfig(`[defineAgent({ name: 'greeter', instructions: 'x', model: scriptedModel([]), tools: [defineTool({
      name: 'odd', description: ${JSON.stringify(hostile)}, input: z.object({ note: z.string() }), effect: 'read', execute: () => 'ok' })] })]`);
    const { dev } = await startDev(test);
    expectTerminalSafe(dev.stdout());
    expect((printedBody(dev.stdout()) as { agent: string }).agent).toBe('greeter');
    await stop(dev);
  });

  it('allows browser apps on KEEL_CORS_ORIGINS, and refuses an entry that is not an origin before serving', async () => {
    const test = (cli = await createInProcessCli());
    await test.writeConfig(`[defineAgent({ name: 'greeter', instructions: 'Greet.', model: scriptedModel([]) })]`);
    const { dev, url } = await startDev(test, { KEEL_CORS_ORIGINS: 'http://localhost:5173' });
    const preflight = await fetch(`${url}/v1/runs`, {
      method: 'OPTIONS',
      headers: { origin: 'http://localhost:5173', 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization' },
    });
    expect([preflight.status, preflight.headers.get('access-control-allow-origin')]).toEqual([204, 'http://localhost:5173']);
    await stop(dev);

    const refused = test.start(['dev', '--port', '0'], { env: { KEEL_LOG_LEVEL: 'silent', KEEL_CORS_ORIGINS: 'localhost:5173' } });
    expect(await refused.exited).toBe(1);
    expect(refused.stderr()).toMatch(/^error CONFIG_INVALID: KEEL_CORS_ORIGINS: "localhost:5173" is not an origin/m);
    expect(refused.stdout()).not.toContain('Keel dev server');
  });

  it('keeps one dev key per store: a second dev server on another store does not invalidate the first one’s', async () => {
    const test = (cli = await createInProcessCli());
    await test.writeConfig(`[defineAgent({ name: 'greeter', instructions: 'Greet.', model: scriptedModel([]) })]`);
    const first = { KEEL_DATABASE_URL: `sqlite:${join(test.directory, '.keel', 'keel.db')}` };
    const second = { KEEL_DATABASE_URL: `sqlite:${join(test.directory, 'other.db')}` };
    const files = [devKeyFile(test.directory, first.KEEL_DATABASE_URL), devKeyFile(test.directory, second.KEEL_DATABASE_URL)];
    expect(files[0]).toBe(join(test.directory, '.keel', 'dev-admin-key'));
    expect(files[1]).toMatch(/\.keel\/dev-admin-key\.[0-9a-f]{12}$/);

    const a = await startDev(test, first);
    const b = await startDev(test, second);
    expect(a.key).not.toBe(b.key);
    expect(b.dev.stdout()).toContain(`(.keel/${files[1]?.split('/').at(-1) ?? ''})`);
    const status = (url: string, key: string) => fetch(`${url}/v1/runs`, { headers: { authorization: `Bearer ${key}` } }).then((response) => response.status);
    expect([await status(a.url, a.key), await status(b.url, b.key), await status(a.url, b.key), await status(b.url, a.key)]).toEqual([200, 200, 401, 401]);
    expect([(await readFile(files[0] ?? '', 'utf8')).trim(), (await readFile(files[1] ?? '', 'utf8')).trim()]).toEqual([a.key, b.key]);
    await stop(a.dev);
    await stop(b.dev);

    // Restarted in either order, each prints the key it had.
    const b2 = await startDev(test, second);
    const a2 = await startDev(test, first);
    expect([a2.key, b2.key]).toEqual([a.key, b.key]);
    await stop(a2.dev);
    await stop(b2.dev);
  });
});

describe('devKeyFile', () => {
  it('names one file per store, whatever the spelling of its URL, and keeps credentials out', () => {
    const cwd = '/srv/app';
    expect(devKeyFile(cwd, 'sqlite:./.keel/keel.db')).toBe('/srv/app/.keel/dev-admin-key');
    expect(devKeyFile(cwd, 'sqlite:.keel/keel.db')).toBe('/srv/app/.keel/dev-admin-key');
    expect(devKeyFile(cwd, 'sqlite:///srv/app/.keel/keel.db')).toBe('/srv/app/.keel/dev-admin-key');
    expect(devKeyFile(cwd, 'sqlite:./a.db')).toBe(devKeyFile(cwd, 'sqlite:/srv/app/a.db'));
    expect(devKeyFile(cwd, 'sqlite:./a.db')).not.toBe(devKeyFile(cwd, 'sqlite:./b.db'));
    const postgres = devKeyFile(cwd, 'postgres://keel:secret@db.internal:5432/keel');
    expect(postgres).toBe(devKeyFile(cwd, 'postgresql://other:password@DB.internal/keel'));
    expect(postgres).not.toBe(devKeyFile(cwd, 'postgres://keel:secret@db.internal:5432/keel_test'));
    expect(postgres).not.toContain('secret');
  });
});
