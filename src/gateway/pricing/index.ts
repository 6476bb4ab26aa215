/**
 * Model prices and exact costs. Amounts are whole nanodollars (1e-9 USD) so that sums of
 * costs equal tokens × list prices exactly; `usd` fields are for display.
 *
 * @example
 * import { costOf, priceOf } from '../gateway/pricing/index.ts';
 * const { price, known } = priceOf(response.provider, response.modelId, config.pricing);
 * const { nanoUsd } = costOf(response.usage, price);
 */
export { priceCatalogue } from './catalogue.ts';
export { costOf, estimateCost, isWholeNanoPrice, nanoFromUsd, nanoPerToken, usdFromNano } from './cost.ts';
export type { EstimateInput } from './cost.ts';
export { fromOverride, priceOf } from './price-of.ts';
export { pricingProblems } from './validate-pricing.ts';
export type { Cost, ModelPrice, PriceLookup, PriceOverride, PricingOverrides, TokenRates } from './types.ts';
