import { Hono } from 'hono';
import { describe, expect, it } from 'vitest';
import { errorCatalogue } from '../../errors/index.ts';
import { createLoadMonitor, loadShedding, type LoadMonitor, type LoadSample, type ShedReason } from './load-shedding.ts';

/** A monitor whose readings the test sets. */
function fakeMonitor(initial: LoadSample = { eventLoopDelayMs: 0, heapRatio: 0.1 }): LoadMonitor & { set(sample: LoadSample): void } {
  let current = initial;
  return { sample: () => current, stop: () => undefined, set: (sample) => (current = sample) };
}

/** An app whose `/slow` requests stay in flight until `release()`. */
function appWith(middleware: ReturnType<typeof loadShedding>) {
  let entered = 0;
  let onEnter: () => void = () => undefined;
  let release: () => void = () => undefined;
  const gate = new Promise<void>((resolve) => (release = resolve));
  const app = new Hono();
  app.use('*', middleware);
  app.get('/slow', async (c) => {
    entered += 1;
    onEnter();
    await gate;
    return c.json({ ok: true });
  });
  app.get('/fast', (c) => c.json({ ok: true }));
  const inside = (count: number) =>
    new Promise<void>((resolve) => {
      onEnter = () => {
        if (entered >= count) resolve();
      };
      onEnter();
    });
  return { app, inside, release };
}

async function expectOverloaded(response: Response, reason: ShedReason, retryAfter = '1'): Promise<void> {
  expect(response.status).toBe(503);
  expect(response.status).toBe(errorCatalogue.OVERLOADED.status);
  expect(response.headers.get('retry-after')).toBe(retryAfter);
  expect(await response.json()).toEqual({ error: { code: 'OVERLOADED', message: 'The server is overloaded; retry shortly', details: { reason } } });
}

describe('loadShedding', () => {
  it('answers 503 OVERLOADED with Retry-After once maxInFlight requests are in flight, and serves again when they finish', async () => {
    const shed: ShedReason[] = [];
    const { app, inside, release } = appWith(loadShedding({ maxInFlight: 2, monitor: fakeMonitor(), onShed: (reason) => shed.push(reason) }));
    const first = app.request('/slow');
    const second = app.request('/slow');
    await inside(2);

    await expectOverloaded(await app.request('/fast'), 'in-flight');
    expect(shed).toEqual(['in-flight']);

    release();
    expect((await first).status).toBe(200);
    expect((await second).status).toBe(200);
    expect((await app.request('/fast')).status).toBe(200);
  });

  it('sheds while the event loop lags or the heap is nearly full, with the configured Retry-After', async () => {
    const monitor = fakeMonitor();
    const { app } = appWith(loadShedding({ maxInFlight: 100, maxEventLoopDelayMs: 200, maxHeapRatio: 0.8, retryAfterSeconds: 5, monitor }));
    expect((await app.request('/fast')).status).toBe(200);

    monitor.set({ eventLoopDelayMs: 250, heapRatio: 0.1 });
    await expectOverloaded(await app.request('/fast'), 'event-loop-delay', '5');
    monitor.set({ eventLoopDelayMs: 10, heapRatio: 0.81 });
    await expectOverloaded(await app.request('/fast'), 'heap', '5');
    monitor.set({ eventLoopDelayMs: 200, heapRatio: 0.8 });
    expect((await app.request('/fast')).status).toBe(200);
  });

  it('uses defaults of 1000 ms delay and 85% heap, and measures nothing when both are turned off', async () => {
    const monitor = fakeMonitor({ eventLoopDelayMs: 1_001, heapRatio: 0.1 });
    await expectOverloaded(await appWith(loadShedding({ maxInFlight: 10, monitor })).app.request('/fast'), 'event-loop-delay');
    monitor.set({ eventLoopDelayMs: 0, heapRatio: 0.86 });
    await expectOverloaded(await appWith(loadShedding({ maxInFlight: 10, monitor })).app.request('/fast'), 'heap');

    const unread: LoadMonitor = {
      sample: () => {
        throw new Error('the monitor should not be read');
      },
      stop: () => undefined,
    };
    const { app } = appWith(loadShedding({ maxInFlight: 10, maxEventLoopDelayMs: Infinity, maxHeapRatio: Infinity, monitor: unread }));
    expect((await app.request('/fast')).status).toBe(200);
  });
});

describe('createLoadMonitor', () => {
  it("reads this process's heap and event-loop delay", () => {
    const monitor = createLoadMonitor({ intervalMs: 50 });
    try {
      const sample = monitor.sample();
      expect(sample.heapRatio).toBeGreaterThan(0);
      expect(sample.heapRatio).toBeLessThan(1);
      expect(sample.eventLoopDelayMs).toBeGreaterThanOrEqual(0);
    } finally {
      monitor.stop();
    }
  });
});
