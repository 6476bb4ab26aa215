import { runTraceId } from '../../journal/trace-context.ts';
import { describe, expect, it } from 'vitest';
import { JOURNAL_SCHEMA_VERSION } from '../../journal/events.ts';
import { appendAs, at, claim, type CurrentStore, expectKeelError, finishRun, newRun, start, uniqueId } from './fixtures.ts';

export function describeRunContract(current: CurrentStore): void {
  describe('createRun and getRun', () => {
    it('creates a queued run with its run-start event as seq 1', async () => {
      const store = current();
      const input = newRun({ metadata: { channel: 'web' } });
      const { run, created } = await store.createRun(input);

      expect(created).toBe(true);
      expect(run).toEqual({
        id: input.id,
        tenantId: 'tenant-a',
        agent: 'support',
        sessionId: input.sessionId,
        userId: 'user-1',
        status: 'queued',
        waitingReason: null,
        input: 'Where is my order?',
        output: null,
        error: null,
        usage: { inputTokens: 0, outputTokens: 0, cachedTokens: 0 },
        costUsd: 0,
        metadata: { channel: 'web' },
        idempotencyKey: null,
        traceId: runTraceId(input.id),
        traceparent: null,
        cancelRequested: false,
        lastSeq: 1,
        createdAt: start.toISOString(),
        updatedAt: start.toISOString(),
        startedAt: null,
        endedAt: null,
        erasedAt: null,
      });
      expect(await store.getRun('tenant-a', input.id)).toEqual(run);
      expect(await store.readJournal(input.id)).toEqual([
        {
          type: 'run-start',
          agent: 'support',
          input: 'Where is my order?',
          sessionId: input.sessionId,
          userId: 'user-1',
          metadata: { channel: 'web' },
          seq: 1,
          at: start.toISOString(),
          v: JOURNAL_SCHEMA_VERSION,
        },
      ]);
    });

    it('returns undefined for an unknown run', async () => {
      expect(await current().getRun('tenant-a', 'no-such-run')).toBeUndefined();
    });
  });

  describe('idempotency', () => {
    it('returns the first run for a repeated key, without creating another', async () => {
      const store = current();
      const first = await store.createRun(newRun({ idempotencyKey: 'key-1', sessionId: 'session-1' }));
      const second = await store.createRun(newRun({ idempotencyKey: 'key-1', sessionId: 'session-1', now: at(1000) }));

      expect(second.created).toBe(false);
      expect(second.run).toEqual(first.run);
      expect(second.run.idempotencyKey).toBe('key-1');
      expect((await store.listRuns({ tenantId: 'tenant-a' })).runs).toHaveLength(1);
    });

    it('returns the first run even when the session has moved on and rejects new runs', async () => {
      const store = current();
      const first = await store.createRun(newRun({ idempotencyKey: 'key-1', sessionId: 'session-1' }));
      const retry = await store.createRun(newRun({ idempotencyKey: 'key-1', sessionId: 'session-1', sessionPolicy: 'reject' }));
      expect(retry).toEqual({ run: first.run, created: false });
    });

    it('produces exactly one run from concurrent identical requests', async () => {
      const store = current();
      const attempts = Array.from({ length: 8 }, () => newRun({ idempotencyKey: 'key-race', sessionId: 'session-race' }));
      const results = await Promise.all(attempts.map((attempt) => store.createRun(attempt)));

      expect(results.filter((result) => result.created)).toHaveLength(1);
      expect(new Set(results.map((result) => result.run.id)).size).toBe(1);
      expect((await store.listRuns({ tenantId: 'tenant-a' })).runs).toHaveLength(1);
    });

    it('rejects a key reused for a different agent, input, user, session or metadata, naming no run', async () => {
      const store = current();
      await store.createRun(newRun({ idempotencyKey: 'key-1', sessionId: 'session-1', metadata: { order: 7 } }));
      const same = { idempotencyKey: 'key-1', sessionId: 'session-1', metadata: { order: 7 } };

      await expectKeelError(store.createRun(newRun({ ...same, input: 'something else' })), 'IDEMPOTENCY_CONFLICT');
      await expectKeelError(store.createRun(newRun({ ...same, agent: 'billing' })), 'IDEMPOTENCY_CONFLICT');
      await expectKeelError(store.createRun(newRun({ ...same, userId: 'user-2' })), 'IDEMPOTENCY_CONFLICT');
      await expectKeelError(store.createRun(newRun({ ...same, sessionId: 'session-2' })), 'IDEMPOTENCY_CONFLICT');
      await expectKeelError(store.createRun(newRun({ ...same, metadata: { order: 8 } })), 'IDEMPOTENCY_CONFLICT');
      const conflict = await store.createRun(newRun({ ...same, userId: 'user-2' })).catch((error: unknown) => error);
      expect(JSON.stringify(conflict)).not.toMatch(/"runId"/);
      expect((await store.createRun(newRun(same))).created).toBe(false);
      expect((await store.listRuns({ tenantId: 'tenant-a' })).runs).toHaveLength(1);
    });

    it('scopes keys to a tenant', async () => {
      const store = current();
      const a = await store.createRun(newRun({ idempotencyKey: 'key-1' }));
      const b = await store.createRun(newRun({ idempotencyKey: 'key-1', tenantId: 'tenant-b' }));
      expect(b.created).toBe(true);
      expect(b.run.id).not.toBe(a.run.id);
    });
  });

  describe('tenant scoping', () => {
    it('hides a run, its session and its messages from other tenants', async () => {
      const store = current();
      const { run } = await store.createRun(newRun({ sessionId: 'shared-name' }));
      const lease = await claim(store, run.id);
      await appendAs(store, lease, [{ type: 'run-end', status: 'completed' }], {
        status: 'completed',
        sessionMessages: [{ role: 'user', content: 'secret' }],
      });

      expect(await store.getRun('tenant-b', run.id)).toBeUndefined();
      expect((await store.listRuns({ tenantId: 'tenant-b' })).runs).toEqual([]);
      expect(await store.getSession('tenant-b', 'shared-name')).toBeUndefined();
      expect(await store.listSessionMessages('tenant-b', 'shared-name')).toEqual([]);
    });

    it('does not let another tenant cancel or resume a run', async () => {
      const store = current();
      const { run } = await store.createRun(newRun());
      const lease = await claim(store, run.id);
      await appendAs(store, lease, [{ type: 'run-waiting', reason: 'approval' }], { status: 'waiting', waitingReason: 'approval' });

      expect(await store.requestCancel('tenant-b', run.id)).toBeUndefined();
      expect(await store.markRunnable('tenant-b', run.id)).toBeUndefined();
      const unchanged = await store.getRun('tenant-a', run.id);
      expect(unchanged).toMatchObject({ status: 'waiting', waitingReason: 'approval', cancelRequested: false });
    });

    it('keeps same-named sessions of different tenants apart', async () => {
      const store = current();
      await store.createRun(newRun({ sessionId: 'thread', userId: 'alice' }));
      const other = await store.createRun(newRun({ sessionId: 'thread', userId: 'bob', tenantId: 'tenant-b' }));
      expect(other.created).toBe(true);
      expect(await store.getSession('tenant-b', 'thread')).toMatchObject({ userId: 'bob', tenantId: 'tenant-b' });
      expect(await store.getSession('tenant-a', 'thread')).toMatchObject({ userId: 'alice', tenantId: 'tenant-a' });
    });
  });

  describe('listRuns', () => {
    it('pages newest first with opaque cursors until the end', async () => {
      const store = current();
      const ids: string[] = [];
      for (let index = 0; index < 7; index += 1) {
        const { run } = await store.createRun(newRun({ now: at(index) }));
        ids.push(run.id);
      }
      const seen: string[] = [];
      let cursor: string | undefined;
      const pageSizes: number[] = [];
      do {
        const page = await store.listRuns({ tenantId: 'tenant-a', limit: 3, cursor });
        pageSizes.push(page.runs.length);
        seen.push(...page.runs.map((run) => run.id));
        cursor = page.nextCursor;
      } while (cursor !== undefined);

      expect(pageSizes).toEqual([3, 3, 1]);
      expect(seen).toEqual([...ids].reverse());
    });

    it('orders by creation even when clocks disagree', async () => {
      const store = current();
      const older = await store.createRun(newRun({ now: at(5000) }));
      const newer = await store.createRun(newRun({ now: at(0) }));
      const { runs } = await store.listRuns({ tenantId: 'tenant-a' });
      expect(runs.map((run) => run.id)).toEqual([newer.run.id, older.run.id]);
    });

    it('gives no cursor when the page holds the last run', async () => {
      const store = current();
      await store.createRun(newRun());
      await store.createRun(newRun());
      const page = await store.listRuns({ tenantId: 'tenant-a', limit: 2 });
      expect(page.runs).toHaveLength(2);
      expect(page.nextCursor).toBeUndefined();
    });

    it('defaults to 50 runs a page and never returns more than 200', async () => {
      const store = current();
      for (let index = 0; index < 205; index += 1) await store.createRun(newRun());
      const byDefault = await store.listRuns({ tenantId: 'tenant-a' });
      expect(byDefault.runs).toHaveLength(50);
      expect(byDefault.nextCursor).toBeDefined();
      const large = await store.listRuns({ tenantId: 'tenant-a', limit: 1000 });
      expect(large.runs).toHaveLength(200);
      expect(large.nextCursor).toBeDefined();
    });

    it('filters by status, agent, user and session', async () => {
      const store = current();
      const alice = await store.createRun(newRun({ userId: 'alice', agent: 'billing', sessionId: 'alice-thread' }));
      const bob = await store.createRun(newRun({ userId: 'bob' }));
      await finishRun(store, bob.run.id, 'failed');

      const ids = async (query: Omit<Parameters<typeof store.listRuns>[0], 'tenantId'>): Promise<string[]> =>
        (await store.listRuns({ tenantId: 'tenant-a', ...query })).runs.map((run) => run.id);
      expect(await ids({ status: 'failed' })).toEqual([bob.run.id]);
      expect(await ids({ status: 'queued' })).toEqual([alice.run.id]);
      expect(await ids({ agent: 'billing' })).toEqual([alice.run.id]);
      expect(await ids({ userId: 'bob' })).toEqual([bob.run.id]);
      expect(await ids({ sessionId: 'alice-thread' })).toEqual([alice.run.id]);
      expect(await ids({ sessionId: 'alice-thread', userId: 'bob' })).toEqual([]);
    });

    it('rejects a cursor it did not produce and a non-positive limit', async () => {
      const store = current();
      await expectKeelError(store.listRuns({ tenantId: 'tenant-a', cursor: 'not-a-cursor' }), 'INPUT_INVALID');
      await expectKeelError(store.listRuns({ tenantId: 'tenant-a', limit: 0 }), 'INPUT_INVALID');
    });

    it("gives cursors that name only the caller's own run, and another tenant's cursor an empty page", async () => {
      const store = current();
      for (let index = 0; index < 3; index += 1) await store.createRun(newRun({ tenantId: 'tenant-b', now: at(index) }));
      const mine = [await store.createRun(newRun({ now: at(10) })), await store.createRun(newRun({ now: at(11) }))];
      const first = await store.listRuns({ tenantId: 'tenant-a', limit: 1 });
      expect(first.nextCursor).toBeDefined();
      // Nothing in it counts other tenants' runs: it decodes to a run id the caller already has.
      expect(Buffer.from(first.nextCursor!, 'base64url').toString()).toBe(`i${mine[1]!.run.id}`);
      expect((await store.listRuns({ tenantId: 'tenant-a', cursor: first.nextCursor! })).runs.map((run) => run.id)).toEqual([mine[0]!.run.id]);
      expect(await store.listRuns({ tenantId: 'tenant-b', cursor: first.nextCursor! })).toEqual({ runs: [] });
    });
  });

  describe('patches', () => {
    it('round-trips every patch field and leaves absent ones unchanged', async () => {
      const store = current();
      const { run } = await store.createRun(newRun());
      const lease = await claim(store, run.id);
      await appendAs(store, lease, [], { status: 'running', startedAt: at(10) }, at(10));
      await appendAs(store, lease, [{ type: 'run-waiting', reason: 'budget' }], { status: 'waiting', waitingReason: 'budget' }, at(20));
      expect(await store.getRun('tenant-a', run.id)).toMatchObject({
        status: 'waiting',
        waitingReason: 'budget',
        startedAt: at(10).toISOString(),
        updatedAt: at(20).toISOString(),
      });

      const usage = { inputTokens: 120, outputTokens: 30, cachedTokens: 100 };
      const error = { code: 'TOOL_FAILED' as const, message: 'upstream said no', details: { status: 502 } };
      await appendAs(store, lease, [{ type: 'run-resume', reason: 'budget' }], { status: 'running', waitingReason: null, usage, error }, at(30));
      await appendAs(
        store,
        lease,
        [{ type: 'run-end', status: 'completed', output: { answer: 42 } }],
        { status: 'completed', output: { answer: 42, items: [1, 'two', null] }, error: null, endedAt: at(40) },
        at(40),
      );

      expect(await store.getRun('tenant-a', run.id)).toMatchObject({
        status: 'completed',
        waitingReason: null,
        output: { answer: 42, items: [1, 'two', null] },
        error: null,
        usage,
        startedAt: at(10).toISOString(),
        endedAt: at(40).toISOString(),
        updatedAt: at(40).toISOString(),
        createdAt: start.toISOString(),
        lastSeq: 4,
      });
    });

    it('keeps JSON that holds a NUL character (\\u0000) in output, error, metadata, messages and the journal', async () => {
      const store = current();
      const nul = 'before\u0000after';
      const { run } = await store.createRun(newRun({ metadata: { note: nul } }));
      const lease = await claim(store, run.id);
      const error = { code: 'TOOL_FAILED' as const, message: nul };
      await appendAs(store, lease, [{ type: 'text-delta', step: 1, attempt: 1, text: nul }], { error });
      expect((await store.getRun('tenant-a', run.id))?.error).toEqual(error);
      await appendAs(store, lease, [{ type: 'run-end', status: 'completed', output: nul }], {
        status: 'completed',
        output: { text: nul },
        error: null,
        sessionMessages: [{ role: 'assistant', content: nul }],
      });

      expect(await store.getRun('tenant-a', run.id)).toMatchObject({ output: { text: nul }, metadata: { note: nul }, error: null });
      expect(
        (await store.readJournal(run.id, { afterSeq: 1 })).map((entry) =>
          entry.type === 'text-delta' ? entry.text : entry.type === 'run-end' ? entry.output : undefined,
        ),
      ).toEqual([nul, nul]);
      expect(await store.listSessionMessages('tenant-a', run.sessionId)).toEqual([{ role: 'assistant', content: nul }]);
    });

    it('stores an error until it is cleared', async () => {
      const store = current();
      const { run } = await store.createRun(newRun());
      const lease = await claim(store, run.id);
      const error = { code: 'MODEL_TIMEOUT' as const, message: 'took too long' };
      await appendAs(store, lease, [{ type: 'run-end', status: 'failed', error }], { status: 'failed', error });
      expect((await store.getRun('tenant-a', run.id))?.error).toEqual(error);
    });

    it('keeps the session record of the user who created it', async () => {
      const store = current();
      const { run } = await store.createRun(newRun({ sessionId: uniqueId('thread') }));
      expect(await store.getSession('tenant-a', run.sessionId)).toEqual({
        id: run.sessionId,
        tenantId: 'tenant-a',
        userId: 'user-1',
        agent: 'support',
        createdAt: start.toISOString(),
        updatedAt: start.toISOString(),
      });
    });
  });
}
