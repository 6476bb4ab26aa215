import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createStreamRedactor } from './detectors/stream/create-stream-redactor.ts';
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

export interface ClassifierServer {
  url: string;
  /** Requests received: their JSON bodies and headers. */
  requests: Array<{ body: unknown; headers: Record<string, string | string[] | undefined> }>;
  close(): Promise<void>;
}

/** A real HTTP classifier endpoint on 127.0.0.1 answering each request with `respond(body)` (a status and a JSON body). */
export async function startClassifierServer(
  respond: (body: unknown) => { status?: number; json?: unknown; text?: string; delayMs?: number },
): Promise<ClassifierServer> {
  const requests: ClassifierServer['requests'] = [];
  const server = createServer((request, response) => {
    let raw = '';
    request.setEncoding('utf8');
    request.on('data', (chunk: string) => (raw += chunk));
    request.on('end', () => {
      const body: unknown = JSON.parse(raw);
      requests.push({ body, headers: request.headers });
      const answer = respond(body);
      const send = () => {
        response.writeHead(answer.status ?? 200, { 'content-type': 'application/json' });
        response.end(answer.text ?? JSON.stringify(answer.json));
      };
      if (answer.delayMs === undefined) send();
      else setTimeout(send, answer.delayMs);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/v1/moderations?key=query-secret`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Deterministic pseudo-random numbers in [0, 1) (mulberry32). */
export function seededRandom(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let mixed = Math.imul(state ^ (state >>> 15), 1 | state);
    mixed = (mixed + Math.imul(mixed ^ (mixed >>> 7), 61 | mixed)) ^ mixed;
    return ((mixed ^ (mixed >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/** Streams `text` through a guardrail's stream redaction in deltas of `sizes()` characters, as the engine does; returns what was emitted, piece by piece. */
export function streamThrough(guardrail: Guardrail, text: string, sizes: () => number): string[] {
  const redaction = guardrail.streamRedaction;
  if (redaction === undefined) throw new Error(`${guardrail.name} has no stream redaction`);
  const redactor = createStreamRedactor({ redact: redaction.redact, ...(redaction.holdBack === undefined ? {} : { holdBack: redaction.holdBack }) });
  const pieces: string[] = [];
  for (let index = 0; index < text.length;) {
    const size = sizes();
    pieces.push(redactor.push(text.slice(index, index + size)));
    index += size;
  }
  pieces.push(redactor.end());
  return pieces;
}
