import parsePrometheusTextFormat from 'parse-prometheus-text-format';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { KeelError } from '../../src/errors/index.ts';
import { createApiKey } from '../../src/server/auth/api-keys.ts';
import { createApp } from '../../src/server/app.ts';
import type { ApiApp } from '../../src/server/server-types.ts';
import { defineAgent } from '../../src/sdk/define-agent.ts';
import { defineTool } from '../../src/sdk/define-tool.ts';
import type { RunRecord } from '../../src/store/store.ts';
import { createSilentLogger } from '../../src/telemetry/logger.ts';
import { createTestRuntime, scriptedModel, type TestRuntime } from '../../src/testing/index.ts';

/*
 * A scripted workload — runs that complete after tool calls, runs whose model fails, runs whose
 * tool fails, runs parked on a budget, runs left queued, requests refused by the rate limit — and
 * then `/metrics`, parsed by a Prometheus text-format parser, must agree with the store.
 */
const metricsToken = 'metrics-token-for-tests';
let test: TestRuntime;
let app: ApiApp;
let keys: { viewer: string; app: string; otherViewer: string };

type Family = ReturnType<typeof parsePrometheusTextFormat>[number];

let lastText = '';

async function scrape(token: string = metricsToken): Promise<Family[]> {
  const response = await app.request('/metrics', { headers: { authorization: `Bearer ${token}` } });
  expect(response.status).toBe(200);
  expect(response.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
  lastText = await response.text();
  return parsePrometheusTextFormat(lastText);
}

/**
 * The observations of a histogram whose samples match `where`. (The parser folds a labelled
 * histogram into one sample, so its `_count` lines are read from the text it parsed.)
 */
function histogramCount(name: string, where: Record<string, string> = {}): number {
  let total = 0;
  for (const [, labels = '', value = '0'] of lastText.matchAll(new RegExp(`^${name}_count\\{([^}]*)\\} (\\S+)$`, 'gm'))) {
    if (Object.entries(where).every(([key, expected]) => labels.includes(`${key}="${expected}"`))) total += Number(value);
  }
  return total;
}

function sum(families: Family[], name: string, where: Record<string, string> = {}): number {
  const family = families.find((candidate) => candidate.name === name);
  if (family === undefined) throw new Error(`no metric ${name}`);
  return family.metrics
    .filter((sample) => Object.entries(where).every(([key, value]) => sample.labels?.[key] === value))
    .reduce((total, sample) => total + Number(sample.value ?? sample.count ?? 0), 0);
}

const lookup = defineTool({ name: 'lookup', description: 'Look up', input: z.object({ id: z.string() }), effect: 'read', execute: ({ id }) => ({ id }) });
const flaky = defineTool({
  name: 'flaky',
  description: 'Fails',
  input: z.object({}),
  effect: 'read',
  execute: () => {
    throw new Error('downstream is down');
  },
});
const priced = { provider: 'openai', modelId: 'gpt-4o-mini' };

beforeAll(async () => {
  const turns = [];
  // 4 runs: two tool calls, then an answer.
  for (let index = 0; index < 4; index += 1) {
    turns.push(
      {
        toolCalls: [
          { name: 'lookup', arguments: { id: `a${index}` } },
          { name: 'flaky', arguments: {} },
        ],
        usage: { inputTokens: 100, outputTokens: 10 },
      },
      { text: 'done', usage: { inputTokens: 150, outputTokens: 5 } },
    );
  }
  // 2 runs whose model call fails for good.
  turns.push(
    { error: new KeelError({ code: 'MODEL_UNAVAILABLE', message: 'provider down' }) },
    { error: new KeelError({ code: 'MODEL_UNAVAILABLE', message: 'provider down' }) },
  );
  const support = defineAgent({ name: 'support', model: scriptedModel(turns, priced), instructions: 'Help.', tools: [lookup, flaky] });
  const billing = defineAgent({
    name: 'billing',
    model: scriptedModel([{ text: 'ok', usage: { inputTokens: 7, outputTokens: 3 } }], priced),
    instructions: 'Bill.',
  });
  test = await createTestRuntime({ agents: [support, billing] });
  app = createApp({ runtime: test.runtime, logger: createSilentLogger(), metricsToken });
  keys = {
    viewer: (await createApiKey(test.store, { tenantId: 'acme', role: 'viewer', name: 'v' })).key,
    app: (await createApiKey(test.store, { tenantId: 'acme', role: 'app', name: 'a' })).key,
    otherViewer: (await createApiKey(test.store, { tenantId: 'globex', role: 'viewer', name: 'g' })).key,
  };
  const { runtime } = test;
  for (let index = 0; index < 6; index += 1) await runtime.run({ agent: 'support', input: `question ${index}`, userId: 'u1', tenantId: 'acme' });
  await runtime.run({ agent: 'billing', input: 'bill', userId: 'u2', tenantId: 'globex' });
  // A user with a zero budget: the run parks waiting on it.
  await test.store.putBudget({ tenantId: 'acme', scope: 'user', scopeId: 'broke', period: 'total', limitNanoUsd: 0, now: new Date() });
  const parked = await runtime.run({ agent: 'billing', input: 'bill me', userId: 'broke', tenantId: 'acme' });
  expect(parked).toMatchObject({ status: 'waiting', waitingReason: 'budget' });
  // Two runs nobody executes: the queue.
  await runtime.startRun({ agent: 'support', input: 'later', userId: 'u3', tenantId: 'acme' });
  await runtime.startRun({ agent: 'billing', input: 'later', userId: 'u4', tenantId: 'globex' });
  // The rate limit refuses the third request of a minute.
  await test.store.setTenantLimits('acme', { userRequests: { limit: 2, windowMs: 60_000 } });
  const statuses = [];
  for (let index = 0; index < 4; index += 1) {
    const response = await app.request('/v1/runs?userId=u9', { headers: { authorization: `Bearer ${keys.app}` } });
    statuses.push(response.status);
  }
  expect(statuses).toEqual([200, 200, 429, 429]);
});

afterAll(async () => {
  await test.close();
});

async function allRuns(): Promise<RunRecord[]> {
  const runs: RunRecord[] = [];
  for (const tenantId of ['acme', 'globex']) runs.push(...(await test.store.listRuns({ tenantId, limit: 200 })).runs);
  return runs;
}

describe('GET /metrics', () => {
  it("parses as Prometheus text, and its counters match the store's figures", async () => {
    const families = await scrape();
    const runs = await allRuns();
    const count = (predicate: (run: RunRecord) => boolean) => runs.filter(predicate).length;

    for (const agent of ['support', 'billing']) {
      expect(sum(families, 'keel_runs_started_total', { agent }), agent).toBe(count((run) => run.agent === agent));
    }
    for (const status of ['completed', 'failed'] as const) {
      expect(sum(families, 'keel_runs_ended_total', { status }), status).toBe(count((run) => run.status === status));
    }
    expect(sum(families, 'keel_runs_ended_total', { status: 'failed' })).toBe(2);
    expect(sum(families, 'keel_queue_depth')).toBe(count((run) => run.status === 'queued'));
    expect(sum(families, 'keel_queue_depth', { tenant: 'globex' })).toBe(1);
    expect(sum(families, 'keel_runs_waiting', { reason: 'budget' })).toBe(count((run) => run.waitingReason === 'budget'));
    expect(sum(families, 'keel_run_waits_total', { reason: 'budget' })).toBe(1);

    const totalOf = (field: 'inputTokens' | 'outputTokens') => runs.reduce((total, run) => total + run.usage[field], 0);
    expect(sum(families, 'keel_model_tokens_total', { type: 'input' })).toBe(totalOf('inputTokens'));
    expect(sum(families, 'keel_model_tokens_total', { type: 'output' })).toBe(totalOf('outputTokens'));
    expect(sum(families, 'keel_model_tokens_total', { type: 'input', agent: 'support', model: 'gpt-4o-mini' })).toBe(4 * 250);
    const cost = runs.reduce((total, run) => total + run.costUsd, 0);
    expect(cost).toBeGreaterThan(0);
    expect(sum(families, 'keel_model_cost_usd_total')).toBeCloseTo(cost, 9);

    let toolResults = 0;
    let toolErrors = 0;
    let modelResponses = 0;
    for (const run of runs) {
      for (const entry of await test.store.readJournal(run.id)) {
        if (entry.type === 'tool-result') toolResults += 1;
        if (entry.type === 'tool-result' && entry.error !== undefined) toolErrors += 1;
        if (entry.type === 'model-response') modelResponses += 1;
      }
    }
    expect(sum(families, 'keel_tool_calls_total')).toBe(toolResults);
    expect(sum(families, 'keel_tool_calls_total', { tool: 'flaky', outcome: 'error' })).toBe(toolErrors);
    expect(sum(families, 'keel_tool_call_failures_total', { tool: 'flaky', code: 'TOOL_FAILED' })).toBe(4);
    expect(sum(families, 'keel_tool_calls_total', { tool: 'lookup', outcome: 'ok' })).toBe(4);
    expect(sum(families, 'keel_model_calls_total')).toBe(modelResponses);
    const latency = families.find((family) => family.name === 'keel_model_call_duration_seconds');
    expect(latency?.type).toBe('HISTOGRAM');
    expect(histogramCount('keel_model_call_duration_seconds')).toBe(modelResponses);
    expect(histogramCount('keel_step_duration_seconds', { agent: 'support' })).toBe(8);
    expect(histogramCount('keel_run_duration_seconds', { status: 'failed' })).toBe(2);

    expect(sum(families, 'keel_rate_limit_rejections_total', { tenant: 'acme' })).toBe(2);
    expect(families.find((family) => family.name === 'keel_breaker_state')?.metrics).toContainEqual({
      value: '0',
      labels: { provider: 'openai', model: 'gpt-4o-mini' },
    });
    expect(sum(families, 'keel_sse_streams_open')).toBe(0);
  });

  it('counts open SSE streams while they are open', async () => {
    const waiting = (await allRuns()).find((run) => run.status === 'waiting');
    const controller = new AbortController();
    const response = await app.request(`/v1/runs/${waiting?.id}/events?userId=broke`, {
      headers: { authorization: `Bearer ${keys.viewer}` },
      signal: controller.signal,
    });
    expect(response.status).toBe(200);
    const reader = response.body?.getReader();
    await reader?.read();
    expect(sum(await scrape(), 'keel_sse_streams_open')).toBe(1);
    await reader?.cancel();
    expect(sum(await scrape(), 'keel_sse_streams_open')).toBe(0);
  });

  it("shows an API key its own tenant's series only, and refuses keys without metrics:read", async () => {
    const acme = await scrape(keys.viewer);
    expect(sum(acme, 'keel_runs_started_total', { tenant: 'globex' })).toBe(0);
    expect(sum(acme, 'keel_runs_started_total', { tenant: 'acme' })).toBe(8);
    expect(sum(acme, 'keel_queue_depth')).toBe(1);
    const globex = await scrape(keys.otherViewer);
    expect(sum(globex, 'keel_runs_started_total')).toBe(2);
    expect(sum(globex, 'keel_rate_limit_rejections_total')).toBe(0);

    expect((await app.request('/metrics', { headers: { authorization: `Bearer ${keys.app}` } })).status).toBe(403);
    expect((await app.request('/metrics')).status).toBe(401);
    expect((await app.request('/metrics', { headers: { authorization: 'Bearer wrong-token' } })).status).toBe(401);
  });
});
