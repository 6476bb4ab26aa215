import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { KeelError } from '../../errors/index.ts';
import type { ModelCacheStore } from '../../store/model-cache-store.ts';
import { createSqliteStore } from '../../store/sqlite/sqlite-store.ts';
import type { Store } from '../../store/store.ts';
import type { Logger } from '../../telemetry/logger.ts';
import { scriptedModel } from '../../testing/scripted-model.ts';
import type { ModelRequest } from '../model.ts';
import { cacheKey, isCacheable, stableJson } from './cache-key.ts';
import { withResponseCache } from './response-cache.ts';

let directory: string;
let store: Store;
let clock: number;
const now = () => new Date(clock);
beforeEach(async () => {
  directory = mkdtempSync(join(tmpdir(), 'keel-cache-'));
  store = createSqliteStore({ path: join(directory, 'keel.db') });
  await store.migrate();
  clock = Date.parse('2030-01-01T00:00:00Z');
});
afterEach(async () => {
  await store.close();
  rmSync(directory, { recursive: true, force: true });
});

const request = (content: string, extra: Partial<ModelRequest> = {}): ModelRequest => ({ messages: [{ role: 'user', content }], ...extra });

describe('cacheKey', () => {
  it('is the same for equal requests whatever the key order, and differs per model and request', () => {
    const model = { provider: 'openai', modelId: 'gpt-4o-mini' };
    const a = request('hi', { tools: [{ name: 't', description: 'd', inputSchema: { type: 'object', properties: { a: { type: 'string' } } } }] });
    const b = request('hi', { tools: [{ inputSchema: { properties: { a: { type: 'string' } }, type: 'object' }, description: 'd', name: 't' }] });
    expect(cacheKey(model, a)).toBe(cacheKey(model, b));
    expect(cacheKey(model, a)).not.toBe(cacheKey({ ...model, modelId: 'gpt-4o' }, a));
    expect(cacheKey(model, request('hi'))).not.toBe(cacheKey(model, request('hi', { maxOutputTokens: 10 })));
    // The abort signal and the call context are not part of what the model sees.
    expect(cacheKey(model, request('hi', { signal: AbortSignal.timeout(1_000), call: { tenantId: 'a', step: 3 } }))).toBe(cacheKey(model, request('hi')));
  });

  it('serialises with sorted keys', () => {
    expect(stableJson({ b: 1, a: [{ d: 2, c: undefined }] })).toBe('{"a":[{"d":2}],"b":1}');
  });

  it('caches only deterministic calls', () => {
    expect([isCacheable(request('x')), isCacheable(request('x', { temperature: 0 })), isCacheable(request('x', { temperature: 0.2 }))]).toEqual([
      true,
      true,
      false,
    ]);
  });
});

describe('withResponseCache', () => {
  it('serves a hit with zero usage and cached: true, per tenant, until the TTL passes', async () => {
    const model = scriptedModel([{ text: 'one', usage: { inputTokens: 9, outputTokens: 1 } }, { text: 'two' }, { text: 'three' }]);
    const cached = withResponseCache(model, { store, ttlMs: 1_000, now });
    expect(await cached.generate(request('q', { call: { tenantId: 'a' } }))).toMatchObject({ text: 'one', usage: { inputTokens: 9 } });
    expect(await cached.generate(request('q', { call: { tenantId: 'a' } }))).toMatchObject({
      text: 'one',
      cached: true,
      usage: { inputTokens: 0, outputTokens: 0, cachedTokens: 0 },
    });
    expect((await cached.generate(request('q', { call: { tenantId: 'b' } }))).text).toBe('two');
    clock += 1_000;
    expect((await cached.generate(request('q', { call: { tenantId: 'a' } }))).text).toBe('three');
    model.assertConsumed();
  });

  it('streams a hit as one delta and the response, and stores only complete streams', async () => {
    const model = scriptedModel([{ text: 'streamed answer' }], { stream: true, chunkSize: 4 });
    const cached = withResponseCache(model, { store, ttlMs: 60_000, now });
    const read = async () => {
      const parts: string[] = [];
      for await (const part of cached.stream?.(request('q')) ?? [])
        parts.push(part.type === 'text-delta' ? part.text : `[${String(part.response.cached ?? false)}]`);
      return parts;
    };
    expect(await read()).toEqual(['stre', 'amed', ' ans', 'wer', '[false]']);
    expect(await read()).toEqual(['streamed answer', '[true]']);
  });

  it('never stores a failed call', async () => {
    const model = scriptedModel([{ error: new KeelError({ code: 'MODEL_UNAVAILABLE', message: 'down' }) }, { text: 'ok' }]);
    const cached = withResponseCache(model, { store, ttlMs: 60_000, now });
    await expect(cached.generate(request('q'))).rejects.toMatchObject({ code: 'MODEL_UNAVAILABLE' });
    expect((await cached.generate(request('q'))).text).toBe('ok');
  });

  it('goes to the model when the store fails, and says so in the log', async () => {
    const warnings: string[] = [];
    const broken: ModelCacheStore = {
      getCachedModelResponse: () => Promise.reject(new KeelError({ code: 'STORE_UNAVAILABLE', message: 'gone' })),
      putCachedModelResponse: () => Promise.reject(new KeelError({ code: 'STORE_UNAVAILABLE', message: 'gone' })),
      deleteExpiredModelResponses: () => Promise.resolve(0),
    };
    const logger = { warn: (_fields: unknown, message: string) => warnings.push(message) } as unknown as Pick<Logger, 'warn'>;
    const cached = withResponseCache(scriptedModel([{ text: 'a' }, { text: 'b' }]), { store: broken, ttlMs: 1_000, logger });
    expect((await cached.generate(request('q'))).text).toBe('a');
    expect((await cached.generate(request('q'))).text).toBe('b');
    expect(warnings).toEqual([
      'model response cache read failed',
      'model response cache write failed',
      'model response cache read failed',
      'model response cache write failed',
    ]);
  });

  it('sweeps expired entries on writes', async () => {
    const model = scriptedModel([{ text: 'a' }, { text: 'b' }]);
    const cached = withResponseCache(model, { store, ttlMs: 1_000, now, sweepIntervalMs: 5_000 });
    await cached.generate(request('first'));
    clock += 10_000;
    await cached.generate(request('second'));
    expect(await store.deleteExpiredModelResponses(now())).toBe(0);
  });
});
