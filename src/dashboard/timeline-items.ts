import type { SerializedError } from '../errors/index.ts';
import type { JournalEntry } from '../journal/events.ts';
import { formatMs, formatNanoUsd, formatTime, jsonBlock } from './format.ts';
import { html, type Html } from './html.ts';

/** What the timeline knows of earlier entries when it renders a later one: a tool result names its call's tool. */
export interface TimelineMemory {
  toolNames: Map<string, string>;
}

export function timelineMemory(entries: readonly JournalEntry[]): TimelineMemory {
  const toolNames = new Map<string, string>();
  for (const entry of entries) if (entry.type === 'tool-call') toolNames.set(entry.callId, entry.toolName);
  return { toolNames };
}

/**
 * One journal entry as a timeline item, or nothing for the entries that only carry streaming
 * detail (text deltas, running totals, a first tool start). Every value from the run (inputs,
 * outputs, arguments, reasons, error messages) goes through `html` escaping.
 */
export function timelineItem(entry: JournalEntry, memory: TimelineMemory): Html | undefined {
  const item = (kind: string, title: Html | string, facts: ReadonlyArray<string | Html>, detail?: Html) =>
    html`<li class="kind-${kind}" id="entry-${entry.seq}" data-seq="${entry.seq}">
      <div class="head">
        <strong>${title}</strong>
        <span class="facts">${facts.filter((fact) => fact !== '').map((fact, index) => html`${index > 0 ? ' · ' : ''}${fact}`)}</span>
        <span class="facts">#${entry.seq} · ${formatTime(entry.at)}</span>
      </div>
      ${detail ?? ''}
    </li>`;
  switch (entry.type) {
    case 'run-start':
      return item('start', 'Run started', [`agent ${entry.agent}`, `user ${entry.userId}`], details('Input', jsonBlock(entry.input, 'Input'), true));
    case 'step-start':
      return entry.attempt > 1 ? item('retry', `Step ${entry.step}: model call retried`, [`attempt ${entry.attempt}`]) : item('step', `Step ${entry.step}`, []);
    case 'text-delta':
    case 'usage-update':
      return undefined;
    case 'model-fallback':
      return item(
        'retry',
        `Fallback: ${entry.from.provider}:${entry.from.modelId} → ${entry.to.provider}:${entry.to.modelId}`,
        [`step ${entry.step}`],
        errorBlock(entry.error),
      );
    case 'model-response':
      return item(
        'model',
        `Model call: ${entry.provider}:${entry.modelId}`,
        [
          `step ${entry.step}`,
          formatMs(entry.latencyMs),
          `${entry.usage.inputTokens} in / ${entry.usage.outputTokens} out tokens`,
          formatNanoUsd(entry.costNanoUsd ?? 0),
          `finish: ${entry.finishReason}`,
          entry.cached === true ? 'from cache' : '',
        ],
        html`${entry.text === '' ? '' : details('Text', jsonBlock(entry.text, 'Model text'), true)}
        ${entry.toolCalls.length === 0 ? '' : html`<p class="facts">Asked for: ${entry.toolCalls.map((call, index) => html`${index > 0 ? ', ' : ''}<code>${call.toolName}</code>`)}</p>`}`,
      );
    case 'tool-call':
      return item(
        'tool',
        `Tool call: ${entry.toolName}`,
        [`step ${entry.step}`, `effect ${entry.effect}`],
        details('Arguments', jsonBlock(entry.input, 'Arguments'), true),
      );
    case 'tool-start':
      return entry.attempt > 1 ? item('retry', `Tool ${memory.toolNames.get(entry.callId) ?? entry.callId} retried`, [`attempt ${entry.attempt}`]) : undefined;
    case 'tool-result':
      return item(
        entry.error === undefined ? 'tool' : 'error',
        `Tool result: ${memory.toolNames.get(entry.callId) ?? entry.callId}`,
        [`step ${entry.step}`, formatMs(entry.durationMs), entry.resolvedBy === undefined ? '' : `resolved by ${entry.resolvedBy}`],
        entry.error === undefined ? details('Result', jsonBlock(entry.output ?? null, 'Result'), true) : errorBlock(entry.error),
      );
    case 'outcome-decision':
      return item('approval', `Outcome decided: ${entry.decision}`, [`step ${entry.step}`, entry.actor === undefined ? '' : `by ${entry.actor}`]);
    case 'output-rejected':
      return item('error', 'Output rejected by its schema', [`step ${entry.step}`, `repair attempt ${entry.repairAttempt}`], errorBlock(entry.error));
    case 'guardrail-decision':
      return item(
        'guardrail',
        html`Guardrail ${entry.guardrail}: <span class="verdict-${entry.verdict}">${entry.verdict}</span>`,
        [`at ${entry.boundary}`, entry.step === undefined ? '' : `step ${entry.step}`, formatMs(entry.latencyMs), entry.end === true ? 'ends the run' : ''],
        html`<p>${entry.reason}</p>
          ${entry.changes === undefined ? '' : details('Changes', jsonBlock(entry.changes, 'Changes'), false)}`,
      );
    case 'approval-request':
      return item(
        'approval',
        `Approval requested: ${entry.toolName}`,
        [`step ${entry.step}`, `source ${entry.source}`, html`<a href="/ui/approvals/${encodeURIComponent(entry.approvalId)}">in the inbox</a>`],
        html`<p>${entry.reason}</p>
          ${details('Proposed arguments', jsonBlock(entry.input, 'Proposed arguments'), true)}`,
      );
    case 'approval-decision':
      return item(
        'approval',
        `Approval ${entry.decision === 'approve' ? 'approved' : entry.decision === 'reject' ? 'rejected' : 'approved with edits'}`,
        [`step ${entry.step}`, `by ${actorName(entry.actor)}`],
        html`${entry.reason === undefined ? '' : html`<p>${entry.reason}</p>`}
        ${entry.input === undefined ? '' : details('Edited arguments', jsonBlock(entry.input, 'Edited arguments'), true)}`,
      );
    case 'escalation-open':
      return item(
        'approval',
        'Escalated to a person',
        [`trigger ${entry.trigger}`, html`<a href="/ui/escalations/${encodeURIComponent(entry.escalationId)}">the escalation</a>`],
        html`<p>${entry.reason}</p>`,
      );
    case 'escalation-reply':
      return item(
        'approval',
        entry.handBack ? 'Reply, handed back to the agent' : 'Reply from a person',
        [`by ${actorName(entry.actor)}`],
        jsonBlock(entry.message, 'Reply'),
      );
    case 'escalation-resolve':
      return item('approval', 'Escalation resolved', [`by ${actorName(entry.actor)}`, entry.endSession === true ? 'session ended' : '']);
    case 'run-waiting':
      return item('wait', `Waiting: ${entry.reason}`, []);
    case 'run-resume':
      return item('wait', `Resumed after waiting: ${entry.reason}`, []);
    case 'run-end':
      return item(
        entry.status === 'completed' ? 'end' : 'error',
        `Run ${entry.status}`,
        [],
        entry.error !== undefined
          ? errorBlock(entry.error)
          : entry.output === undefined
            ? undefined
            : details('Output', jsonBlock(entry.output, 'Output'), true),
      );
    default:
      return item('other', (entry as { type: string }).type, []);
  }
}

function details(summary: string, body: Html, open: boolean): Html {
  return html`<details ${open ? 'open' : ''}>
    <summary>${summary}</summary>
    ${body}
  </details>`;
}

function errorBlock(error: SerializedError): Html {
  return html`<p class="problem"><code>${error.code}</code> ${error.message}</p>`;
}

function actorName(actor: { kind: string; name?: string; keyId?: string }): string {
  return actor.name ?? actor.keyId ?? actor.kind;
}
