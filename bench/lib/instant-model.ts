import type { Model, ModelRequest, ModelResponse } from '../../src/gateway/model.ts';

export interface InstantModelOptions {
  /** Tool-calling turns before the final answer. */
  turns: number;
  toolName: string;
  /** Called at the start of every model call with the number of turns completed so far. */
  onCall?: (completedTurns: number) => void;
  /**
   * Answer on the next turn of the event loop (`setImmediate`), as a real model's answer arrives
   * through I/O, so that timers (a batch exporter's, say) get to run between calls. Default false.
   */
  yieldToEventLoop?: boolean;
}

const usage = { inputTokens: 10, outputTokens: 5, cachedTokens: 0 };

/**
 * A Keel `Model` that answers at once: one tool call per turn, then a final answer. It reads the
 * turn from the request (tool results so far), so one instance serves any number of runs.
 */
export function instantModel(options: InstantModelOptions): Model {
  const { turns, toolName } = options;
  return {
    provider: 'bench',
    modelId: 'instant',
    generate(request: ModelRequest): Promise<ModelResponse> {
      const answer = (): ModelResponse => {
        const completed = countToolResults(request);
        options.onCall?.(completed);
        const base = { usage, modelId: 'instant', provider: 'bench' };
        if (completed >= turns) return { ...base, text: 'done', toolCalls: [], finishReason: 'stop' };
        const call = { callId: `call_${completed + 1}`, toolName, arguments: JSON.stringify({ id: completed + 1 }) };
        return { ...base, text: '', toolCalls: [call], finishReason: 'tool-calls' };
      };
      if (options.yieldToEventLoop !== true) return Promise.resolve(answer());
      return new Promise((resolve) => setImmediate(() => resolve(answer())));
    },
  };
}

function countToolResults(request: ModelRequest): number {
  let count = 0;
  for (const message of request.messages) if (message.role === 'tool') count += 1;
  return count;
}
