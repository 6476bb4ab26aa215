/** One entry of the model response cache. */
export interface ModelCacheEntry {
  tenantId: string;
  /** A digest of the model and the request (see `gateway/cache/cache-key.ts`). */
  key: string;
  /** The cached response as JSON-compatible data; the store keeps it opaque. */
  response: unknown;
  /** The run whose call produced it: erasing that run's session drops the entry too. */
  runId?: string;
  now: Date;
  expiresAt: Date;
}

/**
 * The part of the Store the model response cache needs. Entries are per tenant: a lookup never
 * sees another tenant's responses, whatever the key. Expired entries are never returned and are
 * deleted in batches by `deleteExpiredModelResponses`.
 */
export interface ModelCacheStore {
  /** The response cached under (tenant, key), unless it expired at or before `now`. */
  getCachedModelResponse(tenantId: string, key: string, now: Date): Promise<unknown>;
  /** Stores a response, replacing any entry under the same tenant and key. */
  putCachedModelResponse(entry: ModelCacheEntry): Promise<void>;
  /** Deletes up to `limit` (default 1,000) entries expired by `now`; returns how many it deleted. */
  deleteExpiredModelResponses(now: Date, limit?: number): Promise<number>;
}
