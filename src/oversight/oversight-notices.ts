import { createLogAlertSink, createWebhookAlertSink, type AlertSink } from '../cost/alert-sink.ts';
import type { Commit, CommitObserver } from '../engine/commits.ts';
import type { JournalEvent } from '../journal/events.ts';
import type { Logger } from '../telemetry/logger.ts';

/** What the oversight webhook is told: an approval moved up its chain, or a run was handed to a human. */
export interface OversightNotice {
  kind: 'approval-escalated' | 'escalation-open';
  /** Names this one notice, for a receiver that deduplicates. */
  key: string;
  tenantId: string;
  at: string;
  message: string;
  [field: string]: unknown;
}

type EscalationOpened = Extract<JournalEvent, { type: 'escalation-open' }>;

export const oversightWebhookVariable = 'KEEL_OVERSIGHT_WEBHOOK_URL';

/**
 * Sends oversight notices: each to the webhook it names (an approval chain level's), else the
 * config's (or `KEEL_OVERSIGHT_WEBHOOK_URL`), else the log. Never throws.
 */
export function createOversightNotifier(options: {
  webhookUrl: string | undefined;
  logger: Logger;
}): (notice: OversightNotice, webhookUrl?: string) => Promise<void> {
  const sinks = new Map<string, AlertSink<OversightNotice>>();
  const fallback = createLogAlertSink<OversightNotice>(options.logger);
  return async (notice, webhookUrl) => {
    const url = webhookUrl ?? options.webhookUrl;
    if (url === undefined) return await fallback.send(notice);
    let sink = sinks.get(url);
    if (sink === undefined) {
      sink = createWebhookAlertSink<OversightNotice>({ url, logger: options.logger });
      sinks.set(url, sink);
    }
    await sink.send(notice);
  };
}

/**
 * A commit observer that tells the oversight webhook of every escalation this process opens:
 * the agent's `escalation.webhookUrl`, else the notifier's default.
 *
 * @example
 * createRuntime({ ..., observers: [notifyEscalations({ notify, webhookOf: (agent) => config.agents.get(agent)?.escalation.webhookUrl })] });
 */
export function notifyEscalations(options: {
  notify: (notice: OversightNotice, webhookUrl?: string) => Promise<void>;
  webhookOf: (agent: string) => string | undefined;
}): CommitObserver {
  const send = async (commit: Commit, events: readonly EscalationOpened[]) => {
    for (const event of events) {
      const notice: OversightNotice = {
        kind: 'escalation-open',
        key: `escalation-open:${event.escalationId}`,
        tenantId: commit.run.tenantId,
        at: commit.at,
        message: `Run ${commit.run.id} of ${commit.run.agent} was handed to a human: ${event.reason}`,
        escalationId: event.escalationId,
        runId: commit.run.id,
        agent: commit.run.agent,
        userId: commit.run.userId,
        trigger: event.trigger,
        reason: event.reason,
      };
      await options.notify(notice, options.webhookOf(commit.run.agent));
    }
  };
  return (commit) => {
    const opened = commit.events.filter((event): event is EscalationOpened => event.type === 'escalation-open');
    // Nearly every commit opens none: it returns at once, without a promise.
    return opened.length === 0 ? undefined : send(commit, opened);
  };
}
