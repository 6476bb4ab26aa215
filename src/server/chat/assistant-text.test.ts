import { describe, expect, it } from 'vitest';
import type { JournalEntry, JournalEvent } from '../../journal/events.ts';
import { createAssistantText } from './assistant-text.ts';

const usage = { inputTokens: 1, outputTokens: 1, cachedTokens: 0 };
let seq = 0;
const entry = (event: JournalEvent): JournalEntry => ({ ...event, seq: (seq += 1), at: '2030-01-01T00:00:00.000Z', v: 1 });
const response = (step: number, text: string): JournalEntry =>
  entry({ type: 'model-response', step, text, toolCalls: [], finishReason: 'stop', usage, provider: 'p', modelId: 'm', latencyMs: 1 });
const delta = (step: number, attempt: number, text: string): JournalEntry => entry({ type: 'text-delta', step, attempt, text });

function project(entries: JournalEntry[], structured = false): string[] {
  const projection = createAssistantText({ structured });
  return entries.map((item) => projection.push(item)).filter((piece) => piece !== '');
}

describe('createAssistantText', () => {
  it('streams deltas, and takes from the response only what the deltas did not carry', () => {
    expect(project([delta(1, 1, 'Hel'), delta(1, 1, 'lo'), response(1, 'Hello there')])).toEqual(['Hel', 'lo', ' there']);
  });

  it('uses the response text of a model that does not stream', () => {
    expect(project([response(1, 'Hello')])).toEqual(['Hello']);
  });

  it('separates the text of successive steps with a blank line', () => {
    expect(project([response(1, 'Let me look.'), response(2, ''), delta(3, 1, 'Found'), response(3, 'Found it.')])).toEqual([
      'Let me look.',
      '\n\nFound',
      ' it.',
    ]);
  });

  it('never repeats text when a broken model call is retried', () => {
    expect(project([delta(1, 1, 'Your or'), delta(1, 2, 'Your'), delta(1, 2, ' order'), response(1, 'Your order shipped.')])).toEqual([
      'Your or',
      'der',
      ' shipped.',
    ]);
  });

  it('emits a structured answer once, as JSON, at the end', () => {
    const end = entry({ type: 'run-end', status: 'completed', output: { refundId: 'r1' } });
    expect(project([delta(1, 1, '{"refundId"'), response(1, '{"refundId":"r1"}'), end], true)).toEqual(['{"refundId":"r1"}']);
  });

  it('emits a person’s reply whole, as its own paragraph, for structured agents too, and a resolution repeating it adds nothing', () => {
    const actor = { kind: 'key' as const, keyId: 'k' };
    const reply = (message: string, handBack = false) => entry({ type: 'escalation-reply', escalationId: 'esc_1', message, handBack, actor });
    expect(project([response(1, 'Let me get someone.'), reply('Hi, Rita here.'), reply('Refunded.', true), response(2, 'Anything else?')])).toEqual([
      'Let me get someone.',
      '\n\nHi, Rita here.',
      '\n\nRefunded.',
      '\n\nAnything else?',
    ]);
    const resolved = entry({ type: 'run-end', status: 'completed', output: 'Refunded.' });
    expect(project([reply('Refunded.'), resolved], true)).toEqual(['Refunded.']);
    expect(project([entry({ type: 'run-end', status: 'completed', output: null })], true)).toEqual([]);
    expect(project([reply('One moment.', true), entry({ type: 'run-end', status: 'completed', output: { ok: true } })], true)).toEqual([
      'One moment.',
      '\n\n{"ok":true}',
    ]);
  });
});
