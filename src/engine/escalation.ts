import type { ModelToolSpec } from '../gateway/model.ts';
import { createId } from '../internal/ids.ts';
import type { JournalEvent } from '../journal/events.ts';
import { inputText, runMessages, type RunState } from './fold.ts';
import { pastToolCalls } from './past-tool-calls.ts';
import type { LoopContext } from './loop-context.ts';

/** The tool the model is offered whenever escalation is enabled for its agent. */
export const escalationToolName = 'escalate_to_human';

export const escalationToolSpec: ModelToolSpec = {
  name: escalationToolName,
  description:
    'Hand this conversation to a human agent: when the user asks for a person, when you cannot resolve the request with your tools, ' +
    'or when you are not confident in your answer. A human then replies to the user. Say why, and what the user still needs.',
  inputSchema: {
    type: 'object',
    properties: {
      reason: { type: 'string', description: 'Why a human should take over' },
      question: { type: 'string', description: 'What the user still needs answered' },
      confidence: { type: 'number', minimum: 0, maximum: 1, description: 'How confident you are that you could answer yourself' },
    },
    required: ['reason'],
    additionalProperties: false,
  },
};

// "Can I talk to a human?", "get me a real person", "I want to speak to an agent / a representative".
const humanRequest =
  /\b(?:talk|speak|chat|connect|transfer|escalate|put)\b[^.?!\n]{0,40}\b(?:human|person|real agent|live agent|(?:an|a|some) agent|representative|operator|manager|someone real)\b|\b(?:human|real person|live agent|representative)\s*(?:please|now)\b|\bagent\s*please\b/i;

/**
 * Whether a user's message asks for a human: a cheap check, run on every input when escalation
 * is enabled, so the user does not have to convince the model first.
 *
 * @example
 * asksForHuman('Can I talk to a real person please?'); // true
 * asksForHuman('How do I kill a Python process?'); // false
 */
export function asksForHuman(text: string): boolean {
  return humanRequest.test(text);
}

/**
 * What failed since the run was last handed to a person (or since it began): tool calls that
 * ended in an error, and final answers the output schema rejected (each costs a repair turn).
 * Together they are the `repeated-failure` trigger, at the agent's `afterToolFailures`.
 */
export function failuresSinceEscalation(state: RunState): { toolCalls: number; answers: number } {
  const since = Math.max(0, ...[...state.escalations.values()].map((escalation) => escalation.afterStep));
  const toolCalls = state.steps
    .filter((step) => step.step > since)
    .flatMap((step) => [...step.toolCalls.values()])
    .filter((call) => call.result?.error !== undefined).length;
  const answers = state.outputRejections.filter((rejection) => rejection.step > since).length;
  return { toolCalls, answers };
}

/** The escalation reason for so many failures: `3 tool calls failed`, `1 tool call failed and 2 answers did not match the output schema`. */
export function repeatedFailureReason(failures: { toolCalls: number; answers: number }): string {
  const parts = [
    ...(failures.toolCalls > 0 ? [`${failures.toolCalls} tool call${failures.toolCalls === 1 ? '' : 's'} failed`] : []),
    ...(failures.answers > 0 ? [`${failures.answers} answer${failures.answers === 1 ? '' : 's'} did not match the output schema`] : []),
  ];
  return parts.join(' and ');
}

/**
 * Hands the run to a human: journals `escalation-open` with its handoff package (and lists it
 * with the other escalations), then parks the run in `waiting: human`. The package is built
 * from the journal alone, so it is the same whichever node writes it.
 */
export async function escalate(
  context: LoopContext,
  input: { trigger: string; reason: string; question?: string; events?: JournalEvent[] },
): Promise<'waiting'> {
  const escalationId = createId('esc', context.now());
  const handoff = handoffPackage(context.state, input);
  const open: JournalEvent = { type: 'escalation-open', escalationId, trigger: input.trigger, reason: input.reason, handoff };
  context.log.info({ escalationId, trigger: input.trigger }, 'run escalated to a human');
  return await context.park(
    'human',
    { escalationId, trigger: input.trigger, reason: input.reason },
    { events: [...(input.events ?? []), open], patch: { escalationOpened: { id: escalationId, trigger: input.trigger, reason: input.reason, handoff } } },
  );
}

/**
 * What a person taking over needs without reading the journal: what the user wanted, what was
 * tried (each tool call and what came of it), where it got stuck, the pending question, and the
 * end of the conversation. Deterministic: a summary of the journal, not a model's.
 */
export function handoffPackage(state: RunState, input: { trigger: string; reason: string; question?: string }): Record<string, unknown> {
  const tried = pastToolCalls(state)
    .filter((call) => call.toolName !== escalationToolName)
    .map((call) => ({
      tool: call.toolName,
      input: preview(call.input, 300),
      outcome: call.refusedBy !== undefined ? `refused by ${call.refusedBy}` : call.error !== undefined ? `failed: ${call.error.code}` : 'succeeded',
      result: call.error !== undefined ? preview(call.error.message, 300) : preview(call.output, 300),
    }));
  const transcript = runMessages(state)
    .slice(-12)
    .map((message) => ({ role: message.role, content: preview(message.content, 500) }));
  return {
    request: preview(inputText(state), 2_000),
    trigger: input.trigger,
    stuck: input.reason,
    pendingQuestion: input.question ?? preview(inputText(state), 500),
    tried,
    steps: state.steps.length,
    transcript,
  };
}

function preview(value: unknown, maxChars: number): string {
  const text = typeof value === 'string' ? value : (JSON.stringify(value) ?? 'null');
  return text.length <= maxChars ? text : `${text.slice(0, maxChars)}… (${text.length - maxChars} more characters)`;
}
