import { describe, expect, it } from 'vitest';
import { appendAs, at, claim, type CurrentStore, expectKeelError, newRun, start, textDelta, usageUpdate } from './fixtures.ts';

const leaseMs = 30_000;

export function describeLeaseContract(current: CurrentStore): void {
  describe('fenced append', () => {
    it('appends gapless entries after the fence and moves lastSeq', async () => {
      const store = current();
      const { run } = await store.createRun(newRun());
      const lease = await claim(store, run.id);
      await store.append({ runId: run.id, epoch: lease.epoch, lastSeq: 1, now: at(5) }, [textDelta('Hel'), textDelta('lo')]);

      const journal = await store.readJournal(run.id);
      expect(journal.map((entry) => [entry.seq, entry.type])).toEqual([
        [1, 'run-start'],
        [2, 'text-delta'],
        [3, 'text-delta'],
      ]);
      expect(journal[2]).toEqual({ type: 'text-delta', step: 1, attempt: 1, text: 'lo', seq: 3, at: at(5).toISOString(), v: 1 });
      expect((await store.getRun('tenant-a', run.id))?.lastSeq).toBe(3);
    });

    it('rejects a wrong epoch with LEASE_LOST and writes nothing', async () => {
      const store = current();
      const { run } = await store.createRun(newRun());
      const lease = await claim(store, run.id);
      const before = await store.getRun('tenant-a', run.id);

      await expectKeelError(
        store.append({ runId: run.id, epoch: lease.epoch + 1, lastSeq: 1, now: at(5) }, [usageUpdate], { status: 'running', startedAt: at(5) }),
        'LEASE_LOST',
      );
      expect(await store.readJournal(run.id)).toHaveLength(1);
      expect(await store.getRun('tenant-a', run.id)).toEqual(before);
    });

    it('rejects a wrong lastSeq with LEASE_LOST and writes nothing', async () => {
      const store = current();
      const { run } = await store.createRun(newRun());
      const lease = await claim(store, run.id);
      await store.append({ runId: run.id, epoch: lease.epoch, lastSeq: 1, now: start }, [usageUpdate]);

      // A writer that missed the last append (or retries one that did commit) must not fork the journal.
      await expectKeelError(store.append({ runId: run.id, epoch: lease.epoch, lastSeq: 1, now: start }, [usageUpdate]), 'LEASE_LOST');
      await expectKeelError(store.append({ runId: run.id, epoch: lease.epoch, lastSeq: 5, now: start }, [usageUpdate]), 'LEASE_LOST');
      expect((await store.readJournal(run.id)).map((entry) => entry.seq)).toEqual([1, 2]);
    });
  });

  describe('claims and expiry', () => {
    it('claims queued runs oldest first, bumping the epoch and setting owner and expiry', async () => {
      const store = current();
      const first = await store.createRun(newRun());
      const second = await store.createRun(newRun());
      const third = await store.createRun(newRun());

      const leases = await store.claimRunnable({ owner: 'worker-1', leaseMs, now: start, limit: 2 });
      expect(leases.map((lease) => lease.runId)).toEqual([first.run.id, second.run.id]);
      expect(leases[0]).toMatchObject({ owner: 'worker-1', epoch: 1, expiresAt: at(leaseMs) });
      // A claimed run shows as running at once, not only from its first commit.
      expect(leases[0]?.run).toMatchObject({ id: first.run.id, status: 'running' });
      expect(await store.getRun('tenant-a', first.run.id)).toMatchObject({ status: 'running' });
      expect(await store.getRun('tenant-a', third.run.id)).toMatchObject({ status: 'queued' });

      const rest = await store.claimRunnable({ owner: 'worker-2', leaseMs, now: start, limit: 10 });
      expect(rest.map((lease) => lease.runId)).toEqual([third.run.id]);
      expect(await store.claimRunnable({ owner: 'worker-2', leaseMs, now: start, limit: 10 })).toEqual([]);
    });

    it("releases every lease of one owner, live or expired, and leaves other owners' leases alone", async () => {
      const store = current();
      const mine = [await store.createRun(newRun()), await store.createRun(newRun())];
      const theirs = await store.createRun(newRun());
      const live = await claim(store, mine[0]!.run.id, 'node-a');
      await claim(store, mine[1]!.run.id, 'node-a');
      const other = await claim(store, theirs.run.id, 'node-b');

      expect((await store.releaseLeasesOf('node-a')).sort()).toEqual([mine[0]!.run.id, mine[1]!.run.id].sort());
      // Claimable again at once, long before the leases would have expired, with a new epoch.
      const again = await store.claimRunnable({ owner: 'node-a', leaseMs, now: at(1), limit: 10 });
      expect(again.map((lease) => lease.runId).sort()).toEqual([mine[0]!.run.id, mine[1]!.run.id].sort());
      expect(again.find((lease) => lease.runId === live.runId)?.epoch).toBe(live.epoch + 1);
      // The old holder is fenced out; the other node still holds its run.
      await expectKeelError(appendAs(store, live, [usageUpdate]), 'LEASE_LOST');
      expect(await store.renewLeases('node-b', [{ runId: other.runId, epoch: other.epoch }], { leaseMs, now: at(2) })).toEqual({
        lost: [],
        cancelRequested: [],
      });
      expect(await store.releaseLeasesOf('node-c')).toEqual([]);
    });

    it('reclaims an expired lease with a higher epoch and fences out the old holder', async () => {
      const store = current();
      const { run } = await store.createRun(newRun());
      const zombie = await claim(store, run.id, 'worker-1');
      await appendAs(store, zombie, [usageUpdate], { status: 'running', startedAt: start });

      expect(await store.claimRunnable({ owner: 'worker-2', leaseMs, now: at(leaseMs - 1), limit: 1 })).toEqual([]);
      const [taken] = await store.claimRunnable({ owner: 'worker-2', leaseMs, now: at(leaseMs), limit: 1 });
      expect(taken).toMatchObject({ runId: run.id, owner: 'worker-2', epoch: zombie.epoch + 1 });
      // A running run is reclaimed as it is: the engine decides what to do with it.
      expect(taken?.run).toMatchObject({ status: 'running', lastSeq: 2 });

      await expectKeelError(store.append({ runId: run.id, epoch: zombie.epoch, lastSeq: 2, now: at(leaseMs) }, [usageUpdate]), 'LEASE_LOST');
      if (taken === undefined) throw new Error('expected a lease');
      await store.append({ runId: run.id, epoch: taken.epoch, lastSeq: 2, now: at(leaseMs) }, [usageUpdate]);
      expect((await store.readJournal(run.id)).map((entry) => entry.seq)).toEqual([1, 2, 3]);
    });

    it('claims one specific run only when it is not leased by a live owner and not finished', async () => {
      const store = current();
      const { run } = await store.createRun(newRun());
      const lease = await claim(store, run.id, 'worker-1');
      expect(await store.claimRun(run.id, { owner: 'worker-2', leaseMs, now: at(1) })).toBeUndefined();

      const reclaimed = await claim(store, run.id, 'worker-2', at(leaseMs + 1));
      expect(reclaimed.epoch).toBe(lease.epoch + 1);
      await appendAs(store, reclaimed, [{ type: 'run-end', status: 'completed' }], { status: 'completed' });
      await store.releaseLease(run.id, reclaimed.epoch);
      expect(await store.claimRun(run.id, { owner: 'worker-3', leaseMs, now: at(leaseMs * 10) })).toBeUndefined();
      expect(await store.claimRun('no-such-run', { owner: 'worker-3', leaseMs, now: start })).toBeUndefined();
    });

    it('claims a run as it creates it when asked, exactly as claimRun would', async () => {
      const store = current();
      const input = newRun();
      const { run, created, lease } = await store.createRun({ ...input, claim: { owner: 'worker-1', leaseMs, now: at(1) } });
      expect(created).toBe(true);
      expect(run.status).toBe('queued');
      expect(lease).toMatchObject({ runId: run.id, owner: 'worker-1', epoch: 1, run: { id: run.id, lastSeq: 1 } });
      // Leased: nobody else claims it, and its holder appends under that lease.
      expect(await store.claimRun(run.id, { owner: 'worker-2', leaseMs, now: at(2) })).toBeUndefined();
      if (lease === undefined) throw new Error('expected a lease');
      await appendAs(store, lease, [{ type: 'run-end', status: 'completed' }], { status: 'completed' });
      expect((await store.getRun('tenant-a', run.id))?.status).toBe('completed');

      // A run queued behind its session's older unfinished run is created, and not claimed.
      const older = await store.createRun(newRun({ sessionId: 'ses-queue' }));
      const behind = await store.createRun({ ...newRun({ sessionId: 'ses-queue' }), claim: { owner: 'worker-1', leaseMs, now: at(3) } });
      expect(behind.created).toBe(true);
      expect(behind.lease).toBeUndefined();
      expect(await store.claimRun(older.run.id, { owner: 'worker-1', leaseMs, now: at(4) })).toBeDefined();

      // A tenant at its concurrency cap gets its run created, and not claimed.
      await store.setTenantLimits('tenant-capped', { maxConcurrentRuns: 0 });
      const capped = await store.createRun({ ...newRun({ tenantId: 'tenant-capped' }), claim: { owner: 'worker-1', leaseMs, now: at(5) } });
      expect(capped.created).toBe(true);
      expect(capped.lease).toBeUndefined();

      // A repeated idempotent request creates nothing, so claims nothing.
      const keyed = newRun({ idempotencyKey: 'key-claim' });
      await store.createRun(keyed);
      const again = await store.createRun({ ...keyed, claim: { owner: 'worker-1', leaseMs, now: at(5) } });
      expect(again.created).toBe(false);
      expect(again.lease).toBeUndefined();
    });

    it('claims waiting runs only when asked to', async () => {
      const store = current();
      const { run } = await store.createRun(newRun());
      const lease = await claim(store, run.id);
      await appendAs(store, lease, [{ type: 'run-waiting', reason: 'human' }], { status: 'waiting', waitingReason: 'human' });
      await store.releaseLease(run.id, lease.epoch);

      expect(await store.claimRunnable({ owner: 'worker-2', leaseMs, now: start, limit: 10 })).toEqual([]);
      expect(await store.claimRun(run.id, { owner: 'worker-2', leaseMs, now: start })).toBeUndefined();
      const waiting = await store.claimRun(run.id, { owner: 'worker-2', leaseMs, now: start, includeWaiting: true });
      expect(waiting).toMatchObject({ epoch: lease.epoch + 1, run: { status: 'waiting', waitingReason: 'human' } });
    });
  });

  describe('renewLeases and releaseLease', () => {
    it('extends held leases and reports lost and cancel-requested ones', async () => {
      const store = current();
      const stolen = await store.createRun(newRun());
      const expired = await store.createRun(newRun());
      const cancelled = await store.createRun(newRun());
      const leases = await store.claimRunnable({ owner: 'worker-1', leaseMs, now: start, limit: 3 });
      expect(leases).toHaveLength(3);

      const [theft] = await store.claimRunnable({ owner: 'worker-2', leaseMs: 10 * leaseMs, now: at(leaseMs), limit: 1 });
      expect(theft?.runId).toBe(stolen.run.id);
      // worker-1 renews late: `stolen` was taken over; `expired` ran out but nobody took it, so
      // it is still worker-1's (the epoch did not move).
      await store.requestCancel('tenant-a', cancelled.run.id);
      const result = await store.renewLeases(
        'worker-1',
        leases.map((lease) => ({ runId: lease.runId, epoch: lease.epoch })),
        { leaseMs, now: at(leaseMs + 10) },
      );
      expect(result).toEqual({ lost: [stolen.run.id], cancelRequested: [cancelled.run.id] });

      // The renewed leases now run until at(2 * leaseMs + 10): nobody can claim them before.
      expect(await store.claimRunnable({ owner: 'worker-3', leaseMs, now: at(2 * leaseMs), limit: 10 })).toEqual([]);
      const later = await store.claimRunnable({ owner: 'worker-3', leaseMs, now: at(2 * leaseMs + 10), limit: 10 });
      expect(later.map((lease) => lease.runId)).toEqual([expired.run.id, cancelled.run.id]);
    });

    it('does not renew a lease for another owner', async () => {
      const store = current();
      const { run } = await store.createRun(newRun());
      const lease = await claim(store, run.id, 'worker-1');
      const result = await store.renewLeases('worker-2', [{ runId: run.id, epoch: lease.epoch }], { leaseMs, now: start });
      expect(result.lost).toEqual([run.id]);
    });

    it('counts live leases on runs that want a worker, until they expire or are released', async () => {
      const store = current();
      const held = await store.createRun(newRun());
      const released = await store.createRun(newRun());
      const parked = await store.createRun(newRun());
      await store.createRun(newRun()); // never claimed: no lease to count
      const [heldLease, releasedLease, parkedLease] = await store.claimRunnable({ owner: 'worker-1', leaseMs, now: start, limit: 3 });
      if (heldLease === undefined || releasedLease === undefined || parkedLease === undefined) throw new Error('expected three leases');
      expect(await store.countLiveLeases(start)).toBe(3);

      await store.releaseLease(released.run.id, releasedLease.epoch);
      // A waiting run needs nobody until it is resumed or cancelled.
      await appendAs(store, parkedLease, [{ type: 'run-waiting', reason: 'approval' }], { status: 'waiting', waitingReason: 'approval' });
      expect(await store.countLiveLeases(start)).toBe(1);
      await store.requestCancel('tenant-a', parked.run.id);
      expect(await store.countLiveLeases(start)).toBe(2);

      expect(await store.countLiveLeases(at(leaseMs - 1))).toBe(2);
      expect(await store.countLiveLeases(at(leaseMs))).toBe(0);
      expect(held.run.id).toBe(heldLease.runId);
    });

    it('handles an empty renewal', async () => {
      expect(await current().renewLeases('worker-1', [], { leaseMs, now: start })).toEqual({ lost: [], cancelRequested: [] });
    });

    it('lets go of the lease in the commit that parks or ends the run, when the append asks', async () => {
      const store = current();
      const held = await store.createRun(newRun());
      const letGo = await store.createRun(newRun());
      const [heldLease, letGoLease] = await store.claimRunnable({ owner: 'worker-1', leaseMs, now: start, limit: 2 });
      if (heldLease?.runId !== held.run.id || letGoLease?.runId !== letGo.run.id) throw new Error('expected both runs claimed in order');
      const parking = { status: 'waiting', waitingReason: 'approval' } as const;
      await appendAs(store, heldLease, [{ type: 'run-waiting', reason: 'approval' }], parking);
      await appendAs(store, letGoLease, [{ type: 'run-waiting', reason: 'approval' }], { ...parking, releaseLease: true });

      // Parked without letting go, the lease stays live until it expires; let go, the run can be
      // resumed by anyone at once, with the next epoch, and its old holder no longer holds it.
      const resume = { owner: 'worker-2', leaseMs, now: at(1), includeWaiting: true };
      expect(await store.claimRun(held.run.id, resume)).toBeUndefined();
      const resumed = await store.claimRun(letGo.run.id, resume);
      expect(resumed?.epoch).toBe(letGoLease.epoch + 1);
      const renewal = await store.renewLeases('worker-1', [heldLease, letGoLease], { leaseMs, now: at(2) });
      expect(renewal.lost).toEqual([letGo.run.id]);

      // The same on the commit that ends a run: nothing is left to release.
      if (resumed === undefined) throw new Error('expected the resumed lease');
      await appendAs(store, resumed, [{ type: 'run-end', status: 'completed' }], { status: 'completed', endedAt: at(3), releaseLease: true });
      expect((await store.renewLeases('worker-2', [resumed], { leaseMs, now: at(4) })).lost).toEqual([letGo.run.id]);
      const ended = await store.getRun('tenant-a', letGo.run.id);
      expect({ status: ended?.status, lastSeq: ended?.lastSeq }).toEqual({ status: 'completed', lastSeq: 3 });
    });

    it('releases a lease so another worker can claim at once, and ignores a stale release', async () => {
      const store = current();
      const { run } = await store.createRun(newRun());
      const first = await claim(store, run.id, 'worker-1');
      await store.releaseLease(run.id, first.epoch);

      const second = await claim(store, run.id, 'worker-2', at(1));
      expect(second.epoch).toBe(first.epoch + 1);
      await store.releaseLease(run.id, first.epoch);
      expect(await store.claimRun(run.id, { owner: 'worker-3', leaseMs, now: at(2) })).toBeUndefined();
      expect((await store.getRun('tenant-a', run.id))?.lastSeq).toBe(1);
    });
  });

  describe('requestCancel and markRunnable', () => {
    it('marks an unfinished run for cancellation and leaves a finished one alone', async () => {
      const store = current();
      const { run } = await store.createRun(newRun());
      const marked = await store.requestCancel('tenant-a', run.id);
      expect(marked).toMatchObject({ id: run.id, status: 'queued', cancelRequested: true });

      const done = await store.createRun(newRun());
      const lease = await claim(store, done.run.id);
      await appendAs(store, lease, [{ type: 'run-end', status: 'completed' }], { status: 'completed' });
      expect(await store.requestCancel('tenant-a', done.run.id)).toMatchObject({ status: 'completed', cancelRequested: false });
      expect(await store.requestCancel('tenant-a', 'no-such-run')).toBeUndefined();
    });

    it('keeps a cancel-requested run without a live lease claimable, so the claimant can end it', async () => {
      const store = current();
      const queued = await store.createRun(newRun());
      const waiting = await store.createRun(newRun());
      const lease = await claim(store, waiting.run.id);
      await appendAs(store, lease, [{ type: 'run-waiting', reason: 'approval' }], { status: 'waiting', waitingReason: 'approval' });
      await store.releaseLease(waiting.run.id, lease.epoch);

      await store.requestCancel('tenant-a', queued.run.id);
      await store.requestCancel('tenant-a', waiting.run.id);
      const claimed = await store.claimRunnable({ owner: 'worker-2', leaseMs, now: start, limit: 10 });
      expect(claimed.map((entry) => [entry.runId, entry.run.cancelRequested])).toEqual([
        [queued.run.id, true],
        [waiting.run.id, true],
      ]);
    });

    it('moves a waiting run back to queued so a worker picks it up', async () => {
      const store = current();
      const { run } = await store.createRun(newRun());
      const lease = await claim(store, run.id);
      await appendAs(store, lease, [{ type: 'run-waiting', reason: 'approval' }], { status: 'waiting', waitingReason: 'approval' });
      await store.releaseLease(run.id, lease.epoch);

      const resumed = await store.markRunnable('tenant-a', run.id);
      expect(resumed).toMatchObject({ status: 'queued', waitingReason: null });
      const [next] = await store.claimRunnable({ owner: 'worker-2', leaseMs, now: start, limit: 10 });
      expect(next?.runId).toBe(run.id);
    });

    it('leaves a run that is not waiting as it is', async () => {
      const store = current();
      const { run } = await store.createRun(newRun());
      const lease = await claim(store, run.id);
      await appendAs(store, lease, [], { status: 'running' });
      expect(await store.markRunnable('tenant-a', run.id)).toMatchObject({ status: 'running' });
      expect(await store.markRunnable('tenant-a', 'no-such-run')).toBeUndefined();
    });
  });

  describe('readJournal', () => {
    it('reads after a sequence number, up to a limit', async () => {
      const store = current();
      const { run } = await store.createRun(newRun());
      const lease = await claim(store, run.id);
      await store.append(
        { runId: run.id, epoch: lease.epoch, lastSeq: 1, now: start },
        ['a', 'b', 'c', 'd', 'e'].map((text) => textDelta(text)),
      );

      expect((await store.readJournal(run.id, { afterSeq: 3 })).map((entry) => entry.seq)).toEqual([4, 5, 6]);
      expect((await store.readJournal(run.id, { afterSeq: 1, limit: 2 })).map((entry) => entry.seq)).toEqual([2, 3]);
      expect(await store.readJournal(run.id, { afterSeq: 6 })).toEqual([]);
      expect(await store.readJournal('no-such-run')).toEqual([]);
    });
  });
}
