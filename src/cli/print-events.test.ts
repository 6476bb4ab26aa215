import { describe, expect, it } from 'vitest';
import { expectTerminalSafe, hostile } from '../../test/cli/hostile-text.ts';
import type { JournalEntry, JournalEvent, WaitingReason } from '../journal/events.ts';
import { eraseEventContent } from '../store/erase-content.ts';
import { createEventPrinter, truncate } from './print-events.ts';
import { createStyle } from './style.ts';
import { terminalSafe } from './terminal-text.ts';

function journal(events: JournalEvent[]): JournalEntry[] {
  return events.map((event, index) => ({ ...event, seq: index + 1, at: new Date(Date.UTC(2025, 0, 1, 0, 0, index)).toISOString(), v: 1 }));
}

function render(events: JournalEvent[], options: { color?: boolean; maxValueChars?: number } = {}): string {
  let out = '';
  const printer = createEventPrinter({ write: (text) => (out += text), style: createStyle(options.color ?? false), maxValueChars: options.maxValueChars });
  for (const entry of journal(events)) printer.print(entry);
  return out;
}

const usage = { inputTokens: 120, outputTokens: 30, cachedTokens: 0 };
const start: JournalEvent = { type: 'run-start', agent: 'support', input: 'Where is order 1001?', sessionId: 'ses_1', userId: 'ana' };

