import type { ModelCacheStore } from '../../store/model-cache-store.ts';
import type { Logger } from '../../telemetry/logger.ts';
import { emptyUsage } from '../../journal/messages.ts';
import { type Model, type ModelRequest, type ModelResponse, type ModelStreamPart } from '../model.ts';
import { cacheKey, isCacheable } from './cache-key.ts';

export interface ResponseCacheOptions {
  store: ModelCacheStore;
  /** How long an answer is served from the cache. */
  ttlMs: number;
  now?: () => Date;
  /** Cache read and write failures are logged here; the call then goes to the model. */
  logger?: Pick<Logger, 'warn'>;
  /** Expired entries are deleted at most this often, on a write. Default 10 minutes. */
  sweepIntervalMs?: number;
}

/**
 * Wraps a model with an exact-match response cache for deterministic calls (temperature 0 or
 * unset; see `isCacheable`). The cache lives in the store, so every process sharing it shares
 * the cache, and it is per tenant (`request.call.tenantId`, default `default`): one tenant
 * never receives another's answer. A hit calls no provider and costs nothing: it comes back
 * with zero usage and `cached: true`; a stream hit yields the text in one delta. Only complete
 * responses are stored. The cache is an optimisation: when the store fails, the model answers.
 *
 * @example
 * const model = withResponseCache(base, { store, ttlMs: 60 * 60_000 });
 * await model.generate({ messages, temperature: 0, call: { tenantId: 'acme' } });
 */
export function withResponseCache(model: Model, options: ResponseCacheOptions): Model {
  const { store, ttlMs, now = () => new Date(), sweepIntervalMs = 10 * 60_000 } = options;
  let lastSweep = 0;

  async function lookup(tenantId: string, key: string): Promise<ModelResponse | undefined> {
    try {
      const stored = await store.getCachedModelResponse(tenantId, key, now());
      return isResponse(stored) ? { ...stored, usage: { ...emptyUsage }, cached: true } : undefined;
    } catch (error) {
      options.logger?.warn({ err: error }, 'model response cache read failed');
      return undefined;
    }
  }

  async function save(slot: { tenantId: string; key: string; runId: string | undefined }, response: ModelResponse): Promise<void> {
    const at = now();
    const { tenantId, key, runId } = slot;
    try {
      await store.putCachedModelResponse({
        tenantId,
        key,
        response,
        now: at,
        expiresAt: new Date(at.getTime() + ttlMs),
        ...(runId === undefined ? {} : { runId }),
      });
      if (at.getTime() - lastSweep >= sweepIntervalMs) {
        lastSweep = at.getTime();
        await store.deleteExpiredModelResponses(at);
      }
    } catch (error) {
      options.logger?.warn({ err: error }, 'model response cache write failed');
    }
  }

  const entry = (request: ModelRequest) =>
    isCacheable(request) ? { tenantId: request.call?.tenantId ?? 'default', key: cacheKey(model, request), runId: request.call?.runId } : undefined;

  return {
    provider: model.provider,
    modelId: model.modelId,
    async generate(request) {
      const slot = entry(request);
      if (slot === undefined) return await model.generate(request);
      const hit = await lookup(slot.tenantId, slot.key);
      if (hit !== undefined) return hit;
      const response = await model.generate(request);
      await save(slot, response);
      return response;
    },
    async *stream(request): AsyncIterable<ModelStreamPart> {
      const slot = entry(request);
      const hit = slot === undefined ? undefined : await lookup(slot.tenantId, slot.key);
      if (hit !== undefined) {
        if (hit.text !== '') yield { type: 'text-delta', text: hit.text };
        yield { type: 'response', response: hit };
        return;
      }
      if (model.stream === undefined) {
        const response = await model.generate(request);
        if (slot !== undefined) await save(slot, response);
        if (response.text !== '') yield { type: 'text-delta', text: response.text };
        yield { type: 'response', response };
        return;
      }
      for await (const part of model.stream(request)) {
        if (part.type === 'response' && slot !== undefined) await save(slot, part.response);
        yield part;
      }
    },
  };
}

function isResponse(value: unknown): value is ModelResponse {
  if (typeof value !== 'object' || value === null) return false;
  const candidate = value as Partial<ModelResponse>;
  return (
    typeof candidate.text === 'string' &&
    Array.isArray(candidate.toolCalls) &&
    typeof candidate.finishReason === 'string' &&
    typeof candidate.provider === 'string' &&
    typeof candidate.modelId === 'string'
  );
}
