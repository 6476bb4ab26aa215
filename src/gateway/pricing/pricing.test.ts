import { describe, expect, it } from 'vitest';
import { costOf, estimateCost, isWholeNanoPrice, nanoPerToken, priceCatalogue, priceOf, pricingProblems, usdFromNano } from './index.ts';

describe('priceOf', () => {
  it('finds list prices by provider and model', () => {
    expect(priceOf('openai', 'gpt-4o-mini')).toMatchObject({
      price: { inputPerMTok: 0.15, outputPerMTok: 0.6, cachedInputPerMTok: 0.075 },
      known: true,
      source: 'catalogue',
      matched: 'openai:gpt-4o-mini',
    });
    expect(priceOf('anthropic', 'claude-haiku-4-5').price).toMatchObject({ inputPerMTok: 1, outputPerMTok: 5, cachedInputPerMTok: 0.1 });
    expect(priceOf('google', 'gemini-2.5-flash').price).toMatchObject({ inputPerMTok: 0.3, outputPerMTok: 2.5 });
  });

  it.each([
    ['openai.responses', 'gpt-4o-2024-08-06', 'openai:gpt-4o'],
    ['openai.chat', 'gpt-4o-mini-2024-07-18', 'openai:gpt-4o-mini'],
    ['anthropic.messages', 'claude-haiku-4-5-20251001', 'anthropic:claude-haiku-4-5'],
    ['anthropic', 'claude-3-5-haiku-latest', 'anthropic:claude-3-5-haiku'],
    ['anthropic', 'claude-sonnet-4-0', 'anthropic:claude-sonnet-4'],
    ['anthropic', 'claude-sonnet-4-20250514', 'anthropic:claude-sonnet-4'],
    ['google.generative-ai', 'models/gemini-2.5-pro', 'google:gemini-2.5-pro'],
    ['google', 'gemini-2.5-flash-preview-09-2025', 'google:gemini-2.5-flash'],
    ['google', 'gemini-2.5-flash-lite-preview-06-17', 'google:gemini-2.5-flash-lite'],
    ['azure', 'gpt-4.1-mini', 'openai:gpt-4.1-mini'],
    ['openai', 'GPT-4o', 'openai:gpt-4o'],
  ])('prices %s %s as %s', (provider, modelId, matched) => {
    const lookup = priceOf(provider, modelId);
    expect(lookup.known).toBe(true);
    expect(lookup.matched).toBe(matched);
  });

  it('does not confuse a model with a longer sibling', () => {
    expect(priceOf('openai', 'gpt-4o-mini').matched).toBe('openai:gpt-4o-mini');
    expect(priceOf('openai', 'gpt-5').matched).toBe('openai:gpt-5');
    expect(priceOf('openai', 'gpt-5.4-nano-2026-03-17').matched).toBe('openai:gpt-5.4-nano');
  });

  it('prices unknown models at zero and says so', () => {
    for (const [provider, modelId] of [
      ['openai-compatible', 'llama3.1:8b'],
      ['openai', 'ft:gpt-4o-mini-2024-07-18:acme::abc123'],
      ['openai', 'davinci-002'],
      ['mystery', 'model'],
    ] as const) {
      const lookup = priceOf(provider, modelId);
      expect(lookup).toEqual({ price: { inputPerMTok: 0, outputPerMTok: 0, cachedInputPerMTok: 0 }, known: false, source: 'unknown', matched: undefined });
    }
  });

  it('answers each config from its own overrides, however often the same model is priced', () => {
    const priced = { 'openai:gpt-4o': { inputPerMTok: 2, outputPerMTok: 8 } };
    const cheaper = { 'openai:gpt-4o': { inputPerMTok: 1, outputPerMTok: 4 } };
    for (let call = 0; call < 3; call += 1) {
      expect(priceOf('openai', 'gpt-4o-2024-08-06').price.inputPerMTok).toBe(2.5);
      expect(priceOf('openai', 'gpt-4o-2024-08-06', priced).price.inputPerMTok).toBe(2);
      expect(priceOf('openai', 'gpt-4o-2024-08-06', cheaper).price.inputPerMTok).toBe(1);
    }
    // A lookup handed out is shared by every later caller: it is frozen (its price, as before, is the catalogue's or the config's own).
    expect(Object.isFrozen(priceOf('openai', 'gpt-4o', priced))).toBe(true);
  });

  it('prefers config overrides, also for dated ids and fine-tunes', () => {
    const overrides = {
      'openai:ft:gpt-4o-mini:acme::abc123': { inputPerMTok: 0.3, outputPerMTok: 1.2, cachedInputPerMTok: 0.15 },
      'openai:gpt-4o': { inputPerMTok: 2, outputPerMTok: 8 },
      'local:llama3.1:8b': { inputPerMTok: 0.01, outputPerMTok: 0.02 },
    };
    expect(priceOf('openai.chat', 'ft:gpt-4o-mini:acme::abc123', overrides)).toMatchObject({ known: true, source: 'config', price: { inputPerMTok: 0.3 } });
    expect(priceOf('openai', 'gpt-4o-2024-08-06', overrides)).toMatchObject({
      source: 'config',
      price: { inputPerMTok: 2, outputPerMTok: 8, cachedInputPerMTok: 2 },
    });
    expect(priceOf('local.chat', 'llama3.1:8b', overrides)).toMatchObject({ known: true, price: { outputPerMTok: 0.02 } });
  });

  it('holds only prices that cost out exactly in nanodollars', () => {
    for (const [provider, models] of Object.entries(priceCatalogue)) {
      for (const [model, price] of Object.entries(models)) {
        const rates = [
          price.inputPerMTok,
          price.outputPerMTok,
          price.cachedInputPerMTok,
          ...(price.longContext === undefined ? [] : [price.longContext.inputPerMTok, price.longContext.outputPerMTok, price.longContext.cachedInputPerMTok]),
        ];
        expect(rates.every(isWholeNanoPrice), `${provider}:${model}`).toBe(true);
        expect(price.cachedInputPerMTok, `${provider}:${model}`).toBeLessThanOrEqual(price.inputPerMTok);
      }
    }
  });
});

