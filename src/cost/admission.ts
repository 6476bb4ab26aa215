import type { SerializedError } from '../errors/index.ts';
import type { Model, ModelRequest, ModelResponse } from '../gateway/model.ts';
import type { ModelMessage } from '../journal/messages.ts';
import { costOf, estimateCost, priceOf, usdFromNano, type PricingOverrides } from '../gateway/pricing/index.ts';
import { countTokens } from '../gateway/tokens/count-tokens.ts';
import type { BudgetStatus, BudgetSubject, UsageEntry } from '../store/budget-store.ts';
import type { Store } from '../store/store.ts';

/**
 * Output tokens a call is assumed to produce when the agent sets no `maxOutputTokens`: enough for
 * a long answer, small enough that a small budget admits an ordinary call. Set
 * `modelSettings.maxOutputTokens` to make the estimate a hard bound (it is then sent to the
 * provider too).
 */
export const defaultMaxOutputTokens = 1_024;

export type Admission =
  /** `budgets`: those covering the call, with the reservation of `amountNanoUsd` counted in. */
  | { ok: true; reservationId: string | undefined; budgets: BudgetStatus[]; amountNanoUsd: number }
  /** The call does not fit: the run waits for more budget (`details` say which budget). */
  | { ok: false; refused: 'budget'; details: Record<string, unknown> }
  /** The call can never be checked against the budgets that cover it (an unpriced model): the run fails with `error`. */
  | { ok: false; refused: 'unpriced'; error: SerializedError };

export interface BudgetGate {
  /**
   * Before a model call: the call's worst-case cost must fit the run's own cap and every budget
   * covering it; the amount is reserved against those budgets until the call settles.
   */
  admit(step: number, attempt: number, request: ModelRequest): Promise<Admission>;
  /** The ledger entry and exact cost of an answered call, priced by the model that answered. */
  price(step: number, response: ModelResponse, latencyMs: number, reservationId: string | undefined): { entry: UsageEntry; costNanoUsd: number };
}

/**
 * Cost control for one executing run. Prompt tokens are counted incrementally: the conversation
 * only grows within a run, so each message is tokenized once and a step costs O(new messages).
 */
export function createBudgetGate(options: {
  store: Store;
  runId: string;
  subject: BudgetSubject;
  /** The agent's own cap on one run (`budget.perRunUsd`), if it has one. */
  perRunUsd: number | undefined;
  model: Model;
  pricing: PricingOverrides;
  spentNanoUsd: () => number;
  now: () => Date;
}): BudgetGate {
  const { store, model, pricing } = options;
  const counted = { messages: 0, tokens: 0 };
  let overheadTokens: number | undefined;

  function promptTokens(request: ModelRequest): number {
    const target = { provider: model.provider, modelId: model.modelId };
    // System prompt, tool definitions and response schema do not change within a run.
    overheadTokens ??= countTokens({ ...request, messages: request.messages.slice(0, 1) }, target);
    // The conversation after the system prompt is a fold of an append-only journal: it only grows.
    const messages = request.messages.slice(1);
    if (messages.length < counted.messages) {
      counted.messages = 0;
      counted.tokens = 0;
    }
    const fresh: ModelMessage[] = messages.slice(counted.messages);
    if (fresh.length > 0) counted.tokens += countTokens(fresh, target);
    counted.messages = messages.length;
    return overheadTokens + counted.tokens;
  }

  return {
    async admit(step, attempt, request) {
      const cap = options.perRunUsd;
      // Estimating means tokenizing the prompt: skip it when nothing would be checked against it.
      if (cap === undefined && !(await store.hasCoveringBudget(options.subject))) {
        return { ok: true, reservationId: undefined, budgets: [], amountNanoUsd: 0 };
      }
      const estimate = estimateCost({
        provider: model.provider,
        modelId: model.modelId,
        inputTokens: promptTokens(request),
        maxOutputTokens: request.maxOutputTokens ?? defaultMaxOutputTokens,
        overrides: pricing,
      });
      if (!estimate.known) {
        // Priced at zero it would pass every budget: a $0 limit would not stop it.
        return { ok: false, refused: 'unpriced', error: unpricedError(model) };
      }
      if (cap !== undefined && options.spentNanoUsd() + estimate.nanoUsd > Math.round(cap * 1e9)) {
        return {
          ok: false,
          refused: 'budget',
          details: { scope: 'run', scopeId: options.runId, limitUsd: cap, spentUsd: usdFromNano(options.spentNanoUsd()), estimateUsd: estimate.usd },
        };
      }
      const reservationId = `${options.runId}:${step}:${attempt}`;
      const result = await store.reserveBudget({
        reservationId,
        runId: options.runId,
        subject: options.subject,
        amountNanoUsd: estimate.nanoUsd,
        now: options.now(),
      });
      if (!result.ok) {
        const budget = result.exhausted;
        return {
          ok: false,
          refused: 'budget',
          details: {
            scope: budget.scope,
            scopeId: budget.scopeId,
            period: budget.period,
            limitUsd: usdFromNano(budget.limitNanoUsd),
            spentUsd: usdFromNano(budget.spentNanoUsd),
            reservedUsd: usdFromNano(budget.reservedNanoUsd),
            estimateUsd: estimate.usd,
          },
        };
      }
      return { ok: true, reservationId: result.reserved ? reservationId : undefined, budgets: result.budgets, amountNanoUsd: estimate.nanoUsd };
    },
    price(step, response, latencyMs, reservationId) {
      const { price } = priceOf(response.provider, response.modelId, pricing);
      const cost = costOf(response.usage, price);
      const entry: UsageEntry = {
        step,
        provider: response.provider,
        modelId: response.modelId,
        inputTokens: response.usage.inputTokens,
        outputTokens: response.usage.outputTokens,
        cachedTokens: response.usage.cachedTokens,
        costNanoUsd: cost.nanoUsd,
        latencyMs,
        ...(reservationId === undefined ? {} : { reservationId }),
      };
      return { entry, costNanoUsd: cost.nanoUsd };
    },
  };
}

/** How to price a model the catalogue lacks, in words a developer can act on. */
export function pricingHint(model: { provider: string; modelId: string }): string {
  return (
    `add defineConfig({ pricing: { '${model.provider}:${model.modelId}': { inputPerMTok, outputPerMTok } } }) with its prices ` +
    'in USD per million tokens, or declare it free with zeros'
  );
}

function unpricedError(model: { provider: string; modelId: string }): SerializedError {
  return {
    code: 'MODEL_UNPRICED',
    message: `Model "${model.provider}:${model.modelId}" has no price, so the budgets that cover this run cannot be checked: ${pricingHint(model)}`,
    details: { provider: model.provider, modelId: model.modelId },
  };
}
