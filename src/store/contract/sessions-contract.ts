import { describe, expect, it } from 'vitest';
import type { ModelMessage } from '../../journal/messages.ts';
import { appendAs, at, claim, type CurrentStore, expectKeelError, finishRun, newRun, start } from './fixtures.ts';

export function describeSessionContract(current: CurrentStore): void {
  describe('session ownership', () => {
    it("refuses another user's session and writes nothing", async () => {
      const store = current();
      await store.createRun(newRun({ sessionId: 'thread', userId: 'alice' }));

      await expectKeelError(store.createRun(newRun({ sessionId: 'thread', userId: 'mallory' })), 'SESSION_NOT_FOUND');
      expect((await store.listRuns({ tenantId: 'tenant-a' })).runs).toHaveLength(1);
      expect(await store.getSession('tenant-a', 'thread')).toMatchObject({ userId: 'alice' });
    });

    it("lets a session's owner add runs to it", async () => {
      const store = current();
      await store.createRun(newRun({ sessionId: 'thread', userId: 'alice' }));
      const second = await store.createRun(newRun({ sessionId: 'thread', userId: 'alice', now: at(5000) }));
      expect(second.created).toBe(true);
      expect(await store.getSession('tenant-a', 'thread')).toMatchObject({
        createdAt: start.toISOString(),
        updatedAt: at(5000).toISOString(),
      });
    });
  });

  describe('createSession: false', () => {
    it('refuses a session that does not exist with SESSION_NOT_FOUND, and writes nothing', async () => {
      const store = current();
      await expectKeelError(store.createRun(newRun({ sessionId: 'typo', createSession: false })), 'SESSION_NOT_FOUND');
      await expectKeelError(store.createRun(newRun({ sessionId: 'typo', createSession: false, idempotencyKey: 'retry-1' })), 'SESSION_NOT_FOUND');
      expect(await store.getSession('tenant-a', 'typo')).toBeUndefined();
      expect((await store.listRuns({ tenantId: 'tenant-a' })).runs).toEqual([]);
      // The refused key was not taken: the same key may start a run once the session exists.
      await store.createRun(newRun({ sessionId: 'typo' }));
      expect((await store.createRun(newRun({ sessionId: 'typo', createSession: false, idempotencyKey: 'retry-1' }))).created).toBe(true);
    });

    it("adds a run to an existing session of the same user, and refuses another user's or another tenant's", async () => {
      const store = current();
      await store.createRun(newRun({ sessionId: 'thread', userId: 'alice', now: at(1_000) }));
      const added = await store.createRun(newRun({ sessionId: 'thread', userId: 'alice', createSession: false, now: at(2_000) }));
      expect([added.created, added.run.sessionId]).toEqual([true, 'thread']);
      await expectKeelError(store.createRun(newRun({ sessionId: 'thread', userId: 'mallory', createSession: false })), 'SESSION_NOT_FOUND');
      await expectKeelError(store.createRun(newRun({ tenantId: 'tenant-b', sessionId: 'thread', userId: 'alice', createSession: false })), 'SESSION_NOT_FOUND');
      expect((await store.listRuns({ tenantId: 'tenant-a' })).runs).toHaveLength(2);
      expect(await store.getSession('tenant-b', 'thread')).toBeUndefined();
      expect(await store.getSession('tenant-a', 'thread')).toMatchObject({ updatedAt: at(2_000).toISOString() });
    });
  });

  describe('session queue', () => {
    it('keeps the second run of a session unclaimable until the first is terminal', async () => {
      const store = current();
      const first = await store.createRun(newRun({ sessionId: 'thread' }));
      const second = await store.createRun(newRun({ sessionId: 'thread' }));
      const elsewhere = await store.createRun(newRun({ sessionId: 'other-thread' }));

      const claimed = await store.claimRunnable({ owner: 'worker-1', leaseMs: 600_000, now: start, limit: 10 });
      expect(claimed.map((lease) => lease.runId)).toEqual([first.run.id, elsewhere.run.id]);
      expect(await store.claimRun(second.run.id, { owner: 'worker-2', leaseMs: 30_000, now: start })).toBeUndefined();

      // Still blocked while the first run waits, holds no lease, or its lease has expired.
      const firstLease = claimed[0];
      if (firstLease === undefined) throw new Error('expected a lease');
      await appendAs(store, firstLease, [{ type: 'run-waiting', reason: 'approval' }], { status: 'waiting', waitingReason: 'approval' });
      await store.releaseLease(first.run.id, firstLease.epoch);
      expect(await store.claimRunnable({ owner: 'worker-2', leaseMs: 30_000, now: at(60_000), limit: 10 })).toEqual([]);

      await store.markRunnable('tenant-a', first.run.id);
      await finishRun(store, first.run.id, 'completed', at(60_000));
      const next = await store.claimRunnable({ owner: 'worker-2', leaseMs: 30_000, now: at(60_000), limit: 10 });
      expect(next.map((lease) => lease.runId)).toEqual([second.run.id]);
    });

    it('treats failed and cancelled runs as finished too', async () => {
      const store = current();
      const first = await store.createRun(newRun({ sessionId: 'thread' }));
      const second = await store.createRun(newRun({ sessionId: 'thread' }));
      const third = await store.createRun(newRun({ sessionId: 'thread' }));
      await finishRun(store, first.run.id, 'failed');
      await finishRun(store, second.run.id, 'cancelled');
      const next = await store.claimRunnable({ owner: 'worker-1', leaseMs: 30_000, now: start, limit: 10 });
      expect(next.map((lease) => lease.runId)).toEqual([third.run.id]);
    });

    it("rejects a new run with the 'reject' policy while the session is busy", async () => {
      const store = current();
      const first = await store.createRun(newRun({ sessionId: 'thread', sessionPolicy: 'reject' }));
      await expectKeelError(store.createRun(newRun({ sessionId: 'thread', sessionPolicy: 'reject' })), 'SESSION_BUSY');
      expect((await store.listRuns({ tenantId: 'tenant-a' })).runs).toHaveLength(1);

      await finishRun(store, first.run.id);
      const after = await store.createRun(newRun({ sessionId: 'thread', sessionPolicy: 'reject' }));
      expect(after.created).toBe(true);
    });

    it("queues a new run behind a busy session with the 'queue' policy", async () => {
      const store = current();
      await store.createRun(newRun({ sessionId: 'thread' }));
      const queued = await store.createRun(newRun({ sessionId: 'thread', sessionPolicy: 'queue' }));
      expect(queued.run.status).toBe('queued');
    });
  });

  describe('session messages', () => {
    it('returns the messages runs added, oldest first', async () => {
      const store = current();
      const first = await store.createRun(newRun({ sessionId: 'thread' }));
      const second = await store.createRun(newRun({ sessionId: 'thread' }));
      const firstTurn: ModelMessage[] = [
        { role: 'user', content: 'Where is my order?' },
        { role: 'assistant', content: '', toolCalls: [{ callId: 'c1', toolName: 'lookup', arguments: '{"id":1001}' }] },
        { role: 'tool', callId: 'c1', toolName: 'lookup', content: { status: 'shipped' } },
        { role: 'assistant', content: 'It shipped.' },
      ];
      const secondTurn: ModelMessage[] = [
        { role: 'user', content: 'When will it arrive?' },
        { role: 'assistant', content: 'Tomorrow.' },
      ];

      expect(await store.listSessionMessages('tenant-a', 'thread')).toEqual([]);
      const firstLease = await claim(store, first.run.id);
      await appendAs(store, firstLease, [{ type: 'run-end', status: 'completed' }], { status: 'completed', sessionMessages: firstTurn });
      const secondLease = await claim(store, second.run.id);
      await appendAs(store, secondLease, [{ type: 'run-end', status: 'completed' }], { status: 'completed', sessionMessages: secondTurn });

      expect(await store.listSessionMessages('tenant-a', 'thread')).toEqual([...firstTurn, ...secondTurn]);
    });

    it('writes no messages when the fenced append fails', async () => {
      const store = current();
      const { run } = await store.createRun(newRun({ sessionId: 'thread' }));
      const lease = await claim(store, run.id);
      const stale = { runId: run.id, epoch: lease.epoch - 1, lastSeq: 1, now: start };
      await expectKeelError(
        store.append(stale, [{ type: 'run-end', status: 'completed' }], { sessionMessages: [{ role: 'user', content: 'hi' }] }),
        'LEASE_LOST',
      );
      expect(await store.listSessionMessages('tenant-a', 'thread')).toEqual([]);
    });

    it('keeps sessions apart', async () => {
      const store = current();
      const { run } = await store.createRun(newRun({ sessionId: 'thread' }));
      await store.createRun(newRun({ sessionId: 'other-thread' }));
      const lease = await claim(store, run.id);
      await appendAs(store, lease, [], { sessionMessages: [{ role: 'user', content: 'hi' }] });
      expect(await store.listSessionMessages('tenant-a', 'other-thread')).toEqual([]);
      expect(await store.listSessionMessages('tenant-a', 'thread')).toEqual([{ role: 'user', content: 'hi' }]);
    });
  });
}