describe('costOf', () => {
  it('is tokens × prices, exactly, in nanodollars', () => {
    const { price } = priceOf('openai', 'gpt-4o-mini');
    // 200 uncached × 150 + 1000 cached × 75 + 300 output × 600 nanodollars.
    expect(costOf({ inputTokens: 1200, outputTokens: 300, cachedTokens: 1000 }, price)).toEqual({ nanoUsd: 285_000, usd: 0.000285 });
  });

  it('sums exactly where floating-point dollars would drift', () => {
    const { price } = priceOf('openai', 'gpt-4o-mini');
    let nano = 0;
    let floating = 0;
    for (let call = 0; call < 1000; call++) {
      nano += costOf({ inputTokens: 7, outputTokens: 3, cachedTokens: 0 }, price).nanoUsd;
      floating += (7 * 0.15 + 3 * 0.6) / 1e6;
    }
    expect(nano).toBe(1000 * (7 * 150 + 3 * 600));
    expect(usdFromNano(nano)).toBe(0.00285);
    expect(floating).not.toBe(0.00285);
  });

  it('bills the whole call at long-context rates past the threshold', () => {
    const { price } = priceOf('google', 'gemini-2.5-pro');
    expect(costOf({ inputTokens: 200_000, outputTokens: 1000, cachedTokens: 0 }, price).nanoUsd).toBe(200_000 * 1250 + 1000 * 10_000);
    expect(costOf({ inputTokens: 200_001, outputTokens: 1000, cachedTokens: 1 }, price).nanoUsd).toBe(200_000 * 2500 + 250 + 1000 * 15_000);
  });

  it('never bills more cached tokens than input tokens', () => {
    const { price } = priceOf('anthropic', 'claude-haiku-4-5');
    expect(costOf({ inputTokens: 10, outputTokens: 0, cachedTokens: 50 }, price).nanoUsd).toBe(10 * 100);
  });

  it('costs nothing for an unknown model', () => {
    expect(costOf({ inputTokens: 1e6, outputTokens: 1e6, cachedTokens: 0 }, priceOf('x', 'y').price)).toEqual({ nanoUsd: 0, usd: 0 });
  });
});

describe('estimateCost', () => {
  it('prices the prompt plus the most the model may write', () => {
    const estimate = estimateCost({ provider: 'anthropic', modelId: 'claude-haiku-4-5', inputTokens: 2000, maxOutputTokens: 1024 });
    expect(estimate).toMatchObject({ nanoUsd: 2000 * 1000 + 1024 * 5000, known: true, matched: 'anthropic:claude-haiku-4-5' });
    expect(estimate.usd).toBe(0.00712);
  });

  it('flags unknown models', () => {
    expect(estimateCost({ provider: 'local', modelId: 'llama', inputTokens: 10, maxOutputTokens: 10 })).toMatchObject({ nanoUsd: 0, known: false });
  });
});

describe('nanoPerToken and pricingProblems', () => {
  it('converts dollars per million tokens to whole nanodollars per token', () => {
    expect([nanoPerToken(0.075), nanoPerToken(2.5), nanoPerToken(0.005), nanoPerToken(0)]).toEqual([75, 2500, 5, 0]);
    expect(() => nanoPerToken(0.0001)).toThrow(RangeError);
    expect(() => nanoPerToken(-1)).toThrow(RangeError);
  });

  it('explains invalid pricing config', () => {
    expect(pricingProblems({ 'openai:my-ft': { inputPerMTok: 1, outputPerMTok: 2, cachedInputPerMTok: 0.5 } })).toEqual([]);
    expect(pricingProblems({ 'my-model': { inputPerMTok: 1, outputPerMTok: 2 } })).toEqual(['pricing key "my-model" must be "provider:modelId"']);
    expect(pricingProblems({ 'openai:x': { inputPerMTok: -1, outputPerMTok: 0.0001 } })).toHaveLength(2);
    expect(pricingProblems({ 'openai:x': { inputPerMTok: 1, outputPerMTok: 1, longContext: { inputPerMTok: 2, outputPerMTok: 2 } } })).toEqual([
      'pricing["openai:x"].longContext.aboveInputTokens must be a whole number of tokens',
    ]);
    expect(pricingProblems([])).toHaveLength(1);
  });
});

describe('defineConfig({ pricing })', () => {
  it('keeps valid overrides and rejects invalid ones with CONFIG_INVALID', async () => {
    const { defineConfig } = await import('../../sdk/define-config.ts');
    const pricing = { 'openai:my-ft-model': { inputPerMTok: 0.3, outputPerMTok: 1.2, cachedInputPerMTok: 0.15 } };
    expect(defineConfig({ agents: [], pricing }).pricing).toEqual(pricing);
    expect(defineConfig({ agents: [] }).pricing).toEqual({});
    expect(() => defineConfig({ agents: [], pricing: { 'openai:x': { inputPerMTok: Number.NaN, outputPerMTok: 1 } } })).toThrow(
      expect.objectContaining({ code: 'CONFIG_INVALID', message: expect.stringContaining('pricing["openai:x"].inputPerMTok') as unknown }),
    );
  });
});
