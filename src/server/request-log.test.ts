import { pino, type Logger } from 'pino';
import { describe, expect, it } from 'vitest';
import { RequestLog } from './request-log.ts';

function capture(level = 'info'): { base: Logger; lines: Array<Record<string, unknown>>; children: () => number } {
  const lines: Array<Record<string, unknown>> = [];
  const base = pino({ level, base: { service: 'keel' } }, { write: (line: string) => void lines.push(JSON.parse(line) as Record<string, unknown>) });
  let made = 0;
  // Children inherit `child` from their parent, so this counts theirs too.
  const child = base.child;
  base.child = function (this: Logger, ...args: Parameters<Logger['child']>) {
    made += 1;
    return child.apply(this, args);
  } as Logger['child'];
  return { base, lines, children: () => made };
}

describe('a request log', () => {
  it('writes every line with the request id and, once bound, the key, in both call shapes', () => {
    const { base, lines } = capture();
    const log = new RequestLog(base, { requestId: 'req-1' });
    log.warn('before the key');
    log.bind({ tenantId: 't1', keyId: 'key_1' });
    log.info({ runId: 'run_1' }, 'after the key');
    log.error({ code: 'X' }, 'failed');
    expect(lines).toMatchObject([
      { level: 40, service: 'keel', requestId: 'req-1', msg: 'before the key' },
      { level: 30, requestId: 'req-1', tenantId: 't1', keyId: 'key_1', runId: 'run_1', msg: 'after the key' },
      { level: 50, requestId: 'req-1', tenantId: 't1', keyId: 'key_1', code: 'X', msg: 'failed' },
    ]);
  });

  it('makes no logger for a request that writes nothing at an enabled level, and one for a request that does', () => {
    const { base, lines, children } = capture('info');
    const quiet = new RequestLog(base, { requestId: 'req-quiet' });
    quiet.bind({ tenantId: 't1', keyId: 'key_1' });
    quiet.debug({ runId: 'run_1' }, 'stream closed');
    expect(children()).toBe(0);
    expect(lines).toEqual([]);

    const loud = new RequestLog(base, { requestId: 'req-loud' });
    loud.bind({ tenantId: 't1', keyId: 'key_1' });
    loud.info('one');
    loud.info('two');
    expect(children()).toBe(1);
    // Bound before the first line: the key joins the request id, which stays.
    expect(lines).toEqual([
      expect.objectContaining({ requestId: 'req-loud', tenantId: 't1', keyId: 'key_1', msg: 'one' }),
      expect.objectContaining({ requestId: 'req-loud', tenantId: 't1', keyId: 'key_1', msg: 'two' }),
    ]);
  });

  it('writes an error given alone, or beside a message, under `err`', () => {
    const { base, lines } = capture();
    const log = new RequestLog(base, { requestId: 'req-3' });
    log.error(new Error('store unreachable'));
    log.error({ err: new Error('disk full') }, 'request failed');
    expect(lines).toMatchObject([
      { level: 50, requestId: 'req-3', msg: 'store unreachable', err: { type: 'Error', message: 'store unreachable' } },
      { level: 50, requestId: 'req-3', msg: 'request failed', err: { type: 'Error', message: 'disk full' } },
    ]);
  });

  it('writes debug lines when the level allows them', () => {
    const { base, lines } = capture('debug');
    new RequestLog(base, { requestId: 'req-2' }).debug({ end: 'client' }, 'stream closed');
    expect(lines).toMatchObject([{ level: 20, requestId: 'req-2', end: 'client', msg: 'stream closed' }]);
  });
});
