import type { ModelChoice, ModelReference } from '../gateway/model-choice.ts';
import { priceOf, type PricingOverrides } from '../gateway/pricing/index.ts';
import { pricingHint } from './admission.ts';

/** A model some agent may call that has no price: its costs record as zero and no budget can check it. */
export interface UnpricedModel {
  agent: string;
  provider: string;
  modelId: string;
  /** What to add to the config to price it (or declare it free). */
  hint: string;
}

/**
 * The models of `agents` — primary, fallbacks and routing's cheap model — that neither the price
 * catalogue nor `pricing` prices: reported when a config loads, so nobody finds out from a
 * budget that did not stop a run. A model declared free (`{ inputPerMTok: 0, outputPerMTok: 0 }`)
 * is priced.
 *
 * @example
 * for (const model of unpricedModels(config.agents.values(), config.pricing)) logger.warn(model, 'unpriced model');
 */
export function unpricedModels(agents: Iterable<ModelChoice>, pricing: PricingOverrides): UnpricedModel[] {
  const found: UnpricedModel[] = [];
  const seen = new Set<string>();
  for (const agent of agents) {
    for (const reference of [agent.model, ...agent.fallbacks, ...(agent.routing === undefined ? [] : [agent.routing.cheap])]) {
      const identity = identityOf(reference);
      if (identity === undefined || priceOf(identity.provider, identity.modelId, pricing).known) continue;
      const key = `${agent.name}\u0000${identity.provider}:${identity.modelId}`;
      if (seen.has(key)) continue;
      seen.add(key);
      found.push({ agent: agent.name, ...identity, hint: pricingHint(identity) });
    }
  }
  return found;
}

/** The provider and model id a reference names, as the price catalogue keys them. */
function identityOf(reference: ModelReference): { provider: string; modelId: string } | undefined {
  if (typeof reference === 'string') {
    const separator = reference.indexOf(':');
    if (separator === -1) return undefined;
    return { provider: reference.slice(0, separator).trim(), modelId: reference.slice(separator + 1).trim() };
  }
  if (typeof reference.provider !== 'string' || typeof reference.modelId !== 'string') return undefined;
  return { provider: reference.provider.split('.')[0] ?? reference.provider, modelId: reference.modelId };
}
