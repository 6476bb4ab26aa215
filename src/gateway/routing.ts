import type { Logger } from '../telemetry/logger.ts';
import type { Model, ModelRequest, ModelStreamPart } from './model.ts';
import { countTokens } from './tokens/count-tokens.ts';

/** What a routing policy sees of a call. */
export interface RoutingContext {
  /** The run's step (1-based), when the engine makes the call. */
  step: number | undefined;
  /** `agent-step` unless the caller named another purpose (`summarise`, `classify`, ...). */
  purpose: string;
  /** Prompt tokens as the primary model counts them (messages, tools, schema); counted on first read. */
  readonly inputTokens: number;
  request: ModelRequest;
}

/** `when` decides per call whether the cheaper model answers. */
export type RoutingPredicate = (context: RoutingContext) => boolean;

/** The default policy: the cheap model summarises and classifies; agent steps use the primary. */
export const routeCheapPurposes: RoutingPredicate = ({ purpose }) => purpose === 'summarise' || purpose === 'classify';

/**
 * A model that sends each call to `cheap` when `when` says so, and to `primary` otherwise. The
 * token count is computed only if the policy reads `inputTokens`. A policy that throws is a bug
 * in the agent: it is logged and the primary model answers.
 *
 * @example
 * const model = withRouting(primary, cheap, ({ purpose, inputTokens }) => purpose === 'classify' || inputTokens < 500);
 */
export function withRouting(primary: Model, cheap: Model, when: RoutingPredicate = routeCheapPurposes, options: { logger?: Pick<Logger, 'warn'> } = {}): Model {
  function choose(request: ModelRequest): Model {
    let counted: number | undefined;
    const context: RoutingContext = {
      step: request.call?.step,
      purpose: request.call?.purpose ?? 'agent-step',
      get inputTokens() {
        counted ??= countTokens(request, primary);
        return counted;
      },
      request,
    };
    try {
      return when(context) ? cheap : primary;
    } catch (error) {
      options.logger?.warn({ err: error }, 'routing policy threw; using the primary model');
      return primary;
    }
  }
  return {
    provider: primary.provider,
    modelId: primary.modelId,
    generate: (request) => choose(request).generate(request),
    async *stream(request): AsyncIterable<ModelStreamPart> {
      const model = choose(request);
      if (model.stream !== undefined) {
        yield* model.stream(request);
        return;
      }
      const response = await model.generate(request);
      if (response.text !== '') yield { type: 'text-delta', text: response.text };
      yield { type: 'response', response };
    },
  };
}
