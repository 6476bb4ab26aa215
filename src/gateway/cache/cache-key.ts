import { createHash } from 'node:crypto';
import type { Model, ModelRequest } from '../model.ts';

/**
 * Whether a call is deterministic enough to answer from the cache: no temperature (the
 * agent asked for none) or temperature 0. Anything sampled at a higher temperature is meant to
 * vary and is never cached.
 *
 * @example
 * isCacheable({ messages, temperature: 0 }); // true
 */
export function isCacheable(request: ModelRequest): boolean {
  return request.temperature === undefined || request.temperature === 0;
}

/**
 * The cache key of a call: a SHA-256 digest of the model and everything in the request that
 * shapes the answer (messages, tools, tool choice, response format, output limit,
 * temperature), serialised with sorted object keys so equal requests give equal keys. The
 * tenant is not part of the digest: the store keys entries by tenant and key.
 *
 * @example
 * const key = cacheKey(model, request); // '3f0c…' (64 hex digits)
 */
export function cacheKey(model: Pick<Model, 'provider' | 'modelId'>, request: ModelRequest): string {
  const shape = {
    version: 1,
    provider: model.provider,
    modelId: model.modelId,
    messages: request.messages,
    tools: request.tools ?? [],
    toolChoice: request.toolChoice ?? null,
    responseFormat: request.responseFormat ?? null,
    maxOutputTokens: request.maxOutputTokens ?? null,
    temperature: request.temperature ?? null,
  };
  return createHash('sha256').update(stableJson(shape)).digest('hex');
}

/** JSON with object keys sorted at every level (undefined properties left out, as JSON does). */
export function stableJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map((item) => (item === undefined ? 'null' : stableJson(item))).join(',')}]`;
  if (typeof value === 'object' && value !== null) {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, item]) => item !== undefined && typeof item !== 'function')
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([key, item]) => `${JSON.stringify(key)}:${stableJson(item)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}
