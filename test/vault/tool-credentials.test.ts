import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { defineAgent } from '../../src/sdk/define-agent.ts';
import { defineTool } from '../../src/sdk/define-tool.ts';
import { createLogger } from '../../src/telemetry/logger.ts';
import { scriptedModel } from '../../src/testing/scripted-model.ts';
import { createTestRuntime, type TestRuntime } from '../../src/testing/test-runtime.ts';
import { cliActor } from '../../src/vault/audit-log.ts';
import { generateMasterKey } from '../../src/vault/master-key.ts';

/*
 * Tools' credentials end to end on the embedded store: resolved for the run's user (else the
 * tenant), never journaled, parked in `waiting: credential` before the call starts, and resumed
 * when the credential is set.
 */

let harness: TestRuntime | undefined;
afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

function vaultOf(test: TestRuntime) {
  if (test.vault === undefined) throw new Error('the test runtime has no vault');
  return test.vault;
}

async function journalText(test: TestRuntime, runId: string): Promise<string> {
  return JSON.stringify(await test.store.readJournal(runId));
}

describe('ctx.credential', () => {
  it("gives the user's value over the tenant's, redacts it where the tool echoes it, and audits each use", async () => {
    const seen: string[] = [];
    const echo = defineTool({
      name: 'echo_key',
      description: 'Echoes its key (badly written on purpose)',
      input: z.object({}),
      effect: 'read',
      credentials: ['shop'],
      async execute(_input, ctx) {
        const key = await ctx.credential('shop');
        seen.push(key);
        ctx.log.info(`using ${key}`);
        return { echoed: key, nested: [{ again: `prefix-${key}-suffix` }] };
      },
    });
    const model = scriptedModel([
      { toolCalls: [{ name: 'echo_key', arguments: {} }] },
      {
        expect: (request) => expect(JSON.stringify(request.messages)).toContain('[redacted:shop]'),
        text: 'done',
      },
    ]);
    harness = await createTestRuntime({ agents: [defineAgent({ name: 'a', model, instructions: '', tools: [echo] })], masterKey: generateMasterKey() });
    const vault = vaultOf(harness);
    await vault.setSecret({ tenantId: 'default', userId: null, name: 'shop', value: 'tenant-secret-value', actor: cliActor });
    await vault.setSecret({ tenantId: 'default', userId: 'alice', name: 'shop', value: 'alice-secret-"value"', actor: cliActor });

    const run = await harness.runtime.run({ agent: 'a', input: 'go', userId: 'alice' });
    expect(run.status).toBe('completed');
    expect(seen).toEqual(['alice-secret-"value"']);
    const journal = await journalText(harness, run.id);
    expect(journal).not.toContain('alice-secret');
    expect(journal).toContain('[redacted:shop]');
    model.assertConsumed();

    const audit = await harness.store.readAudit({ limit: 10, action: 'credential.use' });
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({
      tenant: 'default',
      actor: { kind: 'user', id: 'alice' },
      subject: 'credential:user/alice/shop',
      details: { runId: run.id, tool: 'echo_key', owner: 'user' },
    });
    expect(JSON.stringify(await harness.store.readAudit({ limit: 100 }))).not.toContain('secret-value');
  });

  it('redacts a value another tool of the run resolved, where a tool without credentials echoes it back', async () => {
    // An upstream that reflects what it was sent: the token the first tool used comes back through the second.
    let reflected = '';
    const call = defineTool({
      name: 'call_shop',
      description: 'Calls the shop with its token',
      input: z.object({}),
      effect: 'read',
      credentials: ['shop'],
      async execute(_input, ctx) {
        reflected = `Authorization: Bearer ${await ctx.credential('shop')}`;
        return { ok: true };
      },
    });
    const debug = defineTool({
      name: 'last_request',
      description: 'Shows the last request the shop received',
      input: z.object({}),
      effect: 'read',
      execute: (_input, ctx) => {
        ctx.log.info(`last request: ${reflected}`);
        return { headers: reflected };
      },
    });
    const model = scriptedModel([
      { toolCalls: [{ name: 'call_shop', arguments: {} }] },
      { toolCalls: [{ name: 'last_request', arguments: {} }] },
      { expect: (request) => expect(JSON.stringify(request.messages)).not.toContain('reflected-token'), text: 'done' },
    ]);
    const logLines: string[] = [];
    harness = await createTestRuntime({
      agents: [defineAgent({ name: 'a', model, instructions: '', tools: [call, debug] })],
      masterKey: generateMasterKey(),
      logger: createLogger({ level: 'trace', destination: { write: (line: string) => logLines.push(line) } }),
    });
    await vaultOf(harness).setSecret({ tenantId: 'default', userId: 'alice', name: 'shop', value: 'reflected-token-123', actor: cliActor });

    const run = await harness.runtime.run({ agent: 'a', input: 'go', userId: 'alice' });
    expect(run.status).toBe('completed');
    model.assertConsumed();
    expect(reflected).toContain('reflected-token-123');
    const journal = await journalText(harness, run.id);
    expect(journal).not.toContain('reflected-token');
    expect(journal).toContain('Bearer [redacted:shop]');
    expect(logLines.join('\n')).toContain('last request: Authorization: Bearer [redacted:shop]');
    expect(logLines.join('\n')).not.toContain('reflected-token');
  });

  it('redacts a resolved value from a streamed answer that echoes it, however it is split', async () => {
    const call = defineTool({
      name: 'call_shop',
      description: 'Calls the shop with its token',
      input: z.object({}),
      effect: 'read',
      credentials: ['shop'],
      async execute(_input, ctx) {
        await ctx.credential('shop');
        return { ok: true };
      },
    });
    const token = 'typed-by-the-user-9f3c';
    const model = scriptedModel(
      [{ toolCalls: [{ name: 'call_shop', arguments: {} }] }, { text: `Your shop token is ${token}, keep it safe. And again: "${token}".` }],
      { stream: true, chunkSize: 3 },
    );
    harness = await createTestRuntime({ agents: [defineAgent({ name: 'a', model, instructions: '', tools: [call] })], masterKey: generateMasterKey() });
    await vaultOf(harness).setSecret({ tenantId: 'default', userId: 'alice', name: 'shop', value: token, actor: cliActor });

    const run = await harness.runtime.run({ agent: 'a', input: 'Check my shop', userId: 'alice' });
    expect([run.status, run.output]).toEqual(['completed', 'Your shop token is [redacted:shop], keep it safe. And again: "[redacted:shop]".']);
    const journal = await harness.store.readJournal(run.id);
    expect(JSON.stringify(journal)).not.toContain('typed-by-the-user');
    const streamed = journal.flatMap((entry) => (entry.type === 'text-delta' && entry.step === 2 ? [entry.text] : [])).join('');
    expect(streamed).toBe(run.output);
  });

  it('parks an unsafe call that lacks its credential before it starts, and runs it once when the credential is set', async () => {
    let effects = 0;
    const charge = defineTool({
      name: 'charge',
      description: 'Charges the card',
      input: z.object({ amount: z.number() }),
      effect: 'unsafe',
      credentials: ['payments'],
      async execute(input, ctx) {
        const key = await ctx.credential('payments');
        effects += 1;
        return { charged: input.amount, with: key.slice(0, 3) };
      },
    });
    const model = scriptedModel([{ toolCalls: [{ name: 'charge', arguments: { amount: 5 } }] }, { text: 'charged' }]);
    harness = await createTestRuntime({ agents: [defineAgent({ name: 'a', model, instructions: '', tools: [charge] })], masterKey: generateMasterKey() });
    const { run } = await harness.runtime.startRun({ agent: 'a', input: 'charge me', userId: 'bob' });
    const parked = await harness.runtime.executeRun(run.id);
    expect(parked).toMatchObject({ status: 'waiting', waitingReason: 'credential' });
    const journal = await harness.store.readJournal(run.id);
    expect(journal.map((entry) => entry.type)).not.toContain('tool-start');
    expect(journal.map((entry) => entry.type)).not.toContain('tool-result');
    expect(journal.at(-1)).toMatchObject({
      type: 'run-waiting',
      reason: 'credential',
      details: { calls: [{ toolName: 'charge', missing: [{ credential: 'payments', userId: 'bob', scope: 'user-or-tenant' }] }] },
    });
    expect(effects).toBe(0);

    // Another user's credential unblocks nothing; bob's queues the run again.
    const vault = vaultOf(harness);
    expect((await vault.setSecret({ tenantId: 'default', userId: 'carol', name: 'payments', value: 'pk_carol_1234', actor: cliActor })).requeued).toEqual([]);
    expect((await vault.setSecret({ tenantId: 'default', userId: 'bob', name: 'payments', value: 'pk_bob_5678', actor: cliActor })).requeued).toEqual([run.id]);
    const resumed = await harness.runtime.executeRun(run.id);
    expect(resumed).toMatchObject({ status: 'completed', output: 'charged' });
    expect(effects).toBe(1);
    model.assertConsumed();
  });

  it("redacts a value a tool's error echoes, and refuses a name the tool did not declare", async () => {
    const leaky = defineTool({
      name: 'leaky',
      description: 'Fails loudly',
      input: z.object({}),
      effect: 'read',
      credentials: ['shop'],
      async execute(_input, ctx) {
        throw new Error(`upstream refused key ${await ctx.credential('shop')}`);
      },
    });
    const greedy = defineTool({
      name: 'greedy',
      description: 'Asks for more',
      input: z.object({}),
      effect: 'read',
      credentials: ['shop'],
      async execute(_input, ctx) {
        return await ctx.credential('bank');
      },
    });
    const model = scriptedModel([
      {
        toolCalls: [
          { name: 'leaky', arguments: {} },
          { name: 'greedy', arguments: {} },
        ],
      },
      { text: 'gave up' },
    ]);
    harness = await createTestRuntime({
      agents: [defineAgent({ name: 'a', model, instructions: '', tools: [leaky, greedy] })],
      masterKey: generateMasterKey(),
    });
    await vaultOf(harness).setSecret({ tenantId: 'default', userId: null, name: 'shop', value: 'sk_live_tenant_0001', actor: cliActor });
    const run = await harness.runtime.run({ agent: 'a', input: 'go' });
    expect(run.error).toBeNull();
    expect(run.status).toBe('completed');
    const results = (await harness.store.readJournal(run.id)).filter((entry) => entry.type === 'tool-result');
    expect(results.map((entry) => (entry.type === 'tool-result' ? entry.error?.code : undefined)).sort()).toEqual(['CREDENTIAL_NOT_DECLARED', 'TOOL_FAILED']);
    expect(JSON.stringify(results)).toContain('upstream refused key [redacted:shop]');
    expect(await journalText(harness, run.id)).not.toContain('sk_live_tenant_0001');
  });

  it('never fails an unsafe call left started by a crash for want of its credential', async () => {
    let reconciled = 0;
    const transfer = (withReconcile: boolean) =>
      defineTool({
        name: 'transfer',
        description: 'Moves money',
        input: z.object({}),
        effect: 'unsafe',
        credentials: ['bank'],
        execute: () => ({ done: true }),
        ...(withReconcile ? { reconcile: async () => ((reconciled += 1), { status: 'completed' as const, output: { done: true } }) } : {}),
      });
    for (const withReconcile of [false, true]) {
      // The tool call is journaled below as the crashed process left it: the model only answers after it.
      const model = scriptedModel([{ text: 'moved' }]);
      const test = await createTestRuntime({
        agents: [defineAgent({ name: 'a', model, instructions: '', tools: [transfer(withReconcile)] })],
        masterKey: generateMasterKey(),
      });
      harness = test;
      const vault = vaultOf(test);
      await vault.setSecret({ tenantId: 'default', userId: 'dora', name: 'bank', value: 'bank-token-1234', actor: cliActor });
      const { run } = await test.runtime.startRun({ agent: 'a', input: 'move it', userId: 'dora' });
      // The crash: the call's start marker is durable, its result never came; then the credential goes.
      const lease = await test.store.claimRun(run.id, { owner: 'crashed', leaseMs: 1, now: new Date() });
      if (lease === undefined) throw new Error('expected to claim the run');
      await test.store.append({ runId: run.id, epoch: lease.epoch, lastSeq: 1, now: new Date() }, [
        { type: 'step-start', step: 1, attempt: 1 },
        {
          type: 'model-response',
          step: 1,
          text: '',
          toolCalls: [{ callId: 'call_1', toolName: 'transfer', arguments: '{}' }],
          finishReason: 'tool-calls',
          usage: { inputTokens: 1, outputTokens: 1, cachedTokens: 0 },
          provider: 'scripted',
          modelId: 'scripted',
          latencyMs: 1,
        },
        { type: 'tool-call', step: 1, callId: 'call_1', toolName: 'transfer', input: {}, effect: 'unsafe', idempotencyKey: 'key_1' },
        { type: 'tool-start', step: 1, callId: 'call_1', attempt: 1, startedAt: new Date().toISOString() },
      ]);
      await test.store.releaseLease(run.id, lease.epoch);
      await vault.deleteSecret({ tenantId: 'default', userId: 'dora', name: 'bank', actor: cliActor });
      const parked = await test.runtime.executeRun(run.id);
      // Without a reconcile hook a person must decide; with one, the call waits for its credential to reconcile.
      expect(parked).toMatchObject({ status: 'waiting', waitingReason: withReconcile ? 'credential' : 'outcome-unknown' });
      expect((await test.store.readJournal(run.id)).some((entry) => entry.type === 'tool-result')).toBe(false);
      if (withReconcile) {
        await vault.setSecret({ tenantId: 'default', userId: 'dora', name: 'bank', value: 'bank-token-5678', actor: cliActor });
        const resumed = await test.runtime.executeRun(run.id);
        expect(resumed.status).toBe('completed');
        expect(reconciled).toBe(1);
        model.assertConsumed();
      }
      await test.close();
      harness = undefined;
    }
  });

  it('fails the call when the runtime has no vault', async () => {
    const needy = defineTool({ name: 'needy', description: 'Needs a key', input: z.object({}), effect: 'read', credentials: ['shop'], execute: () => 'never' });
    const model = scriptedModel([{ toolCalls: [{ name: 'needy', arguments: {} }] }, { text: 'no vault' }]);
    harness = await createTestRuntime({ agents: [defineAgent({ name: 'a', model, instructions: '', tools: [needy] })] });
    const run = await harness.runtime.run({ agent: 'a', input: 'go' });
    const [result] = (await harness.store.readJournal(run.id)).filter((entry) => entry.type === 'tool-result');
    expect(result).toMatchObject({ error: { code: 'VAULT_NOT_CONFIGURED' } });
  });
});
