import { describe, expect, it } from 'vitest';
import { appendAs, at, claim, type CurrentStore, expectKeelError, newRun } from './fixtures.ts';

export function describeSessionDeleteContract(current: CurrentStore): void {
  describe('session deletion', () => {
    it("erases the session's conversation and nothing of other sessions; the runs stay, without content", async () => {
      const store = current();
      const { run } = await store.createRun(newRun({ sessionId: 'thread', input: 'my card is 4111 1111 1111 1111' }));
      const { run: other } = await store.createRun(newRun({ sessionId: 'other-thread' }));
      await store.putCachedModelResponse({
        tenantId: 'tenant-a',
        key: 'answer-of-thread',
        response: { text: 'refunded 4111' },
        runId: run.id,
        now: at(0),
        expiresAt: at(60_000),
      });
      await store.putCachedModelResponse({
        tenantId: 'tenant-a',
        key: 'answer-of-other',
        response: { text: 'yo' },
        runId: other.id,
        now: at(0),
        expiresAt: at(60_000),
      });
      await appendAs(
        store,
        await claim(store, run.id),
        [
          { type: 'step-start', step: 1, attempt: 1 },
          { type: 'text-delta', step: 1, attempt: 1, text: 'refunded 4111' },
          { type: 'run-end', status: 'completed', output: 'refunded 4111' },
        ],
        {
          status: 'completed',
          output: 'refunded 4111',
          sessionMessages: [{ role: 'user', content: 'hi' }],
        },
      );
      await appendAs(store, await claim(store, other.id), [{ type: 'run-end', status: 'completed' }], {
        status: 'completed',
        sessionMessages: [{ role: 'user', content: 'yo' }],
      });

      expect(await store.deleteSession('tenant-a', 'thread')).toBe(true);
      expect(await store.listSessionMessages('tenant-a', 'thread')).toEqual([]);
      expect(await store.listSessionMessages('tenant-a', 'other-thread')).toEqual([{ role: 'user', content: 'yo' }]);
      expect(await store.getSession('tenant-a', 'thread')).toBeUndefined();
      expect(await store.getRun('tenant-a', run.id)).toMatchObject({ status: 'completed', input: '', output: null, erasedAt: expect.any(String) });
      const journal = await store.readJournal(run.id);
      expect(journal.map((entry) => entry.type)).toEqual(['run-start', 'step-start', 'text-delta', 'run-end']);
      expect(JSON.stringify(journal)).not.toMatch(/4111/);
      expect(await store.getCachedModelResponse('tenant-a', 'answer-of-thread', at(1))).toBeUndefined();
      expect(await store.getCachedModelResponse('tenant-a', 'answer-of-other', at(1))).toEqual({ text: 'yo' });
      expect(await store.getRun('tenant-a', other.id)).toMatchObject({ input: 'Where is my order?', erasedAt: null });
      expect(await store.deleteSession('tenant-a', 'thread')).toBe(false);
    });

    it('lets a new run under a deleted session id start a new session, with no history', async () => {
      const store = current();
      const { run } = await store.createRun(newRun({ sessionId: 'thread', userId: 'alice' }));
      await appendAs(store, await claim(store, run.id), [{ type: 'run-end', status: 'completed' }], {
        status: 'completed',
        sessionMessages: [{ role: 'user', content: 'hi' }],
      });
      expect(await store.deleteSession('tenant-a', 'thread')).toBe(true);
      const again = await store.createRun(newRun({ sessionId: 'thread', userId: 'bob', now: at(5_000) }));
      expect(again.created).toBe(true);
      expect(await store.getSession('tenant-a', 'thread')).toMatchObject({ userId: 'bob', createdAt: at(5_000).toISOString() });
      expect(await store.listSessionMessages('tenant-a', 'thread')).toEqual([]);
    });

    it("answers false for an unknown session and for another tenant's", async () => {
      const store = current();
      const { run } = await store.createRun(newRun({ sessionId: 'thread' }));
      await appendAs(store, await claim(store, run.id), [{ type: 'run-end', status: 'completed' }], {
        status: 'completed',
        sessionMessages: [{ role: 'user', content: 'hi' }],
      });
      expect(await store.deleteSession('tenant-b', 'thread')).toBe(false);
      expect(await store.deleteSession('tenant-a', 'nope')).toBe(false);
      expect(await store.listSessionMessages('tenant-a', 'thread')).toHaveLength(1);
    });

    it('refuses while the session has an unfinished run', async () => {
      const store = current();
      await store.createRun(newRun({ sessionId: 'thread' }));
      await expectKeelError(store.deleteSession('tenant-a', 'thread'), 'SESSION_BUSY');
    });
  });
}
