import { describe, expect, it } from 'vitest';
import { createRunNotifier } from './run-notifier.ts';

/** Which comes first: the wait, or the next turn of the event loop (a wait that missed its wake-up sleeps its whole timeout). */
async function settlesAtOnce(wait: Promise<void>): Promise<boolean> {
  return await Promise.race([wait.then(() => true), new Promise<boolean>((resolve) => setImmediate(() => resolve(false)))]);
}

describe('run notifier', () => {
  it('a notification between subscribing and waiting is not lost: the wait returns at once', async () => {
    const notifier = createRunNotifier();
    const subscription = notifier.subscribe('run_1');
    notifier.notify('run_1');
    expect(await settlesAtOnce(subscription.wait(60_000))).toBe(true);
  });

  it('a subscription hears only its own key, and only after it subscribed', async () => {
    const notifier = createRunNotifier();
    notifier.notify('run_1');
    const early = notifier.subscribe('run_1');
    notifier.notify('run_2');
    notifier.notify('*');
    expect(await settlesAtOnce(early.wait(60_000))).toBe(false);
    early.close();
  });

  it('a wait without a notification returns after its timeout, or when its signal aborts', async () => {
    const notifier = createRunNotifier();
    await notifier.subscribe('run_1').wait(1);
    const controller = new AbortController();
    const waiting = notifier.subscribe('run_1').wait(60_000, controller.signal);
    controller.abort();
    expect(await settlesAtOnce(waiting)).toBe(true);
  });

  it('wakes every subscriber of a key, and forgets closed ones', async () => {
    const notifier = createRunNotifier();
    const first = notifier.subscribe('*');
    const second = notifier.subscribe('*');
    const closed = notifier.subscribe('*');
    closed.close();
    const waits = [first.wait(60_000), second.wait(60_000)];
    notifier.notify('*');
    expect(await settlesAtOnce(Promise.all(waits).then(() => undefined))).toBe(true);
  });
});
