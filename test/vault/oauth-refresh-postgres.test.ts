import { fileURLToPath } from 'node:url';
import { Client } from 'pg';
import { expect, it } from 'vitest';
import { defineAgent } from '../../src/sdk/define-agent.ts';
import { defineConfig } from '../../src/sdk/define-config.ts';
import { createRuntime } from '../../src/keel.ts';
import { createPostgresStore } from '../../src/store/postgres/postgres-store.ts';
import { describePostgres, testDatabaseUrl } from '../../src/store/postgres/postgres-test-database.ts';
import { createSilentLogger } from '../../src/telemetry/logger.ts';
import { startFakeModelServer, startFakeOAuthServer, type FakeModelRequest, type FakeTurn } from '../../src/testing/index.ts';
import { cliActor } from '../../src/vault/audit-log.ts';
import { openSecret } from '../../src/vault/envelope.ts';
import { generateMasterKey, parseMasterKeyring } from '../../src/vault/master-key.ts';
import { openOAuthTokens } from '../../src/vault/oauth-refresh.ts';
import { createVault } from '../../src/vault/vault.ts';
import { spawnKeel } from '../crash/worker-process.ts';
import { ordersTool, shopProvider } from './fixture/shop.ts';

/*
 * Per-user OAuth against the fake authorization server, on PostgreSQL: 50 tool calls of one
 * user whose access token has expired, executed by two worker processes at once, cause exactly
 * one refresh request; the rotated refresh token is the one kept; `invalid_grant` parks the run
 * in `waiting: credential` with the path to reconnect, and reconnecting resumes it.
 */

const fixtureConfig = fileURLToPath(new URL('./fixture/keel.config.ts', import.meta.url));

/** The agent loop as a model would drive it: call the tool once, then answer. */
function respond(request: FakeModelRequest): FakeTurn {
  return request.messages.some((message) => message.role === 'tool')
    ? { text: 'Here are your orders.' }
    : { text: '', toolCalls: [{ name: 'orders', arguments: {} }] };
}

