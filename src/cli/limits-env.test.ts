import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createRateLimiter } from '../protection/rate-limit.ts';
import { defaultLimitsTenant } from '../store/limits-store.ts';
import { createSqliteStore } from '../store/sqlite/sqlite-store.ts';
import { runCli } from './cli.ts';
import type { CliIo } from './command.ts';

const exampleConfig = join(import.meta.dirname, '..', '..', 'examples', 'support', 'keel.config.ts');

let directory: string;
beforeEach(async () => {
  directory = await mkdtemp(join(tmpdir(), 'keel-cli-limits-'));
});
afterEach(async () => {
  await rm(directory, { recursive: true, force: true });
});

async function cli(argv: string[], env: NodeJS.ProcessEnv) {
  let stderr = '';
  const io: CliIo = {
    stdout: { write: () => undefined },
    stderr: { write: (text: string) => (stderr += text) },
    env: { KEEL_DATABASE_URL: `sqlite:${join(directory, 'keel.db')}`, ...env },
    cwd: directory,
    onSignal: () => () => undefined,
  };
  return { code: await runCli(argv, io), stderr };
}

describe('limits in the CLI', () => {
  it('sets every tenant’s defaults from the environment and counts the run’s model tokens against its user', async () => {
    const env = { KEEL_TENANT_MAX_CONCURRENT_RUNS: '5', KEEL_USER_TOKENS_PER_HOUR: '10' };
    const result = await cli(['run', 'support', 'Where is my order 1001?', '--config', exampleConfig, '--user', 'ana'], env);
    expect(result.code).toBe(0);

    const store = createSqliteStore({ path: join(directory, 'keel.db') });
    try {
      expect(await store.getTenantLimits(defaultLimitsTenant)).toEqual({
        maxConcurrentRuns: 5,
        userRequests: null,
        userTokens: { limit: 10, windowMs: 3_600_000 },
      });
      const limiter = createRateLimiter({ store });
      await expect(limiter.admit({ tenantId: 'default', userId: 'ana' })).rejects.toMatchObject({ code: 'RATE_LIMITED', details: { limit: 'tokens' } });
      expect(await limiter.admit({ tenantId: 'default', userId: 'ben' })).toBeUndefined();
    } finally {
      await store.close();
    }
  });

  it('refuses a limit that is not a whole number with CONFIG_INVALID', async () => {
    const result = await cli(['run', 'support', 'hi', '--config', exampleConfig], { KEEL_USER_REQUESTS_PER_MINUTE: 'lots' });
    expect(result).toEqual({ code: 1, stderr: 'error CONFIG_INVALID: KEEL_USER_REQUESTS_PER_MINUTE must be a whole number, or "none"\n' });
  });
});
