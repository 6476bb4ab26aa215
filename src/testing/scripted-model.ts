import { KeelError } from '../errors/index.ts';
import { sleep } from '../internal/sleep.ts';
import type { FinishReason, ModelUsage } from '../journal/messages.ts';
import type { Model, ModelRequest, ModelResponse, ModelStreamPart } from '../gateway/model.ts';

/** One scripted answer: text and/or tool calls, or an error to throw. */
export interface ScriptedTurn {
  text?: string;
  toolCalls?: Array<{ name: string; arguments: Record<string, unknown> | string; id?: string }>;
  usage?: Partial<ModelUsage>;
  finishReason?: FinishReason;
  /** Throw this instead of answering (a provider failure, say). */
  error?: Error;
  /** Checks the request this turn answers; throw (or use test assertions) to fail the run. */
  expect?: (request: ModelRequest) => void;
  /** Wait before answering (honours the request's abort signal). */
  delayMs?: number;
}

export type ScriptStep = ScriptedTurn | ((request: ModelRequest, index: number) => ScriptedTurn);

export interface ScriptedModel extends Model {
  /** Requests received so far, in order. */
  readonly requests: ModelRequest[];
  /** Throws unless every scripted turn was consumed. Call it at the end of a test. */
  assertConsumed(): void;
  /** Appends further turns. */
  push(...steps: ScriptStep[]): void;
}

/**
 * A strict scripted model: it answers with the given turns in order, fails any call beyond the
 * script, and `assertConsumed()` fails when turns were left unused — so a test notices when the
 * agent makes more, or fewer, model calls than intended.
 *
 * @example
 * const model = scriptedModel([
 *   { toolCalls: [{ name: 'lookup_order', arguments: { orderId: '1001' } }] },
 *   { text: 'Your order has shipped.' },
 * ]);
 * // ... run the agent ...
 * model.assertConsumed();
 */
export function scriptedModel(steps: ScriptStep[], options: { modelId?: string; provider?: string; stream?: boolean; chunkSize?: number } = {}): ScriptedModel {
  const script = [...steps];
  const requests: ModelRequest[] = [];
  const modelId = options.modelId ?? 'scripted';
  // A real provider and model id make costs follow the price catalogue.
  const provider = options.provider ?? 'scripted';
  const chunkSize = options.chunkSize ?? 8;

  async function answer(request: ModelRequest): Promise<ModelResponse> {
    const index = requests.length;
    requests.push(request);
    const step = script.shift();
    if (step === undefined) {
      throw new KeelError({ code: 'SCRIPTED_MODEL_MISMATCH', message: `Unexpected model call #${index + 1}: the script has no turn left` });
    }
    const turn = typeof step === 'function' ? step(request, index) : step;
    turn.expect?.(request);
    if (turn.delayMs !== undefined) await sleep(turn.delayMs, request.signal);
    request.signal?.throwIfAborted();
    if (turn.error !== undefined) throw turn.error;
    const toolCalls = (turn.toolCalls ?? []).map((call, callIndex) => ({
      callId: call.id ?? `call_${index + 1}_${callIndex + 1}`,
      toolName: call.name,
      arguments: typeof call.arguments === 'string' ? call.arguments : JSON.stringify(call.arguments),
    }));
    return {
      text: turn.text ?? '',
      toolCalls,
      finishReason: turn.finishReason ?? (toolCalls.length > 0 ? 'tool-calls' : 'stop'),
      usage: { inputTokens: turn.usage?.inputTokens ?? 10, outputTokens: turn.usage?.outputTokens ?? 5, cachedTokens: turn.usage?.cachedTokens ?? 0 },
      modelId,
      provider,
    };
  }

  const model: ScriptedModel = {
    provider,
    modelId,
    requests,
    generate: answer,
    assertConsumed() {
      if (script.length > 0) {
        throw new KeelError({ code: 'SCRIPTED_MODEL_MISMATCH', message: `${script.length} scripted turn(s) were never used` });
      }
    },
    push(...more) {
      script.push(...more);
    },
  };
  if (options.stream === true) {
    model.stream = async function* (request: ModelRequest): AsyncGenerator<ModelStreamPart> {
      const response = await answer(request);
      for (let offset = 0; offset < response.text.length; offset += chunkSize) {
        yield { type: 'text-delta', text: response.text.slice(offset, offset + chunkSize) };
      }
      yield { type: 'response', response };
    };
  }
  return model;
}
