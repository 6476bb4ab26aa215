import { describe, expect, it } from 'vitest';
import { createSilentLogger } from '../telemetry/logger.ts';
import { startPeriodicSweeps } from './periodic-sweeps.ts';

describe('startPeriodicSweeps', () => {
  it('runs every sweep on each tick, goes on after a failure, and stops', async () => {
    const calls: string[] = [];
    const sweeper = startPeriodicSweeps({
      intervalMs: 5,
      logger: createSilentLogger(),
      sweeps: [
        {
          name: 'failing',
          run: () => {
            calls.push('failing');
            return Promise.reject(new Error('database away'));
          },
        },
        { name: 'counting', run: () => (calls.push('counting'), Promise.resolve(3)) },
      ],
    });
    while (calls.filter((call) => call === 'counting').length < 3) await new Promise((resolve) => setTimeout(resolve, 5));
    await sweeper.stop();
    const after = calls.length;
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(calls.length).toBe(after);
    expect(calls.slice(0, 4)).toEqual(['failing', 'counting', 'failing', 'counting']);
  });
});
