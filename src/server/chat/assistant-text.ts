import type { JournalEntry } from '../../journal/events.ts';

/**
 * What the assistant has said to the user, derived from the journal as it grows. Streaming and
 * non-streaming chat completions both use it, so they always agree:
 *
 * - every step's text counts, in order, steps separated by a blank line ("Let me look that
 *   up." before a tool call is part of the answer the user sees);
 * - a model call that was retried (a broken stream) restarts its step's text: only what goes
 *   beyond the text already sent is emitted, since sent text cannot be taken back;
 * - an agent with a structured `output` emits its final JSON once, at the end, instead;
 * - a person's reply in an escalation (`escalation-reply`) is the assistant speaking too: it is
 *   emitted whole, as its own paragraph, for structured agents as well (a person answers in
 *   words, not in the agent's schema).
 *
 * @example
 * const projection = createAssistantText({ structured: false });
 * for (const entry of journal) process.stdout.write(projection.push(entry));
 */
export function createAssistantText(options: { structured: boolean }): { push(entry: JournalEntry): string } {
  const sentPerStep = new Map<number, string>();
  const attemptText = new Map<string, string>();
  let anythingSent = false;

  const extend = (step: number, full: string): string => {
    const sent = sentPerStep.get(step) ?? '';
    if (full.length <= sent.length || !full.startsWith(sent)) return '';
    const piece = full.slice(sent.length);
    sentPerStep.set(step, full);
    const separator = sent === '' && anythingSent ? '\n\n' : '';
    anythingSent = true;
    return separator + piece;
  };

  let lastReply: string | undefined;
  const paragraph = (text: string): string => {
    const separator = anythingSent ? '\n\n' : '';
    anythingSent = true;
    return separator + text;
  };

  return {
    push(entry) {
      if (entry.type === 'escalation-reply') {
        lastReply = entry.message;
        return paragraph(entry.message);
      }
      if (options.structured) {
        if (entry.type !== 'run-end' || entry.status !== 'completed') return '';
        // Resolved without any reply: nothing was said, not the word "null".
        if (entry.output === null || entry.output === undefined) return '';
        // Resolved after a reply: the run's answer is that reply, already sent.
        if (entry.output === lastReply) return '';
        return paragraph(typeof entry.output === 'string' ? entry.output : JSON.stringify(entry.output));
      }
      if (entry.type === 'text-delta') {
        const key = `${entry.step}:${entry.attempt}`;
        const text = (attemptText.get(key) ?? '') + entry.text;
        attemptText.set(key, text);
        return extend(entry.step, text);
      }
      if (entry.type === 'model-response') return extend(entry.step, entry.text);
      return '';
    },
  };
}