describe('createEventPrinter', () => {
  it('prints a run erased with its session: every event with its content blanked or null, nothing of it left', () => {
    const content = 'ERASED-CONTENT';
    const events: JournalEvent[] = [
      { ...start, input: content },
      {
        type: 'guardrail-decision',
        boundary: 'input',
        guardrail: 'pii',
        verdict: 'modify',
        reason: content,
        replacement: { text: content },
        changes: { email: 1 },
        latencyMs: 1,
      },
      { type: 'step-start', step: 1, attempt: 1 },
      { type: 'text-delta', step: 1, attempt: 1, text: content },
      {
        type: 'model-response',
        step: 1,
        text: content,
        toolCalls: [{ callId: 'c1', toolName: 'refund', arguments: `{"note":"${content}"}` }],
        finishReason: 'tool-calls',
        usage,
        provider: 'openai',
        modelId: 'gpt-4o-mini',
        latencyMs: 4,
      },
      { type: 'tool-call', step: 1, callId: 'c1', toolName: 'refund', input: { note: content, status: content }, effect: 'unsafe', idempotencyKey: 'k1' },
      { type: 'approval-request', approvalId: 'apr_1', step: 1, callId: 'c1', toolName: 'refund', input: { note: content }, reason: content, source: 'tool' },
      { type: 'run-waiting', reason: 'approval', details: { approvals: [{ approvalId: 'apr_1', callId: 'c1', toolName: 'refund' }] } },
      {
        type: 'approval-decision',
        approvalId: 'apr_1',
        step: 1,
        callId: 'c1',
        decision: 'edit',
        input: { note: content },
        reason: content,
        actor: { kind: 'cli', name: 'rita' },
      },
      { type: 'tool-result', step: 1, callId: 'c1', output: { status: content }, durationMs: 3 },
      { type: 'escalation-open', escalationId: 'esc_1', trigger: 'agent-request', reason: content, handoff: { request: content } },
      { type: 'escalation-reply', escalationId: 'esc_1', message: content, handBack: false, actor: { kind: 'cli', name: 'rita' } },
      { type: 'run-end', status: 'completed', output: { answer: content, status: content } },
    ];
    const erased = events.map((event) => eraseEventContent(event as unknown as Record<string, unknown>) as unknown as JournalEvent);
    const out = render(erased);
    expect(out).toContain('refund');
    expect(out).not.toContain(content);
  });

  it('prints a completed run: streamed text, tool call with args, tool result, output and usage', () => {
    const out = render([
      start,
      { type: 'step-start', step: 1, attempt: 1 },
      {
        type: 'model-response',
        step: 1,
        text: '',
        toolCalls: [{ callId: 'c1', toolName: 'lookup_order', arguments: '{"orderId":"1001"}' }],
        finishReason: 'tool-calls',
        usage,
        provider: 'keel-demo',
        modelId: 'support-script',
        latencyMs: 4,
      },
      { type: 'tool-call', step: 1, callId: 'c1', toolName: 'lookup_order', input: { orderId: '1001' }, effect: 'read', idempotencyKey: 'k1' },
      { type: 'tool-start', step: 1, callId: 'c1', attempt: 1, startedAt: '2025-01-01T00:00:00.000Z' },
      { type: 'tool-result', step: 1, callId: 'c1', output: { status: 'shipped' }, durationMs: 3 },
      { type: 'usage-update', usage, modelCalls: 1 },
      { type: 'step-start', step: 2, attempt: 1 },
      { type: 'text-delta', step: 2, attempt: 1, text: 'Order 1001 ' },
      { type: 'text-delta', step: 2, attempt: 1, text: 'has shipped.' },
      {
        type: 'model-response',
        step: 2,
        text: 'Order 1001 has shipped.',
        toolCalls: [],
        finishReason: 'stop',
        usage,
        provider: 'keel-demo',
        modelId: 'support-script',
        latencyMs: 5,
      },
      { type: 'usage-update', usage: { inputTokens: 240, outputTokens: 60, cachedTokens: 10 }, modelCalls: 2 },
      { type: 'run-end', status: 'completed', output: 'Order 1001 has shipped.' },
    ]);
    expect(out).toBe(
      [
        '▸ support session ses_1 · user ana',
        'you: Where is order 1001?',
        '— step 1',
        '  keel-demo:support-script · 4 ms · 120 in / 30 out',
        '→ lookup_order {"orderId":"1001"} [read]',
        '← lookup_order {"status":"shipped"} 3 ms',
        '— step 2',
        'Order 1001 has shipped.',
        '  keel-demo:support-script · 5 ms · 120 in / 30 out',
        '✓ completed',
        'usage: 240 input (10 cached) + 60 output tokens · 2 model calls',
        '',
      ].join('\n'),
    );
  });

  it('prints the text of a model that does not stream, and a structured output', () => {
    const out = render([
      {
        type: 'model-response',
        step: 1,
        text: '{"ok":true}',
        toolCalls: [],
        finishReason: 'stop',
        usage,
        provider: 'openai',
        modelId: 'gpt-4o-mini',
        latencyMs: 800,
      },
      { type: 'run-end', status: 'completed', output: { ok: true, refundId: 'r_1' } },
    ]);
    expect(out).toContain('{"ok":true}\n');
    expect(out).toContain('output: {"ok":true,"refundId":"r_1"}\n');
  });

  it('prints tool errors and run failures with their code', () => {
    const out = render([
      { type: 'tool-call', step: 1, callId: 'c9', toolName: 'issue_refund', input: { orderId: '1' }, effect: 'unsafe', idempotencyKey: 'k' },
      { type: 'tool-result', step: 1, callId: 'c9', error: { code: 'TOOL_TIMEOUT', message: 'took longer than 10000 ms' }, durationMs: 10_000 },
      { type: 'run-end', status: 'failed', error: { code: 'MAX_STEPS_EXCEEDED', message: 'no answer after 20 steps' } },
    ]);
    expect(out).toContain('← issue_refund TOOL_TIMEOUT: took longer than 10000 ms 10000 ms\n');
    expect(out).toContain('✗ failed MAX_STEPS_EXCEEDED: no answer after 20 steps\n');
  });

  it('prints waiting reasons with their details, resumes, reconciled results and retries', () => {
    const out = render([
      { type: 'tool-call', step: 1, callId: 'c1', toolName: 'issue_refund', input: {}, effect: 'unsafe', idempotencyKey: 'k' },
      { type: 'run-waiting', reason: 'outcome-unknown', details: { callId: 'c1' } },
      { type: 'run-resume', reason: 'outcome-unknown' },
      { type: 'tool-start', step: 1, callId: 'c1', attempt: 2, startedAt: '2025-01-01T00:00:00.000Z' },
      { type: 'tool-result', step: 1, callId: 'c1', output: { refundId: 'r_1' }, durationMs: 0, resolvedBy: 'reconcile' },
      { type: 'run-end', status: 'cancelled' },
    ]);
    expect(out).toContain('⏸ waiting: outcome-unknown {"callId":"c1"}\n');
    expect(out).toContain('▶ resumed (outcome-unknown cleared)\n');
    expect(out).toContain('  ↻ issue_refund: attempt 2\n');
    expect(out).toContain('← issue_refund {"refundId":"r_1"} 0 ms · resolved by reconcile\n');
    expect(out).toContain('■ cancelled\n');
  });

  it('ends a streamed line before the next block and flags text of a repeated model call', () => {
    const out = render([
      { type: 'text-delta', step: 1, attempt: 1, text: 'Let me che' },
      { type: 'step-start', step: 1, attempt: 2 },
      { type: 'text-delta', step: 1, attempt: 2, text: 'Checking.' },
      { type: 'tool-call', step: 1, callId: 'c1', toolName: 'lookup_order', input: { orderId: '7' }, effect: 'read', idempotencyKey: 'k' },
    ]);
    expect(out).toBe(
      [
        'Let me che',
        '— step 1 (model call repeated, attempt 2)',
        '(the model call was repeated; the text above is superseded)',
        'Checking.',
        '→ lookup_order {"orderId":"7"} [read]',
        '',
      ].join('\n'),
    );
  });

  it('truncates long tool results', () => {
    const out = render(
      [
        { type: 'tool-call', step: 1, callId: 'c1', toolName: 'search', input: { q: 'x' }, effect: 'read', idempotencyKey: 'k' },
        { type: 'tool-result', step: 1, callId: 'c1', output: 'y'.repeat(500), durationMs: 1 },
      ],
      { maxValueChars: 20 },
    );
    expect(out).toContain(`← search "${'y'.repeat(19)}… (482 more characters) 1 ms\n`);
  });

  it('colours only when its style is enabled', () => {
    const events: JournalEvent[] = [{ type: 'run-end', status: 'failed', error: { code: 'TOOL_FAILED', message: 'x' } }];
    expect(render(events, { color: false })).not.toContain('\u001b[');
    expect(render(events, { color: true })).toContain('\u001b[');
  });
});