await describePostgres('OAuth refresh across processes on PostgreSQL', (schemas) => {
  it(
    'makes one refresh for 50 concurrent calls from two processes, keeps the rotated token, and parks and resumes on invalid_grant',
    { timeout: 180_000 },
    async () => {
      const schema = await schemas.create();
      const store = createPostgresStore({ connectionString: testDatabaseUrl, schema });
      await store.migrate();
      const oauth = await startFakeOAuthServer({ accessTokenLifetimeSeconds: 0 });
      const models = await startFakeModelServer({ responder: respond });
      const masterKey = generateMasterKey();
      const keyring = parseMasterKeyring(masterKey);
      const providers = { providers: [shopProvider(oauth.url)] };
      const vault = createVault({ store, keyring, oauth: providers });
      const storedTokens = async () => {
        const row = await store.getSealedCredential({ tenantId: 'default', userId: 'alice', name: 'shop' });
        if (row === undefined) return undefined;
        return {
          ...openOAuthTokens(openSecret({ keyring, context: { tenant: 'default', user: 'alice', name: 'shop' }, sealed: row.sealed })),
          expiresAt: row.expiresAt,
        };
      };
      const connect = async () => {
        const { url } = await vault.startOAuth({ tenantId: 'default', userId: 'alice', provider: 'shop' });
        return await vault.finishOAuth({ provider: 'shop', callback: await oauth.authorize(url, { user: 'alice' }) });
      };

      await vault.setSecret({ tenantId: 'default', userId: null, name: 'shop-client-secret', value: oauth.clientSecret ?? '', actor: cliActor });
      await connect();
      // Issued with a lifetime of 0: expired from the start. Refreshed tokens live an hour.
      oauth.setAccessTokenLifetime(3600);
      const connected = await storedTokens();
      expect(connected?.refreshToken).toEqual(expect.any(String));

      const runCount = 50;
      for (let index = 0; index < runCount; index += 1) {
        await store.createRun({
          id: `run-${index}`,
          tenantId: 'default',
          agent: 'shopper',
          sessionId: `session-${index}`,
          userId: 'alice',
          input: 'my orders?',
          sessionPolicy: 'queue',
          now: new Date(),
        });
      }
      // Hold every token answer until both workers are busy with all 50 runs, so the calls overlap.
      const release = oauth.holdTokenEndpoint();
      const url = new URL(testDatabaseUrl);
      url.searchParams.set('options', `-c search_path=${schema}`);
      const env = {
        KEEL_DATABASE_URL: url.toString(),
        KEEL_MASTER_KEY: masterKey,
        KEEL_TEST_OAUTH_URL: oauth.url,
        OPENAI_API_KEY: 'test-key',
        OPENAI_BASE_URL: models.openaiBaseURL,
        KEEL_LEASE_MS: '60000',
      };
      const workers = [0, 1].map(() => spawnKeel(env, ['worker', '--until-idle', '--concurrency', '25', '--config', fixtureConfig]));
      await oauth.waitForTokenRequests(1);
      for (let waited = 0; (await store.countLiveLeases(new Date())) < runCount && waited < 30_000; waited += 50)
        await new Promise((resolve) => setTimeout(resolve, 50));
      expect(await store.countLiveLeases(new Date())).toBe(runCount);
      // Give every call time to reach its credential while the one refresh is held.
      await new Promise((resolve) => setTimeout(resolve, 500));
      release();
      const exits = await Promise.all(workers.map((worker) => worker.exited));
      expect(exits, workers.map((worker) => worker.output()).join('\n')).toEqual([0, 0]);

      expect(oauth.refreshRequests).toBe(1);
      const runs = await Promise.all(Array.from({ length: runCount }, (_, index) => store.getRun('default', `run-${index}`)));
      expect(runs.map((run) => run?.status)).toEqual(Array.from({ length: runCount }, () => 'completed'));
      const statuses = await Promise.all(
        runs.map(async (run) =>
          (await store.readJournal(run?.id ?? '')).flatMap((entry) => (entry.type === 'tool-result' ? [(entry.output as { status: number }).status] : [])),
        ),
      );
      expect(statuses.flat()).toEqual(Array.from({ length: runCount }, () => 200));
      const rotated = await storedTokens();
      expect(rotated?.refreshToken).not.toBe(connected?.refreshToken);
      expect(oauth.refreshRequestsFor(connected?.refreshToken ?? '')).toBe(1);

      // Only the rotated refresh token works now (the first one was retired): expire the access
      // token again and the next call refreshes with the one that was kept.
      const client = new Client({ connectionString: testDatabaseUrl });
      await client.connect();
      const expire = () => client.query(`UPDATE ${schema}.credentials SET expires_at = now() - interval '1 hour' WHERE name = 'shop'`);
      await expire();
      const runtime = createRuntime({
        config: defineConfig({
          agents: [defineAgent({ name: 'shopper', model: 'openai:fake-model', instructions: '', tools: [ordersTool(oauth.url)] })],
          oauth: providers,
        }),
        store,
        vault,
        env: { OPENAI_API_KEY: 'test-key', OPENAI_BASE_URL: models.openaiBaseURL },
        logger: createSilentLogger(),
        rateLimiter: false,
      });
      expect((await runtime.run({ agent: 'shopper', input: 'again', userId: 'alice' })).status).toBe('completed');
      expect(oauth.refreshRequests).toBe(2);
      expect(oauth.refreshRequestsFor(rotated?.refreshToken ?? '')).toBe(1);
      expect(oauth.tokenRequests.filter((request) => request.grantType === 'refresh_token').map((request) => request.error)).toEqual([undefined, undefined]);

      // invalid_grant: the run parks with the way to reconnect; reconnecting queues it again.
      await expire();
      oauth.failNextRefresh();
      const parked = await runtime.run({ agent: 'shopper', input: 'and now?', userId: 'alice' });
      expect(parked).toMatchObject({ status: 'waiting', waitingReason: 'credential' });
      const waiting = (await store.readJournal(parked.id)).at(-1);
      expect(waiting).toMatchObject({
        type: 'run-waiting',
        reason: 'credential',
        details: { calls: [{ missing: [{ credential: 'shop', reason: 'reconnect', connectPath: '/v1/oauth/shop/start?userId=alice' }] }] },
      });
      expect(await storedTokens()).toBeUndefined();
      const reconnected = await connect();
      expect(reconnected.requeued).toEqual([parked.id]);
      oauth.setAccessTokenLifetime(3600);
      expect(await runtime.executeRun(parked.id)).toMatchObject({ status: 'completed' });
      expect((await store.readAudit({ limit: 1000, action: 'oauth.refresh' })).length).toBe(2);
      expect((await store.readAudit({ limit: 1000, action: 'oauth.revoked' })).length).toBe(1);

      await runtime.close();
      await client.end();
      await store.close();
      await oauth.close();
      await models.close();
    },
  );
});
