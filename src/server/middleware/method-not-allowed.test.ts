import { Hono } from 'hono';
import { describe, expect, it } from 'vitest';
import { KeelError } from '../../errors/index.ts';
import { methodNotAllowed, type KnownRoute } from './method-not-allowed.ts';

// Overlapping paths, a parameter and a literal with a pattern character in it.
const routes: KnownRoute[] = [
  { method: 'get', path: '/v1/runs/{id}' },
  { method: 'delete', path: '/v1/runs/{id}' },
  { method: 'post', path: '/v1/runs/search' },
  { method: 'post', path: '/v1/runs/{id}/cancel' },
  { method: 'get', path: '/v1/a.b' },
];

function app(): Hono {
  const served = new Hono();
  served.use(
    '*',
    methodNotAllowed(() => routes),
  );
  served.all('*', (c) => c.text('through'));
  served.onError((error, c) => {
    if (!(error instanceof KeelError)) throw error;
    return c.json({ code: error.code, details: error.details }, 405);
  });
  return served;
}

async function answer(method: string, path: string): Promise<{ status: number; allow: string | null; body: string }> {
  const response = await app().request(path, { method });
  return { status: response.status, allow: response.headers.get('allow'), body: await response.text() };
}

describe('the method check', () => {
  it('lets through every method a matching path has, HEAD with GET', async () => {
    for (const [method, path] of [
      ['GET', '/v1/runs/run_1'],
      ['HEAD', '/v1/runs/run_1'],
      ['DELETE', '/v1/runs/run_1'],
      // `search` is also an `{id}`: POST is one of the literal path's methods.
      ['POST', '/v1/runs/search'],
      ['GET', '/v1/runs/search'],
      ['POST', '/v1/runs/run_1/cancel'],
      ['GET', '/v1/a.b'],
    ]) {
      expect({ method, path, status: (await answer(method!, path!)).status }).toEqual({ method, path, status: 200 });
    }
  });

  it('answers 405 with every method of the paths matched, and leaves unknown paths to the router', async () => {
    expect(await answer('PATCH', '/v1/runs/search')).toMatchObject({ status: 405, allow: 'DELETE, GET, HEAD, POST' });
    expect(await answer('POST', '/v1/runs/run_1')).toMatchObject({ status: 405, allow: 'DELETE, GET, HEAD' });
    expect(await answer('GET', '/v1/runs/run_1/cancel')).toMatchObject({ status: 405, allow: 'POST' });
    // The dot is a literal: `/v1/aXb` is no endpoint's path, so no 405.
    expect(await answer('POST', '/v1/aXb')).toMatchObject({ status: 200, body: 'through' });
    expect(await answer('POST', '/v1/runs')).toMatchObject({ status: 200, body: 'through' });
    expect(await answer('GET', '/v1/runs/run_1/cancel/more')).toMatchObject({ status: 200, body: 'through' });
  });
});
