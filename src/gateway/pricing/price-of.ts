import { priceCatalogue } from './catalogue.ts';
import type { ModelPrice, PriceLookup, PriceOverride, PricingOverrides } from './types.ts';

const free: ModelPrice = Object.freeze({ inputPerMTok: 0, outputPerMTok: 0, cachedInputPerMTok: 0 });

/**
 * The list price of a model. Looks first in `overrides` (from `defineConfig({ pricing })`),
 * then in the built-in catalogue, trying in turn:
 * 1. the id as given (`gpt-4o-mini`);
 * 2. the id without a date or `-latest` suffix (`gpt-4o-2024-08-06` and
 *    `claude-haiku-4-5-20251001` become `gpt-4o` and `claude-haiku-4-5`, `claude-opus-4-0`
 *    becomes `claude-opus-4`), and without a `models/` path (Google);
 * 3. the longest catalogue id the model id starts with, followed by `-`
 *    (`gemini-2.5-flash-preview-09-2025` is priced as `gemini-2.5-flash`).
 *
 * Provider names are the part before the first dot of the AI SDK's (`openai.responses` →
 * `openai`); OpenAI-compatible gateways (`azure`, a local name) are matched by the model id's
 * family (`gpt-`, `o3`, `claude-`, `gemini-`). Fine-tuned ids (`ft:…`) only match overrides:
 * they cost more than their base model. Anything else is priced at zero with `known: false`.
 *
 * @example
 * const { price, known } = priceOf('openai', 'gpt-4o-mini-2024-07-18');
 * // price.inputPerMTok === 0.15, known === true
 */
export function priceOf(provider: string, modelId: string, overrides: PricingOverrides = noOverrides): PriceLookup {
  let known = lookups.get(overrides);
  if (known === undefined) {
    known = new Map();
    lookups.set(overrides, known);
  }
  const key = `${provider}\u0000${modelId}`;
  let lookup = known.get(key);
  if (lookup === undefined) {
    // Model ids come from upstream answers too: a server answering with ever new ids must not grow this without bound.
    if (known.size >= maxLookupsPerOverrides) known.clear();
    lookup = Object.freeze(lookUpPrice(provider, modelId, overrides));
    known.set(key, lookup);
  }
  return lookup;
}

const noOverrides: PricingOverrides = Object.freeze({});
const maxLookupsPerOverrides = 256;
/**
 * Every lookup made, per overrides object (a config's `pricing`, read once): a model call is priced
 * on every turn, and the normalising of its id (a handful of regular expressions) gives the same
 * answer each time.
 */
const lookups = new WeakMap<PricingOverrides, Map<string, PriceLookup>>();

function lookUpPrice(provider: string, modelId: string, overrides: PricingOverrides): PriceLookup {
  const providerName = provider.split('.')[0] ?? provider;
  const override = findOverride(providerName, provider, modelId, overrides);
  if (override !== undefined) return override;
  if (modelId.startsWith('ft:')) return unknown();

  const family = priceCatalogue[providerName] === undefined ? familyOf(modelId) : providerName;
  const table = family === undefined ? undefined : priceCatalogue[family];
  if (family === undefined || table === undefined) return unknown();
  for (const candidate of candidates(modelId)) {
    const exact = table[candidate];
    if (exact !== undefined) return { price: exact, known: true, source: 'catalogue', matched: `${family}:${candidate}` };
  }
  const base = candidates(modelId).at(-1) ?? modelId;
  let best: string | undefined;
  for (const key of Object.keys(table)) {
    if (base.startsWith(`${key}-`) && (best === undefined || key.length > best.length)) best = key;
  }
  const found = best === undefined ? undefined : table[best];
  return found === undefined ? unknown() : { price: found, known: true, source: 'catalogue', matched: `${family}:${best}` };
}

function unknown(): PriceLookup {
  return { price: free, known: false, source: 'unknown', matched: undefined };
}

function findOverride(providerName: string, provider: string, modelId: string, overrides: PricingOverrides): PriceLookup | undefined {
  for (const key of [`${provider}:${modelId}`, `${providerName}:${modelId}`, ...candidates(modelId).map((id) => `${providerName}:${id}`)]) {
    const override = overrides[key];
    if (override !== undefined) return { price: fromOverride(override), known: true, source: 'config', matched: key };
  }
  return undefined;
}

/** Fills in the cached rate (default: the input rate) of a config price. */
export function fromOverride(override: PriceOverride): ModelPrice {
  const { longContext } = override;
  return {
    inputPerMTok: override.inputPerMTok,
    outputPerMTok: override.outputPerMTok,
    cachedInputPerMTok: override.cachedInputPerMTok ?? override.inputPerMTok,
    ...(longContext === undefined ? {} : { longContext: { ...fromOverride(longContext), aboveInputTokens: longContext.aboveInputTokens } }),
  };
}

/** The id as given, then ever more normalised forms of it (no duplicates). */
function candidates(modelId: string): string[] {
  const forms = [modelId];
  let id = modelId
    .trim()
    .toLowerCase()
    .replace(/^models\//, '');
  forms.push(id);
  id = id.replace(/-latest$/, '');
  id = id.replace(/-\d{4}-\d{2}-\d{2}$/, '').replace(/-\d{8}$/, '');
  forms.push(id);
  // Anthropic's `-0` aliases (`claude-sonnet-4-0`) name the first release of a major version.
  forms.push(id.replace(/^(claude-(?:opus|sonnet|haiku)-\d+)-0$/, '$1'));
  return [...new Set(forms)];
}

function familyOf(modelId: string): string | undefined {
  const id = modelId.toLowerCase().replace(/^models\//, '');
  if (/^(gpt-|o\d|chatgpt-)/.test(id)) return 'openai';
  if (id.startsWith('claude-')) return 'anthropic';
  if (id.startsWith('gemini-')) return 'google';
  return undefined;
}
