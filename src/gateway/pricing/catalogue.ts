import type { ModelPrice } from './types.ts';

/**
 * List prices in USD per million tokens, standard tier (no batch, flex or priority discounts),
 * as the providers published them on their pricing pages in November 2026 (catalogue dated
 * 2026-11-22). Review it whenever a provider changes a price; users override or add models with
 * `defineConfig({ pricing })` without waiting for a release.
 *
 * `cachedInputPerMTok` is the price of a prompt-cache hit (OpenAI "cached input", Anthropic
 * "cache hits and refreshes", Google "context caching"). Anthropic's cache writes (1.25x or 2x
 * input) are billed as ordinary input here: Keel's usage does not report them separately yet.
 * Where a provider lists no cached price the input price is used, so nothing is under-billed.
 *
 * Every price must be a whole number of thousandths of a dollar per million tokens (one
 * nanodollar per token), which is what lets `costOf` compute in integers exactly.
 */
export const priceCatalogue: Readonly<Record<string, Readonly<Record<string, ModelPrice>>>> = {
  openai: {
    'gpt-5.5': price(5, 30, 0.5),
    'gpt-5.5-pro': price(30, 180),
    'gpt-5.4': price(2.5, 15, 0.25),
    'gpt-5.4-mini': price(0.75, 4.5, 0.075),
    'gpt-5.4-nano': price(0.2, 1.25, 0.02),
    'gpt-5.4-pro': price(30, 180),
    'gpt-5.2': price(1.75, 14, 0.175),
    'gpt-5.1': price(1.25, 10, 0.125),
    'gpt-5': price(1.25, 10, 0.125),
    'gpt-5-mini': price(0.25, 2, 0.025),
    'gpt-5-nano': price(0.05, 0.4, 0.005),
    'gpt-5-pro': price(15, 120),
    'gpt-4.1': price(2, 8, 0.5),
    'gpt-4.1-mini': price(0.4, 1.6, 0.1),
    'gpt-4.1-nano': price(0.1, 0.4, 0.025),
    'gpt-4o': price(2.5, 10, 1.25),
    'gpt-4o-mini': price(0.15, 0.6, 0.075),
    o3: price(2, 8, 0.5),
    'o3-pro': price(20, 80),
    'o3-mini': price(1.1, 4.4, 0.55),
    'o4-mini': price(1.1, 4.4, 0.275),
    o1: price(15, 60, 7.5),
    'gpt-4-turbo': price(10, 30),
    'gpt-3.5-turbo': price(0.5, 1.5),
  },
  anthropic: {
    'claude-opus-5-5': price(4, 20, 0.2),
    'claude-opus-5': price(5, 25, 0.5),
    'claude-opus-4-8': price(5, 25, 0.5),
    'claude-opus-4-7': price(5, 25, 0.5),
    'claude-opus-4-6': price(5, 25, 0.5),
    'claude-opus-4-5': price(5, 25, 0.5),
    'claude-opus-4-1': price(15, 75, 1.5),
    'claude-opus-4': price(15, 75, 1.5),
    'claude-sonnet-5-5': price(2, 10, 0.1),
    'claude-sonnet-5': price(2, 10, 0.2),
    'claude-sonnet-4-6': price(3, 15, 0.3),
    // Sonnet 4.5 and 4 bill prompts over 200K tokens at $6 / $22.50 (cache hits $0.60).
    'claude-sonnet-4-5': price(3, 15, 0.3, { aboveInputTokens: 200_000, ...price(6, 22.5, 0.6) }),
    'claude-sonnet-4': price(3, 15, 0.3, { aboveInputTokens: 200_000, ...price(6, 22.5, 0.6) }),
    'claude-3-7-sonnet': price(3, 15, 0.3),
    // Haiku 5.5 bills every token of a request whose prompt exceeds 100K tokens at 5x.
    'claude-haiku-5-5': price(0.1, 0.5, 0.01, { aboveInputTokens: 100_000, ...price(0.5, 2.5, 0.05) }),
    'claude-haiku-4-5': price(1, 5, 0.1),
    'claude-3-5-haiku': price(0.8, 4, 0.08),
    'claude-3-opus': price(15, 75, 1.5),
    'claude-3-haiku': price(0.25, 1.25, 0.03),
  },
  google: {
    'gemini-3.1-pro-preview': price(2, 12, 0.2, { aboveInputTokens: 200_000, ...price(4, 18, 0.4) }),
    'gemini-3-pro-preview': price(2, 12, 0.2, { aboveInputTokens: 200_000, ...price(4, 18, 0.4) }),
    'gemini-3-flash-preview': price(0.5, 3, 0.05),
    'gemini-3.1-flash-lite-preview': price(0.25, 1.5, 0.025),
    'gemini-2.5-pro': price(1.25, 10, 0.125, { aboveInputTokens: 200_000, ...price(2.5, 15, 0.25) }),
    'gemini-2.5-flash': price(0.3, 2.5, 0.03),
    'gemini-2.5-flash-lite': price(0.1, 0.4, 0.01),
  },
};

function price(inputPerMTok: number, outputPerMTok: number, cachedInputPerMTok = inputPerMTok, longContext?: ModelPrice['longContext']): ModelPrice {
  return { inputPerMTok, outputPerMTok, cachedInputPerMTok, ...(longContext === undefined ? {} : { longContext }) };
}
