/** Per-token rates of one model, in USD per million tokens. */
export interface TokenRates {
  inputPerMTok: number;
  outputPerMTok: number;
  /** Input tokens served from the provider's prompt cache. Default: the input price. */
  cachedInputPerMTok: number;
}

/**
 * A model's list prices. Some models bill a whole request at higher rates once its prompt is
 * longer than a threshold (Gemini Pro, long-context Sonnet): `longContext` holds those.
 */
export interface ModelPrice extends TokenRates {
  longContext?: TokenRates & { aboveInputTokens: number };
}

/** A price as written in `defineConfig({ pricing })`: the cached rate may be left out. */
export interface PriceOverride {
  inputPerMTok: number;
  outputPerMTok: number;
  cachedInputPerMTok?: number;
  longContext?: PriceOverride & { aboveInputTokens: number };
}

/** Config overrides keyed `provider:modelId`, e.g. `openai:ft:gpt-4o-mini:acme::abc123`. */
export type PricingOverrides = Readonly<Record<string, PriceOverride>>;

/** What `priceOf` found, and how sure it is. */
export interface PriceLookup {
  price: ModelPrice;
  /** False when nothing matched: the price is zero and callers should say so (logs, usage). */
  known: boolean;
  /** `config` for an override, `catalogue` for a built-in list price, `unknown` otherwise. */
  source: 'config' | 'catalogue' | 'unknown';
  /** The entry that matched, as `provider:model` (`gpt-4o` for `gpt-4o-2024-08-06`). */
  matched: string | undefined;
}

/**
 * An amount of money in whole nanodollars (1e-9 USD), so sums are exact; `usd` is the same
 * amount as a number of dollars, for display and JSON.
 */
export interface Cost {
  nanoUsd: number;
  usd: number;
}
