import type {
  LanguageModelV3,
  LanguageModelV3GenerateResult,
  LanguageModelV3StreamPart,
  LanguageModelV3Usage,
  LanguageModelV4,
  LanguageModelV4FinishReason,
  LanguageModelV4GenerateResult,
  LanguageModelV4StreamPart,
} from '@ai-sdk/provider';
import { KeelError } from '../../errors/index.ts';
import type { AiSdkLanguageModelLike } from '../model-choice.ts';
import type { FinishReason, ModelToolCall, ModelUsage } from '../../journal/messages.ts';
import type { Model, ModelRequest, ModelResponse, ModelStreamPart } from '../model.ts';
import { toCallOptions } from './call-options.ts';
import { toModelError } from './map-error.ts';

/** The AI SDK model specifications Keel can drive; their shared subset is all Keel uses. */
export type AiSdkLanguageModel = LanguageModelV4 | LanguageModelV3;

/**
 * Whether a value is an AI SDK language model of any specification version (`fromAiSdk` then
 * checks the version).
 *
 * @example
 * if (isAiSdkModel(agent.model)) model = fromAiSdk(agent.model);
 */
export function isAiSdkModel(value: unknown): value is AiSdkLanguageModelLike {
  if (typeof value !== 'object' || value === null || !('specificationVersion' in value)) return false;
  const candidate = value as { doGenerate?: unknown; doStream?: unknown };
  return typeof candidate.doGenerate === 'function' && typeof candidate.doStream === 'function';
}

function isSupported(model: AiSdkLanguageModel | AiSdkLanguageModelLike): model is AiSdkLanguageModel {
  return model.specificationVersion === 'v4' || model.specificationVersion === 'v3';
}

/**
 * Adapts an AI SDK language model (specification v4, or v3 as shipped with AI SDK 6) to Keel's
 * `Model`; other versions are rejected with MODEL_STRING_INVALID. `provider` is the SDK's provider
 * id up to its first dot (`openai.responses` becomes `openai`), which prices and logs key on.
 *
 * Errors come out as KeelErrors (`MODEL_RATE_LIMITED`, `MODEL_UNAVAILABLE`, ...). A stream that
 * fails or ends without the provider's finish signal throws and never yields a `response` part.
 *
 * @example
 * import { createOpenAI } from '@ai-sdk/openai';
 * const model = fromAiSdk(createOpenAI({ apiKey })('gpt-4o-mini'));
 * const answer = await model.generate({ messages: [{ role: 'user', content: 'Hello' }] });
 */
export function fromAiSdk(model: AiSdkLanguageModel | AiSdkLanguageModelLike): Model {
  if (!isSupported(model)) {
    throw new KeelError({
      code: 'MODEL_STRING_INVALID',
      message: `AI SDK model "${model.modelId}" implements specificationVersion "${model.specificationVersion}"; Keel supports "v4" (AI SDK 7) and "v3" (AI SDK 6). Upgrade the provider package.`,
      details: { provider: model.provider, modelId: model.modelId, specificationVersion: model.specificationVersion },
    });
  }
  const provider = model.provider.split('.')[0] ?? model.provider;
  const modelId = model.modelId;
  const fail = (error: unknown, request: ModelRequest) =>
    toModelError(error, { provider: model.provider, modelId, ...(request.signal === undefined ? {} : { signal: request.signal }) });

  return {
    provider,
    modelId,

    async generate(request) {
      let result: LanguageModelV4GenerateResult | LanguageModelV3GenerateResult;
      try {
        result = await model.doGenerate(toCallOptions(request));
      } catch (error) {
        throw fail(error, request);
      }
      let text = '';
      const toolCalls: ModelToolCall[] = [];
      for (const part of result.content) {
        if (part.type === 'text') text += part.text;
        else if (part.type === 'tool-call' && part.providerExecuted !== true) {
          toolCalls.push({ callId: part.toolCallId, toolName: part.toolName, arguments: part.input });
        }
      }
      // Some providers mark which text is the structured answer (drafts may precede it).
      if (request.responseFormat !== undefined && 'structuredOutputText' in result && result.structuredOutputText !== undefined) {
        text = result.structuredOutputText;
      }
      return {
        text,
        toolCalls,
        finishReason: toFinishReason(result.finishReason.unified),
        usage: toUsage(result.usage),
        modelId: result.response?.modelId ?? modelId,
        provider,
      };
    },

    async *stream(request) {
      const parts = await openStream(model, request, fail);
      const reader = parts.getReader();
      let text = '';
      const toolCalls: ModelToolCall[] = [];
      let answeredBy = modelId;
      let finish: { reason: LanguageModelV4FinishReason['unified']; usage: LanguageModelV3Usage } | undefined;
      try {
        for (;;) {
          let next: Awaited<ReturnType<typeof reader.read>>;
          try {
            next = await reader.read();
          } catch (error) {
            throw fail(error, request);
          }
          if (next.done) break;
          const part = next.value;
          if (part.type === 'text-delta' && part.delta !== '') {
            text += part.delta;
            yield { type: 'text-delta', text: part.delta } satisfies ModelStreamPart;
          } else if (part.type === 'tool-call' && part.providerExecuted !== true) {
            toolCalls.push({ callId: part.toolCallId, toolName: part.toolName, arguments: part.input });
          } else if (part.type === 'response-metadata' && part.modelId !== undefined) {
            answeredBy = part.modelId;
          } else if (part.type === 'finish') {
            finish = { reason: part.finishReason.unified, usage: part.usage };
          } else if (part.type === 'error') {
            throw fail(part.error, request);
          }
        }
      } finally {
        // Stops the HTTP response when the consumer or an error ends the loop early.
        reader.cancel().catch(() => undefined);
      }
      if (finish === undefined || finish.reason === 'interrupted') {
        throw new KeelError({
          code: 'MODEL_RESPONSE_INVALID',
          message: `${model.provider} model "${modelId}": the stream ended before the model finished`,
          details: { provider: model.provider, modelId },
        });
      }
      const response: ModelResponse = {
        text,
        toolCalls,
        finishReason: toFinishReason(finish.reason),
        usage: toUsage(finish.usage),
        modelId: answeredBy,
        provider,
      };
      yield { type: 'response', response };
    },
  };
}

type StreamPart = LanguageModelV4StreamPart | LanguageModelV3StreamPart;

async function openStream(
  model: AiSdkLanguageModel,
  request: ModelRequest,
  fail: (error: unknown, request: ModelRequest) => KeelError,
): Promise<ReadableStream<StreamPart>> {
  try {
    const result = await model.doStream(toCallOptions(request));
    // A proxy's error page served with 200 would otherwise read as an empty event stream.
    const contentType = result.response?.headers?.['content-type'] ?? '';
    if (contentType.startsWith('text/html')) {
      await result.stream.cancel().catch(() => undefined);
      throw new KeelError({
        code: 'MODEL_RESPONSE_INVALID',
        message: `${model.provider} model "${model.modelId}": expected an event stream, got ${contentType}`,
        details: { provider: model.provider, modelId: model.modelId },
      });
    }
    return result.stream;
  } catch (error) {
    throw fail(error, request);
  }
}

function toFinishReason(reason: LanguageModelV4FinishReason['unified']): FinishReason {
  return reason === 'interrupted' ? 'other' : reason;
}

function toUsage(usage: LanguageModelV3Usage): ModelUsage {
  return {
    inputTokens: usage.inputTokens.total ?? 0,
    outputTokens: usage.outputTokens.total ?? 0,
    cachedTokens: usage.inputTokens.cacheRead ?? 0,
  };
}
