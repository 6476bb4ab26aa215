import type { ModelUsage } from '../../journal/messages.ts';
import { priceOf } from './price-of.ts';
import type { Cost, ModelPrice, PriceLookup, PricingOverrides, TokenRates } from './types.ts';

/** Nanodollars per token for a price of one dollar per million tokens. */
const nanoPerTokenPerDollarPerMTok = 1000;

/**
 * The cost of a model call's usage at `price`, exact: each rate is a whole number of
 * nanodollars per token, so the result is tokens × rates with no rounding. Cached tokens are a
 * subset of the input tokens (as `ModelUsage` defines them) and are billed at the cached rate;
 * past `longContext.aboveInputTokens` input tokens the whole call uses the long-context rates.
 *
 * @example
 * const { price } = priceOf('openai', 'gpt-4o-mini');
 * costOf({ inputTokens: 1200, outputTokens: 300, cachedTokens: 1000 }, price);
 * // { nanoUsd: 285_000, usd: 0.000285 }: 200 × 150 + 1000 × 75 + 300 × 600 nanodollars
 */
export function costOf(usage: ModelUsage, price: ModelPrice): Cost {
  const rates: TokenRates = price.longContext !== undefined && usage.inputTokens > price.longContext.aboveInputTokens ? price.longContext : price;
  const cached = Math.min(usage.cachedTokens, usage.inputTokens);
  const nanoUsd =
    (usage.inputTokens - cached) * nanoPerToken(rates.inputPerMTok) +
    cached * nanoPerToken(rates.cachedInputPerMTok) +
    usage.outputTokens * nanoPerToken(rates.outputPerMTok);
  return { nanoUsd, usd: usdFromNano(nanoUsd) };
}

export interface EstimateInput {
  provider: string;
  modelId: string;
  /** Counted (or estimated) prompt tokens. */
  inputTokens: number;
  /** The most the call may produce: the request's `maxOutputTokens`, or the caller's cap. */
  maxOutputTokens: number;
  /** Prompt tokens expected from the provider's cache. Default 0, which errs on the high side. */
  cachedTokens?: number;
  overrides?: PricingOverrides;
}

/**
 * The most a call can cost: its prompt tokens plus `maxOutputTokens`, at the model's list
 * price — what a budget reservation holds before the call. `known: false` means the model is
 * not in the catalogue or the overrides and the estimate is zero.
 *
 * @example
 * const estimate = estimateCost({ provider: 'anthropic', modelId: 'claude-haiku-4-5', inputTokens: 2000, maxOutputTokens: 1024 });
 * // estimate.nanoUsd === 2000 * 1000 + 1024 * 5000, estimate.known === true
 */
export function estimateCost(input: EstimateInput): Cost & Pick<PriceLookup, 'known' | 'source' | 'matched'> {
  const lookup = priceOf(input.provider, input.modelId, input.overrides);
  const cost = costOf({ inputTokens: input.inputTokens, outputTokens: input.maxOutputTokens, cachedTokens: input.cachedTokens ?? 0 }, lookup.price);
  return { ...cost, known: lookup.known, source: lookup.source, matched: lookup.matched };
}

/**
 * Whole nanodollars per token for a price in dollars per million tokens. Prices are checked
 * when a config is defined; a catalogue or override price with finer precision is a bug, and
 * rounding it silently would make totals drift from tokens × prices.
 *
 * @example
 * nanoPerToken(0.075); // 75
 */
export function nanoPerToken(dollarsPerMTok: number): number {
  if (!isWholeNanoPrice(dollarsPerMTok)) throw new RangeError(`Price ${dollarsPerMTok} $/MTok is negative or finer than $0.001 per million tokens`);
  return Math.round(dollarsPerMTok * nanoPerTokenPerDollarPerMTok);
}

/** Whether a price in $/MTok is a non-negative whole number of thousandths. */
export function isWholeNanoPrice(dollarsPerMTok: number): boolean {
  if (!Number.isFinite(dollarsPerMTok) || dollarsPerMTok < 0) return false;
  const scaled = dollarsPerMTok * nanoPerTokenPerDollarPerMTok;
  return Math.abs(scaled - Math.round(scaled)) < 1e-6;
}

/**
 * Dollars for an amount in nanodollars (for display and JSON; keep sums in nanodollars).
 *
 * @example
 * usdFromNano(285_000); // 0.000285
 */
export function usdFromNano(nanoUsd: number): number {
  // Dividing by a power of ten gives the nearest double to the exact decimal amount.
  return nanoUsd / 1e9;
}

/** Dollars as whole nanodollars, rounded to the nearest: 0.1 USD is 100,000,000 exactly, whatever the double. */
export function nanoFromUsd(usd: number): number {
  return Math.round(usd * 1e9);
}
