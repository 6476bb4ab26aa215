import { defineGuardrail, type Guardrail, type GuardrailVerdict } from '../sdk/define-guardrail.ts';
import { choiceOption, counted, invalidOption, positiveIntegerOption } from './support/guardrail-options.ts';

export interface MaxToolCallsOptions {
  /** Tool calls a run may make, all tools together. */
  max: number;
  /** Lower limits for single tools: `{ send_email: 1 }`. */
  perTool?: Readonly<Record<string, number>>;
  /**
   * `block` (the default): a call over the limit is not run and the model is told to answer with
   * what it has. `stop`: the run ends (`GUARDRAIL_BLOCKED`).
   */
  action?: 'block' | 'stop';
}

const name = 'max-tool-calls';

/**
 * A limit on tool calls per run, overall and per tool (at `tool-call`). Counted over the run's
 * history: calls that ran (also those that failed); calls a guardrail refused do not count.
 * Calls the model makes together in one turn are each checked against the history before that
 * turn, so a turn can pass the limit by the calls it makes at once. Unlike the agent's
 * `limits.maxToolCalls`, which fails the run, this refuses the call and lets the model answer.
 *
 * @example
 * defineAgent({ ..., guardrails: { toolCall: [maxToolCalls({ max: 10, perTool: { issue_refund: 1 } })] } });
 */
export function maxToolCalls(options: MaxToolCallsOptions): Guardrail {
  const max = positiveIntegerOption(name, 'max', options?.max);
  if (max === undefined) throw invalidOption(name, 'max is required');
  const perTool = options.perTool ?? {};
  if (typeof perTool !== 'object' || perTool === null || Array.isArray(perTool)) throw invalidOption(name, 'perTool must map tool names to limits');
  for (const [tool, limit] of Object.entries(perTool)) positiveIntegerOption(name, `perTool.${tool}`, limit);
  const action = choiceOption(name, 'action', options.action, ['block', 'stop']);
  return defineGuardrail({
    name,
    boundaries: ['tool-call'],
    check(subject): GuardrailVerdict {
      if (subject.boundary !== 'tool-call') return { verdict: 'allow' };
      const { toolName } = subject.call;
      const ran = subject.history.filter((past) => past.refusedBy === undefined);
      const toolLimit = perTool[toolName];
      const ofTool = toolLimit === undefined ? 0 : ran.filter((past) => past.toolName === toolName).length;
      let reason: string | undefined;
      if (ran.length >= max)
        reason = `The run has made ${counted(ran.length, 'tool call')}, its limit. No more tools will run: answer with the information you have.`;
      else if (toolLimit !== undefined && ofTool >= toolLimit) {
        reason = `${toolName} has been called ${counted(ofTool, 'time')} in this run, its limit. Do not call it again: use its results so far.`;
      }
      if (reason === undefined) return { verdict: 'allow' };
      return action === 'stop' ? { verdict: 'block', reason, end: true } : { verdict: 'block', reason };
    },
  });
}
