import type { GuardedToolCall, Guardrail, GuardrailContext, GuardrailSubject, GuardrailVerdict, PastToolCall } from '../sdk/define-guardrail.ts';

/** Subjects and a context as the engine hands them to a guardrail, for the factories' unit tests. */
export function contextFor(overrides: Partial<GuardrailContext> = {}): GuardrailContext {
  return { runId: 'run_1', tenantId: 'acme', userId: 'user_1', sessionId: 'session_1', agent: 'support', signal: new AbortController().signal, ...overrides };
}

export const inputSubject = (text: string): GuardrailSubject => ({ boundary: 'input', text });

export const modelOutputSubject = (text: string): GuardrailSubject => ({ boundary: 'model-output', step: 2, text, toolCalls: [] });

export const outputSubject = (text: string, history: PastToolCall[] = [], output: unknown = text): GuardrailSubject => ({
  boundary: 'output',
  step: 3,
  text,
  output,
  history,
});

export function toolCallSubject(toolName: string, input: unknown, history: PastToolCall[] = []): GuardrailSubject {
  return { boundary: 'tool-call', step: 2, call: callOf(toolName, input), history };
}

export function toolResultSubject(
  toolName: string,
  output: unknown,
  options: { outputSchema?: Record<string, unknown>; error?: PastToolCall['error'] } = {},
): GuardrailSubject {
  return {
    boundary: 'tool-result',
    step: 2,
    call: { ...callOf(toolName, {}), ...(options.outputSchema === undefined ? {} : { outputSchema: options.outputSchema }) },
    ...(options.error === undefined ? { output } : { error: options.error }),
  };
}

/** An earlier call of the run and its result. */
export function pastCall(toolName: string, input: unknown, output: unknown, extra: Partial<PastToolCall> = {}): PastToolCall {
  return { step: 1, callId: `call_${toolName}_${JSON.stringify(input).length}`, toolName, input, output, ...extra };
}

export async function check(guardrail: Guardrail, subject: GuardrailSubject, context: GuardrailContext = contextFor()): Promise<GuardrailVerdict> {
  return await guardrail.check(subject, context);
}

function callOf(toolName: string, input: unknown): GuardedToolCall {
  return { callId: 'call_1', toolName, effect: 'read', input };
}
