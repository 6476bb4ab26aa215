import { describe, expect, it } from 'vitest';
import { timelineItem, timelineMemory } from '../../src/dashboard/timeline-items.ts';
import type { JournalEntry, JournalEvent } from '../../src/journal/events.ts';

const hostile = '<img src=x onerror=alert(1)>';
let seq = 0;
const entry = (event: JournalEvent): JournalEntry => ({ ...event, seq: (seq += 1), at: '2030-01-01T00:00:00.000Z', v: 1 }) as JournalEntry;

const entries: JournalEntry[] = [
  entry({ type: 'step-start', step: 1, attempt: 2 }),
  entry({
    type: 'model-fallback',
    step: 1,
    from: { provider: 'openai', modelId: 'gpt-4o' },
    to: { provider: 'anthropic', modelId: 'claude-haiku' },
    error: { code: 'MODEL_UNAVAILABLE', message: `503 ${hostile}` },
  }),
  entry({ type: 'tool-call', step: 1, callId: 'c1', toolName: 'refund', input: { amount: 5, note: hostile }, effect: 'unsafe', idempotencyKey: 'k' }),
  entry({
    type: 'guardrail-decision',
    boundary: 'tool-call',
    guardrail: 'tool-arguments',
    verdict: 'require-approval',
    reason: `Large refund ${hostile}`,
    step: 1,
    callId: 'c1',
    latencyMs: 3,
  }),
  entry({
    type: 'approval-request',
    approvalId: 'apr_1',
    step: 1,
    callId: 'c1',
    toolName: 'refund',
    input: { amount: 5 },
    reason: 'Refunds need a person',
    source: 'guardrail',
  }),
  entry({
    type: 'approval-decision',
    approvalId: 'apr_1',
    step: 1,
    callId: 'c1',
    decision: 'edit',
    input: { amount: 4 },
    reason: `Capped ${hostile}`,
    actor: { kind: 'key', keyId: 'key_1', name: 'Ana' },
  }),
  entry({ type: 'tool-start', step: 1, callId: 'c1', attempt: 2, startedAt: '2030-01-01T00:00:00.000Z' }),
  entry({ type: 'tool-result', step: 1, callId: 'c1', error: { code: 'TOOL_FAILED', message: hostile }, durationMs: 40 }),
  entry({ type: 'text-delta', step: 2, attempt: 1, text: 'partial' }),
  entry({ type: 'run-end', status: 'failed', error: { code: 'TOOL_FAILED', message: 'gave up' } }),
];

describe('timeline items', () => {
  const memory = timelineMemory(entries);
  const rendered = entries.map((item) => timelineItem(item, memory)?.toString());

  it('shows retries, fallbacks, guardrail verdicts, approvals and their decisions, with the tool named on its result', () => {
    expect(rendered[0]).toContain('Step 1: model call retried');
    expect(rendered[1]).toContain('Fallback: openai:gpt-4o → anthropic:claude-haiku');
    expect(rendered[1]).toContain('MODEL_UNAVAILABLE');
    expect(rendered[2]).toContain('Tool call: refund');
    expect(rendered[3]).toContain('Guardrail tool-arguments');
    expect(rendered[3]).toContain('require-approval');
    expect(rendered[4]).toContain('Approval requested: refund');
    expect(rendered[5]).toContain('Approval approved with edits');
    expect(rendered[5]).toContain('by Ana');
    expect(rendered[6]).toContain('Tool refund retried');
    expect(rendered[7]).toContain('Tool result: refund');
    expect(rendered[7]).toContain('kind-error');
    expect(rendered[8]).toBeUndefined();
    expect(rendered[9]).toContain('Run failed');
  });

  it('escapes everything that came from the run', () => {
    const page = rendered.join('');
    expect(page).not.toContain('<img');
    expect(page).toContain('&lt;img src=x onerror=alert(1)&gt;');
  });
});
