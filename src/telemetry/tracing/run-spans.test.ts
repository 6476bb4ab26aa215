import { describe, expect, it } from 'vitest';
import type { Commit } from '../../engine/commits.ts';
import type { JournalEntry, JournalEvent } from '../../journal/events.ts';
import { runTraceId } from '../../journal/trace-context.ts';
import type { RunRecord } from '../../store/store.ts';
import { createRuntimeMetrics } from '../metrics/runtime-metrics.ts';
import { spanIdOf } from './span-ids.ts';
import type { SpanRecord } from './span-record.ts';
import { createTraceObserver } from './trace-observer.ts';

const run: RunRecord = {
  id: 'run_oversight',
  tenantId: 'acme',
  agent: 'refunds',
  sessionId: 'ses_1',
  userId: 'u1',
  status: 'running',
  waitingReason: null,
  input: 'refund order 7',
  output: null,
  error: null,
  usage: { inputTokens: 0, outputTokens: 0, cachedTokens: 0 },
  costUsd: 0,
  metadata: {},
  idempotencyKey: null,
  traceId: runTraceId('run_oversight'),
  traceparent: null,
  cancelRequested: false,
  lastSeq: 1,
  createdAt: '2030-01-01T00:00:00.000Z',
  updatedAt: '2030-01-01T00:00:00.000Z',
  startedAt: null,
  endedAt: null,
  erasedAt: null,
} as RunRecord;

/** Commits of one run, numbered as the journal would, each `seconds` after the run began. */
function commits(...batches: Array<{ seconds: number; events: JournalEvent[] }>): Commit[] {
  let seq = 0;
  return batches.map(({ seconds, events }) => {
    seq += events.length;
    return { run, events, lastSeq: seq, at: new Date(Date.parse(run.createdAt) + seconds * 1000).toISOString() };
  });
}

const guarded = commits(
  { seconds: 0, events: [{ type: 'run-start', agent: 'refunds', input: 'refund order 7', sessionId: 'ses_1', userId: 'u1' }] },
  {
    seconds: 1,
    events: [
      {
        type: 'guardrail-decision',
        boundary: 'tool-call',
        guardrail: 'secrets',
        verdict: 'modify',
        reason: 'redacted sk-live-123',
        step: 1,
        callId: 'c1',
        latencyMs: 2,
      },
      {
        type: 'approval-request',
        approvalId: 'apr_1',
        step: 1,
        callId: 'c1',
        toolName: 'refund',
        input: { order: 7 },
        reason: 'refunds need a person',
        source: 'tool',
      },
      { type: 'run-waiting', reason: 'approval', details: { approvalId: 'apr_1' } },
    ],
  },
  {
    seconds: 60,
    events: [
      {
        type: 'approval-decision',
        approvalId: 'apr_1',
        step: 1,
        callId: 'c1',
        decision: 'approve',
        actor: { kind: 'key', keyId: 'key_1', name: 'Dana Reviewer' },
      },
      { type: 'run-resume', reason: 'approval' },
    ],
  },
  { seconds: 61, events: [{ type: 'run-end', status: 'completed', output: 'refunded' }] },
);

describe('guardrail verdicts and approvals in traces and metrics', () => {
  it('become span events of the run, and a wait span covers the approval', async () => {
    const spans: SpanRecord[] = [];
    // A parked run is forgotten; the commit that resumes it reads the journal (here: these commits) from the store.
    const journal: JournalEntry[] = guarded.flatMap((commit) =>
      commit.events.map((event, index) => ({ ...event, seq: commit.lastSeq - commit.events.length + 1 + index, at: commit.at, v: 1 }) as JournalEntry),
    );
    const readJournal = (_runId: string, options: { afterSeq?: number; limit?: number } = {}) =>
      Promise.resolve(journal.filter((entry) => entry.seq > (options.afterSeq ?? 0)).slice(0, options.limit ?? Infinity));
    const observer = createTraceObserver({
      store: { readJournal },
      sink: { export: (batch) => spans.push(...batch), flush: async () => {}, shutdown: async () => {} },
    });
    for (const commit of guarded) await observer(commit);

    const wait = spans.find((span) => span.name === 'wait approval');
    expect(wait).toMatchObject({
      parentSpanId: spanIdOf(run.id, 'invoke_agent'),
      startMs: Date.parse(run.createdAt) + 1_000,
      endMs: Date.parse(run.createdAt) + 60_000,
    });
    const root = spans.find((span) => span.name === 'invoke_agent refunds');
    expect(root?.events.map((event) => event.name)).toEqual([
      'keel.guardrail.decision',
      'keel.approval.requested',
      'keel.run.waiting',
      'keel.approval.decided',
      'keel.run.resumed',
    ]);
    expect(root?.events[0]?.attributes).toEqual({
      'keel.guardrail.name': 'secrets',
      'keel.guardrail.boundary': 'tool-call',
      'keel.guardrail.verdict': 'modify',
      'keel.latency_ms': 2,
      'keel.step': 1,
      'keel.tool.call.id': 'c1',
    });
    expect(root?.events[3]?.attributes).toMatchObject({ 'keel.decision': 'approve', 'keel.actor.kind': 'key' });
    // Neither the guardrail's reason (it may quote what it redacted) nor the reviewer's name.
    expect(JSON.stringify(spans)).not.toMatch(/sk-live|Dana/);
  });

  it('are counted by boundary and verdict, and by decision', async () => {
    const metrics = createRuntimeMetrics();
    for (const commit of guarded) await metrics.observer(commit);
    const values = async (name: string) => (await metrics.registry.getSingleMetric(name)?.get())?.values ?? [];
    expect(await values('keel_guardrail_verdicts_total')).toEqual([
      { value: 1, labels: { tenant: 'acme', agent: 'refunds', boundary: 'tool-call', verdict: 'modify' } },
    ]);
    expect(await values('keel_approval_requests_total')).toEqual([{ value: 1, labels: { tenant: 'acme', agent: 'refunds', tool: 'refund', source: 'tool' } }]);
    expect(await values('keel_approval_decisions_total')).toEqual([{ value: 1, labels: { tenant: 'acme', agent: 'refunds', decision: 'approve' } }]);
    expect(await values('keel_run_waits_total')).toEqual([{ value: 1, labels: { tenant: 'acme', agent: 'refunds', reason: 'approval' } }]);
  });
});
