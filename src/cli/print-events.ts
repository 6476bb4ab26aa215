import type { Actor, JournalEntry } from '../journal/events.ts';
import type { SerializedError } from '../errors/index.ts';
import type { ModelUsage } from '../journal/messages.ts';
import { createStyle, type Style } from './style.ts';
import { terminalSafe } from './terminal-text.ts';

export interface EventPrinterOptions {
  /** Receives the rendered text; nothing else is written. */
  write: (text: string) => void;
  style?: Style;
  /** Shown in the header line, since the journal's events do not repeat it. */
  runId?: string;
  /** Longest tool result or argument list shown before it is cut. Default 240 characters. */
  maxValueChars?: number;
}

export interface EventPrinter {
  print(entry: JournalEntry): void;
}

/**
 * Renders a run's journal for a terminal as it happens: streamed text inline, tool calls with
 * their arguments, tool results (truncated), waiting reasons, errors with their code, the final
 * output and the usage. Everything the journal recorded passes through `terminalSafe` first:
 * it came from users, models and tools, and must not drive the terminal.
 *
 * @example
 * const printer = createEventPrinter({ write: (text) => process.stdout.write(text) });
 * for await (const entry of runtime.events(runId)) printer.print(entry);
 */
export function createEventPrinter(options: EventPrinterOptions): EventPrinter {
  const style = options.style ?? createStyle(false);
  const maxChars = options.maxValueChars ?? 240;
  const toolNames = new Map<string, string>();
  let midLine = false;
  let streamed: { step: number; attempt: number } | undefined;
  let lastText = '';
  let usage: { usage: ModelUsage; modelCalls: number } | undefined;

  /** Writes whole lines, first ending any streamed text that is still on its line. */
  const line = (text: string) => {
    options.write(`${midLine ? '\n' : ''}${text}\n`);
    midLine = false;
  };
  const endLine = () => {
    if (midLine) options.write('\n');
    midLine = false;
  };
  const dim = (text: string) => style('dim', text);
  /** Recorded text that stays on its line (names, ids, codes, JSON). */
  const safe = (text: string) => terminalSafe(text);
  /** Recorded prose that may span lines (input, model text, output, error messages). */
  const prose = (text: string) => terminalSafe(text, { newlines: 'keep' });
  const failure = (error: SerializedError) => `${style(['red', 'bold'], safe(error.code))}: ${prose(error.message)}`;
  const value = (recorded: unknown) => safe(truncate(json(recorded), maxChars));

  return {
    print(entry) {
      switch (entry.type) {
        case 'run-start':
          line(
            `${style('bold', `▸ ${safe(entry.agent)}`)} ${dim(`${options.runId === undefined ? '' : `run ${safe(options.runId)} · `}session ${safe(entry.sessionId)} · user ${safe(entry.userId)}`)}`,
          );
          line(`${dim('you:')} ${prose(entry.input)}`);
          break;
        case 'step-start':
          line(dim(`— step ${entry.step}${entry.attempt > 1 ? ` (model call repeated, attempt ${entry.attempt})` : ''}`));
          break;
        case 'text-delta':
          if (streamed !== undefined && streamed.step === entry.step && streamed.attempt !== entry.attempt) {
            line(dim('(the model call was repeated; the text above is superseded)'));
          }
          if (streamed === undefined || streamed.step !== entry.step || streamed.attempt !== entry.attempt) lastText = '';
          streamed = { step: entry.step, attempt: entry.attempt };
          options.write(prose(entry.text));
          lastText += entry.text;
          midLine = !entry.text.endsWith('\n');
          break;
        case 'model-response':
          // Text the model streamed is already on screen; a non-streaming model's text is not.
          if (entry.text !== '' && streamed?.step !== entry.step) line(prose(entry.text));
          else endLine();
          lastText = entry.text;
          line(
            dim(
              `  ${safe(entry.provider)}:${safe(entry.modelId)} · ${entry.cached === true ? 'from the response cache' : `${entry.latencyMs} ms · ${entry.usage.inputTokens} in / ${entry.usage.outputTokens} out`}`,
            ),
          );
          break;
        case 'model-fallback':
          endLine();
          line(
            `${style('yellow', '↪')} ${dim(safe(`${entry.from.provider}:${entry.from.modelId} → ${entry.to.provider}:${entry.to.modelId}`))} ${failure(entry.error)}`,
          );
          break;
        case 'usage-update':
          usage = { usage: entry.usage, modelCalls: entry.modelCalls };
          break;
        case 'tool-call':
          toolNames.set(entry.callId, entry.toolName);
          line(`${style('cyan', '→')} ${style('bold', safe(entry.toolName))} ${value(entry.input)} ${dim(`[${safe(entry.effect)}]`)}`);
          break;
        case 'tool-start':
          if (entry.attempt > 1) line(dim(`  ↻ ${safe(toolNames.get(entry.callId) ?? entry.callId)}: attempt ${entry.attempt}`));
          break;
        case 'tool-result': {
          const name = safe(toolNames.get(entry.callId) ?? entry.callId);
          const how = entry.resolvedBy === undefined ? '' : ` · resolved by ${safe(entry.resolvedBy)}`;
          if (entry.error !== undefined) {
            line(`${style('red', '←')} ${style('bold', name)} ${failure(entry.error)} ${dim(`${entry.durationMs} ms${how}`)}`);
          } else {
            line(`${style('green', '←')} ${style('bold', name)} ${value(entry.output)} ${dim(`${entry.durationMs} ms${how}`)}`);
          }
          break;
        }
        case 'output-rejected':
          line(`${style('yellow', '!')} final answer rejected (repair ${entry.repairAttempt}): ${failure(entry.error)}`);
          break;
        case 'guardrail-decision': {
          const where = entry.callId === undefined ? entry.boundary : `${entry.boundary} ${toolNames.get(entry.callId) ?? entry.callId}`;
          const changes = entry.changes === undefined ? '' : ` ${value(entry.changes)}`;
          line(
            `${style(entry.verdict === 'block' ? 'red' : 'yellow', '⛨')} ${style('bold', safe(entry.guardrail))} ${safe(entry.verdict)}${entry.end === true ? ' (run ended)' : ''} ${dim(`at ${safe(where)}`)}: ${prose(entry.reason)}${changes} ${dim(`${entry.latencyMs} ms`)}`,
          );
          break;
        }
        case 'approval-request':
          line(
            `${style(['yellow', 'bold'], '? approval')} ${dim(safe(entry.approvalId))} for ${style('bold', safe(entry.toolName))} ${value(entry.input)} ${dim(`(${safe(entry.source)})`)}: ${prose(entry.reason)}`,
          );
          break;
        case 'approval-decision': {
          const verdicts = { approve: ['green', 'approved'], reject: ['red', 'rejected'], edit: ['cyan', 'approved with edited arguments'] } as const;
          const [colour, said] = verdicts[entry.decision];
          const edited = entry.decision === 'edit' ? ` ${value(entry.input)}` : '';
          const why = entry.reason === undefined ? '' : `: ${prose(entry.reason)}`;
          line(`${style(colour, `✓ ${said}`)}${edited} ${dim(`by ${actorName(entry.actor)} · ${safe(entry.approvalId)}`)}${why}`);
          break;
        }
        case 'escalation-open':
          line(`${style(['magenta', 'bold'], '⇡ escalated')} ${dim(`${safe(entry.escalationId)} · ${safe(entry.trigger)}`)}: ${prose(entry.reason)}`);
          break;
        case 'escalation-reply':
          line(
            `${style('magenta', '⇣ human')} ${dim(`${actorName(entry.actor)}${entry.handBack ? ' · handed back to the agent' : ''}`)}: ${prose(entry.message)}`,
          );
          break;
        case 'escalation-resolve':
          line(`${style('magenta', '⇣ resolved')} ${dim(`by ${actorName(entry.actor)}${entry.endSession === true ? ' · session ended' : ''}`)}`);
          break;
        case 'run-waiting':
          line(`${style(['yellow', 'bold'], `⏸ waiting: ${safe(entry.reason)}`)}${entry.details === undefined ? '' : ` ${value(entry.details)}`}`);
          break;
        case 'run-resume':
          line(`${style('cyan', '▶ resumed')} ${dim(`(${safe(entry.reason)} cleared)`)}`);
          break;
        case 'run-end':
          if (entry.status === 'completed') {
            line(style(['green', 'bold'], '✓ completed'));
            const output = typeof entry.output === 'string' ? entry.output : json(entry.output);
            if (entry.output !== undefined && output !== lastText) line(`${dim('output:')} ${prose(output)}`);
          } else if (entry.status === 'failed') {
            line(`${style(['red', 'bold'], '✗ failed')} ${entry.error === undefined ? '' : failure(entry.error)}`);
          } else {
            line(`${style(['yellow', 'bold'], '■ cancelled')}${entry.error === undefined ? '' : ` ${prose(entry.error.message)}`}`);
          }
          if (usage !== undefined) line(dim(formatUsage(usage.usage, usage.modelCalls)));
          break;
      }
    },
  };
}

/** Who acted, as recorded: the reviewer's own name where one was given, else the key or Keel itself. */
function actorName(actor: Actor): string {
  return terminalSafe(actor.name ?? (actor.kind === 'key' ? `key ${actor.keyId ?? '?'}` : actor.kind));
}

export function formatUsage(usage: ModelUsage, modelCalls: number): string {
  return `usage: ${formatTokens(usage)} · ${modelCalls} model call${modelCalls === 1 ? '' : 's'}`;
}

export function formatTokens(usage: ModelUsage): string {
  const cached = usage.cachedTokens > 0 ? ` (${usage.cachedTokens} cached)` : '';
  return `${usage.inputTokens} input${cached} + ${usage.outputTokens} output tokens`;
}

function json(value: unknown): string {
  if (value === undefined) return '(nothing)';
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}

export function truncate(text: string, maxChars: number): string {
  const singleLine = text.replace(/\s*\n\s*/g, ' ');
  if (singleLine.length <= maxChars) return singleLine;
  return `${singleLine.slice(0, maxChars)}… (${singleLine.length - maxChars} more characters)`;
}
