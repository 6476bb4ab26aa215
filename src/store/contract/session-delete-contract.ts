import { describe, expect, it } from 'vitest';
import { appendAs, claim, type CurrentStore, expectKeelError, newRun } from './fixtures.ts';

export function describeSessionDeleteContract(current: CurrentStore): void {
  describe('session deletion', () => {
    it("removes the session's messages and nothing of other sessions; runs and the session stay", async () => {
      const store = current();
      const { run } = await store.createRun(newRun({ sessionId: 'thread' }));
      const { run: other } = await store.createRun(newRun({ sessionId: 'other-thread' }));
      await appendAs(store, await claim(store, run.id), [{ type: 'run-end', status: 'completed' }], {
        status: 'completed',
        sessionMessages: [{ role: 'user', content: 'hi' }],
      });
      await appendAs(store, await claim(store, other.id), [{ type: 'run-end', status: 'completed' }], {
        status: 'completed',
        sessionMessages: [{ role: 'user', content: 'yo' }],
      });

      expect(await store.deleteSession('tenant-a', 'thread')).toBe(true);
      expect(await store.listSessionMessages('tenant-a', 'thread')).toEqual([]);
      expect(await store.listSessionMessages('tenant-a', 'other-thread')).toEqual([{ role: 'user', content: 'yo' }]);
      expect(await store.getSession('tenant-a', 'thread')).toMatchObject({ id: 'thread' });
      expect(await store.getRun('tenant-a', run.id)).toMatchObject({ status: 'completed' });
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
