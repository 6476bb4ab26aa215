import { DatabaseSync } from 'node:sqlite';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { createRuntime } from '../../src/keel.ts';
import { defineAgent } from '../../src/sdk/define-agent.ts';
import { defineConfig } from '../../src/sdk/define-config.ts';
import { createApiKey } from '../../src/server/auth/api-keys.ts';
import { createApp } from '../../src/server/app.ts';
import { createSqliteStore } from '../../src/store/sqlite/sqlite-store.ts';
import { createSilentLogger } from '../../src/telemetry/logger.ts';
import { scriptedModel } from '../../src/testing/scripted-model.ts';

const directories: string[] = [];
afterEach(() => {
  for (const directory of directories.splice(0)) rmSync(directory, { recursive: true, force: true });
});

function setup(options: { migrate: boolean; logLines?: string[] }) {
  const directory = mkdtempSync(join(tmpdir(), 'keel-health-'));
  directories.push(directory);
  const path = join(directory, 'keel.db');
  const store = createSqliteStore({ path });
  const config = defineConfig({ agents: [defineAgent({ name: 'greeter', model: scriptedModel([]), instructions: 'Greet.' })] });
  const runtime = createRuntime({ config, store, logger: createSilentLogger() });
  const logger =
    options.logLines === undefined ? createSilentLogger() : pino({ level: 'info' }, { write: (line: string) => void options.logLines?.push(line) });
  return { path, store, runtime, app: createApp({ runtime, logger }), migrate: () => store.migrate() };
}

describe('health, readiness and the API description', () => {
  it('is live always, and ready only once the store is migrated and while it is reachable', async () => {
    const { app, store, migrate } = setup({ migrate: false });
    expect(await (await app.request('/healthz')).json()).toEqual({ status: 'ok' });
    const pending = await app.request('/readyz');
    expect([pending.status, await pending.json()]).toEqual([503, { status: 'unavailable', checks: { store: 'migrations pending' } }]);
    await migrate();
    expect((await app.request('/readyz')).status).toBe(200);
    await store.close();
    const closed = await app.request('/readyz');
    expect([closed.status, await closed.json()]).toEqual([503, { status: 'unavailable', checks: { store: 'unreachable' } }]);
  });

  it('describes every endpoint in /openapi.json, with the bearer scheme', async () => {
    const { app, migrate } = setup({ migrate: true });
    await migrate();
    const document = (await (await app.request('/openapi.json')).json()) as {
      openapi: string;
      paths: Record<string, unknown>;
      components: { securitySchemes: Record<string, unknown>; schemas: Record<string, unknown> };
    };
    expect(document.openapi).toBe('3.1.0');
    expect(Object.keys(document.paths)).toEqual(
      expect.arrayContaining([
        '/v1/runs',
        '/v1/runs/{id}',
        '/v1/runs/{id}/events',
        '/v1/runs/{id}/cancel',
        '/v1/sessions/{id}',
        '/v1/sessions/{id}/messages',
        '/v1/chat/completions',
        '/healthz',
        '/readyz',
      ]),
    );
    expect(document.components.securitySchemes.bearerAuth).toMatchObject({ type: 'http', scheme: 'bearer' });
    expect(document.components.schemas).toHaveProperty('StartRun');
  });
});

describe('faults inside the server', () => {
  it('answer INTERNAL-class errors with a generic message and the request id, and log the detail under that id', async () => {
    const logLines: string[] = [];
    const { app, path, runtime, migrate } = setup({ migrate: true, logLines });
    await migrate();
    const { key, record } = await createApiKey(runtime.store, { tenantId: 'default', role: 'admin' });
    const { run } = await runtime.startRun({ agent: 'greeter', input: 'hi', userId: 'ana' });
    // Corrupt the row behind the store's back: reading it now fails deep inside the adapter.
    const db = new DatabaseSync(path);
    db.prepare("UPDATE runs SET usage = '{not json' WHERE id = ?").run(run.id);
    db.close();

    const response = await app.request(`/v1/runs/${run.id}`, { headers: { authorization: `Bearer ${key}`, 'x-request-id': 'req-fault-1' } });
    const body = (await response.json()) as { error: { code: string; message: string; details: { requestId: string } } };
    expect(response.status).toBe(500);
    expect(body).toEqual({
      error: { code: 'JOURNAL_CORRUPT', message: 'An internal error occurred (request req-fault-1)', details: { requestId: 'req-fault-1' } },
    });
    expect(response.headers.get('x-request-id')).toBe('req-fault-1');
    const logged = logLines
      .map((line) => JSON.parse(line) as { requestId?: string; msg?: string; err?: { message?: string } })
      .find((line) => line.msg === 'request failed');
    // The key's tenant and id come from the authenticated request's log, not from the error handler.
    expect(logged).toMatchObject({
      requestId: 'req-fault-1',
      tenantId: 'default',
      keyId: record.id,
      err: { message: expect.stringContaining('Column "usage" does not hold valid JSON') },
    });
  });
});
