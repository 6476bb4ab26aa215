import type { JournalEvent } from '../../src/journal/events.ts';
import type { Store } from '../../src/store/store.ts';

/**
 * A finished run of `steps` steps written through the store port, as the engine journals them:
 * per step a `step-start`, a `model-response` asking for one tool call (latency, tokens, cost),
 * the `tool-call`, `tool-start` and `tool-result`; then the answer and `run-end`. What a run's
 * timeline page reads for a long run. Returns the run's id.
 */
export async function writeLongRun(store: Store, options: { tenantId: string; steps: number; now?: Date; id?: string }): Promise<string> {
  const now = options.now ?? new Date();
  const { run } = await store.createRun({
    id: options.id ?? `run_long${options.steps}`,
    tenantId: options.tenantId,
    agent: 'support',
    sessionId: `ses_long${options.steps}`,
    userId: 'user-long',
    input: 'Reconcile every order of this account, one by one.',
    sessionPolicy: 'queue',
    now,
  });
  const lease = await store.claimRun(run.id, { owner: 'writer', leaseMs: 600_000, now });
  if (lease === undefined) throw new Error('could not claim the long run');
  let lastSeq = 1;
  const append = async (events: JournalEvent[], patch?: Parameters<Store['append']>[2]) => {
    await store.append({ runId: run.id, epoch: lease.epoch, lastSeq, now }, events, patch);
    lastSeq += events.length;
  };
  const usage = { inputTokens: 1_200, outputTokens: 60, cachedTokens: 0 };
  for (let step = 1; step <= options.steps; step += 1) {
    const callId = `call_${step}`;
    await append([
      { type: 'step-start', step, attempt: 1 },
      {
        type: 'model-response',
        step,
        text: `Checking order ${step}.`,
        toolCalls: [{ callId, toolName: 'lookup', arguments: JSON.stringify({ order: `A-${step}` }) }],
        finishReason: 'tool-calls',
        usage,
        provider: 'openai',
        modelId: 'gpt-4o-mini',
        latencyMs: 400 + (step % 7) * 50,
        costNanoUsd: 216_000,
      },
      { type: 'tool-call', step, callId, toolName: 'lookup', input: { order: `A-${step}` }, effect: 'read', idempotencyKey: `${run.id}:${callId}` },
      { type: 'tool-start', step, callId, attempt: 1, startedAt: now.toISOString() },
      { type: 'tool-result', step, callId, output: { order: `A-${step}`, status: 'shipped', items: [{ sku: 'X-1', quantity: 2 }] }, durationMs: 12 },
    ]);
  }
  await append([{ type: 'run-end', status: 'completed', output: 'All orders reconciled.' }], {
    status: 'completed',
    output: 'All orders reconciled.',
    startedAt: now,
    endedAt: new Date(now.getTime() + options.steps * 600),
    usage: { inputTokens: usage.inputTokens * options.steps, outputTokens: usage.outputTokens * options.steps, cachedTokens: 0 },
    costNanoUsd: 216_000 * options.steps,
  });
  return run.id;
}
