import { KeelError } from '../errors/index.ts';
import type { Model, ModelResponse, ModelStreamPart } from './model.ts';

/**
 * Checks a complete response before anyone treats it as data. The adapter already rejects
 * what cannot be parsed (an HTML page, an empty body, a stream cut short) with
 * MODEL_RESPONSE_INVALID; this catches answers that parse but carry nothing usable:
 * - a refusal by the provider's content filter with no text and no tool call becomes
 *   MODEL_CONTENT_FILTERED (not retried, but a fallback model may answer);
 * - a tool call without a tool name becomes MODEL_RESPONSE_INVALID (retried).
 * Returns the response unchanged when it is fine.
 *
 * @example
 * const response = validateResponse(await model.generate(request));
 */
export function validateResponse(response: ModelResponse): ModelResponse {
  const where = `${response.provider} model "${response.modelId}"`;
  const details = { provider: response.provider, modelId: response.modelId, finishReason: response.finishReason };
  if (response.finishReason === 'content-filter' && response.text.trim() === '' && response.toolCalls.length === 0) {
    throw new KeelError({ code: 'MODEL_CONTENT_FILTERED', message: `${where}: the provider's content filter blocked the answer`, details });
  }
  if (response.toolCalls.some((call) => typeof call.toolName !== 'string' || call.toolName === '')) {
    throw new KeelError({ code: 'MODEL_RESPONSE_INVALID', message: `${where}: a tool call has no tool name`, details });
  }
  return response;
}

/**
 * Wraps a model so every response passes `validateResponse`. Place it innermost, so that
 * retries, breakers and fallbacks see an invalid answer as the failure it is.
 *
 * @example
 * const model = withRetry(withResponseValidation(resolveModel('openai:gpt-4o-mini')));
 */
export function withResponseValidation(model: Model): Model {
  const validated: Model = {
    provider: model.provider,
    modelId: model.modelId,
    async generate(request) {
      return validateResponse(await model.generate(request));
    },
  };
  const stream = model.stream?.bind(model);
  if (stream === undefined) return validated;
  return {
    ...validated,
    async *stream(request): AsyncIterable<ModelStreamPart> {
      for await (const part of stream(request)) {
        yield part.type === 'response' ? { type: 'response', response: validateResponse(part.response) } : part;
      }
    },
  };
}