describe('createEventPrinter on hostile text', () => {
  // Every string of every event type set to text that would take over a terminal.
  const error = { code: hostile as never, message: `${hostile}\n${hostile}` };
  const model = { provider: hostile, modelId: hostile };
  const reason = hostile as WaitingReason;
  const events: JournalEvent[] = [
    { type: 'run-start', agent: hostile, input: `${hostile}\n${hostile}`, sessionId: hostile, userId: hostile },
    { type: 'step-start', step: 1, attempt: 1 },
    { type: 'text-delta', step: 1, attempt: 1, text: hostile },
    { type: 'step-start', step: 1, attempt: 2 },
    { type: 'text-delta', step: 1, attempt: 2, text: `${hostile}\r\n` },
    { type: 'model-fallback', step: 1, from: model, to: model, error },
    { type: 'model-response', step: 2, text: hostile, toolCalls: [], finishReason: 'stop', usage, ...model, latencyMs: 1 },
    { type: 'tool-call', step: 2, callId: hostile, toolName: hostile, input: { [hostile]: hostile }, effect: hostile as never, idempotencyKey: hostile },
    { type: 'tool-start', step: 2, callId: hostile, attempt: 2, startedAt: hostile },
    { type: 'tool-result', step: 2, callId: hostile, output: hostile, durationMs: 1, resolvedBy: hostile as never },
    { type: 'tool-result', step: 2, callId: 'unknown-call', error, durationMs: 1 },
    { type: 'output-rejected', step: 2, error, repairAttempt: 1 },
    { type: 'run-waiting', reason, details: { [hostile]: hostile } },
    { type: 'run-resume', reason },
    {
      type: 'guardrail-decision',
      boundary: hostile as never,
      guardrail: hostile,
      verdict: 'block',
      reason: hostile,
      callId: hostile,
      latencyMs: 1,
      changes: { [hostile]: hostile },
    },
    {
      type: 'approval-request',
      approvalId: hostile,
      step: 2,
      callId: hostile,
      toolName: hostile,
      input: { [hostile]: hostile },
      reason: hostile,
      source: hostile as never,
    },
    {
      type: 'approval-decision',
      approvalId: hostile,
      step: 2,
      callId: hostile,
      decision: 'edit',
      input: hostile,
      reason: hostile,
      actor: { kind: 'key', name: hostile },
    },
    { type: 'escalation-open', escalationId: hostile, trigger: hostile, reason: hostile, handoff: {} },
    { type: 'escalation-reply', escalationId: hostile, message: `${hostile}\n${hostile}`, handBack: true, actor: { kind: 'key', keyId: hostile } },
    { type: 'escalation-resolve', escalationId: hostile, actor: { kind: hostile as never } },
    { type: 'run-end', status: 'completed', output: hostile },
    { type: 'run-end', status: 'completed', output: { [hostile]: hostile } },
    { type: 'run-end', status: 'failed', error },
    { type: 'run-end', status: 'cancelled', error },
  ];

  it('prints guardrail verdicts, an approval and its decision, and an escalation with its reply', () => {
    const out = render([
      start,
      { type: 'guardrail-decision', boundary: 'input', guardrail: 'pii', verdict: 'modify', reason: 'PII redacted', latencyMs: 0.4, changes: { email: 1 } },
      { type: 'tool-call', step: 1, callId: 'c1', toolName: 'issue_refund', input: { amountUsd: 900 }, effect: 'unsafe', idempotencyKey: 'k1' },
      {
        type: 'guardrail-decision',
        boundary: 'tool-call',
        guardrail: 'refund-cap',
        verdict: 'require-approval',
        reason: 'Over $100',
        step: 1,
        callId: 'c1',
        latencyMs: 0.1,
      },
      {
        type: 'approval-request',
        approvalId: 'apr_1',
        step: 1,
        callId: 'c1',
        toolName: 'issue_refund',
        input: { amountUsd: 900 },
        reason: 'Over $100',
        source: 'guardrail',
      },
      { type: 'run-waiting', reason: 'approval' },
      {
        type: 'approval-decision',
        approvalId: 'apr_1',
        step: 1,
        callId: 'c1',
        decision: 'edit',
        input: { amountUsd: 90 },
        reason: 'cap',
        actor: { kind: 'key', keyId: 'key_9', name: 'Maya' },
      },
      { type: 'escalation-open', escalationId: 'esc_1', trigger: 'tool', reason: 'The customer asks for a manager', handoff: {} },
      { type: 'escalation-reply', escalationId: 'esc_1', message: 'I have refunded you.', handBack: true, actor: { kind: 'key', keyId: 'key_9' } },
      { type: 'escalation-resolve', escalationId: 'esc_1', actor: { kind: 'cli' }, endSession: true },
      { type: 'guardrail-decision', boundary: 'output', guardrail: 'content-policy', verdict: 'block', reason: 'Blocked term', latencyMs: 0.2, end: true },
    ]);
    expect(out.split('\n').slice(2)).toEqual([
      '⛨ pii modify at input: PII redacted {"email":1} 0.4 ms',
      '→ issue_refund {"amountUsd":900} [unsafe]',
      '⛨ refund-cap require-approval at tool-call issue_refund: Over $100 0.1 ms',
      '? approval apr_1 for issue_refund {"amountUsd":900} (guardrail): Over $100',
      '⏸ waiting: approval',
      '✓ approved with edited arguments {"amountUsd":90} by Maya · apr_1: cap',
      '⇡ escalated esc_1 · tool: The customer asks for a manager',
      '⇣ human key key_9 · handed back to the agent: I have refunded you.',
      '⇣ resolved by cli · session ended',
      '⛨ content-policy block (run ended) at output: Blocked term 0.2 ms',
      '',
    ]);
  });

  it('prints no character a terminal would act on, and shows the hostile text as visible escapes', () => {
    const plain = render(events);
    expectTerminalSafe(plain);
    expect(plain).toContain('A\\x1b[2J\\x1b]0;owned\\x07B');
    expect(plain).toContain('\\rC\\x9b31mD\\u202eE');
    // Prose keeps its newlines; names and ids stay on their line.
    expect(plain).toContain(`you: ${terminalSafe(hostile)}\n${terminalSafe(hostile)}\n`);
    expect(plain).toContain(`→ ${terminalSafe(hostile)} {"A\\u001b[2J`);
  });

  it('writes only its own colour sequences when styled', () => {
    let out = '';
    const printer = createEventPrinter({ write: (text) => (out += text), style: createStyle(true), runId: hostile });
    for (const entry of journal(events)) printer.print(entry);
    expectTerminalSafe(out, { styled: true });
  });
});

describe('truncate', () => {
  it('keeps short text and joins lines', () => {
    expect(truncate('a\n  b', 10)).toBe('a b');
    expect(truncate('abcdef', 3)).toBe('abc… (3 more characters)');
  });
});
