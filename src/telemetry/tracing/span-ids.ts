import { hash } from 'node:crypto';

/**
 * Span ids as functions of the run and what the span is of, never random: the process that
 * resumes a run after a crash computes the same parent id for its spans as the one that started
 * it, and a span re-derived twice is the same span.
 *
 * @example
 * spanIdOf('run_1', 'chat', 2); // 16 hex digits, the same on every node
 */
export function spanIdOf(runId: string, kind: 'invoke_agent' | 'chat' | 'execute_tool' | 'wait', ...parts: Array<string | number>): string {
  // The one-shot hash: no Hash object per span (spans are derived on every commit).
  const id = hash('sha256', [runId, kind, ...parts].join('\u0000'), 'hex').slice(0, 16);
  // An all-zero id is invalid in W3C trace context; the odds are 2^-64, the cost one line.
  return /^0+$/.test(id) ? '0000000000000001' : id;
}
