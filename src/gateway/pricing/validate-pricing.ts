import { isWholeNanoPrice } from './cost.ts';
import type { PriceOverride } from './types.ts';

/**
 * Problems with the `pricing` of a config, one sentence each (empty when it is valid): keys
 * must be `provider:modelId`, prices non-negative numbers of dollars per million tokens with at
 * most three decimals (so costs stay exact in nanodollars).
 *
 * @example
 * pricingProblems({ 'my-model': { inputPerMTok: 1, outputPerMTok: 2 } });
 * // ['pricing key "my-model" must be "provider:modelId"']
 */
export function pricingProblems(pricing: unknown): string[] {
  if (typeof pricing !== 'object' || pricing === null || Array.isArray(pricing)) return ['pricing must be an object keyed "provider:modelId"'];
  const problems: string[] = [];
  for (const [key, value] of Object.entries(pricing)) {
    const separator = key.indexOf(':');
    if (separator <= 0 || separator === key.length - 1) problems.push(`pricing key "${key}" must be "provider:modelId"`);
    problems.push(...priceProblems(`pricing["${key}"]`, value, true));
  }
  return problems;
}

function priceProblems(where: string, value: unknown, allowLongContext: boolean): string[] {
  if (typeof value !== 'object' || value === null) return [`${where} must be { inputPerMTok, outputPerMTok, cachedInputPerMTok? }`];
  const price = value as Partial<Record<keyof PriceOverride | 'aboveInputTokens', unknown>>;
  const problems: string[] = [];
  for (const field of ['inputPerMTok', 'outputPerMTok', 'cachedInputPerMTok'] as const) {
    const rate = price[field];
    if (rate === undefined && field === 'cachedInputPerMTok') continue;
    if (typeof rate !== 'number' || !isWholeNanoPrice(rate)) {
      problems.push(`${where}.${field} must be a non-negative number of dollars per million tokens with at most three decimals`);
    }
  }
  if (price.longContext !== undefined) {
    if (!allowLongContext) return [...problems, `${where}.longContext cannot nest`];
    problems.push(...priceProblems(`${where}.longContext`, price.longContext, false));
    const above = (price.longContext as { aboveInputTokens?: unknown }).aboveInputTokens;
    if (typeof above !== 'number' || !Number.isInteger(above) || above < 0)
      problems.push(`${where}.longContext.aboveInputTokens must be a whole number of tokens`);
  }
  return problems;
}
