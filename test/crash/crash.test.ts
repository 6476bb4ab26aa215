import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { foldJournal } from '../../src/engine/fold.ts';
import { createSqliteStore } from '../../src/store/sqlite/sqlite-store.ts';
import type { Store } from '../../src/store/store.ts';
import { startFakeModelServer, type FakeModelRequest, type FakeModelServer, type FakeTurn } from '../../src/testing/index.ts';
import { fixtureConfig, spawnKeel, spawnWorker, type WorkerProcess } from './worker-process.ts';

/**
 * Real crashes: `keel worker` runs as a child process against a real SQLite file and a fake
 * OpenAI endpoint, and is killed with SIGKILL at chosen points — while a model call is in flight,
 * mid-stream, right after an unsafe tool took effect, and at random moments — again and again
 * until every run has finished. Side effects are counted by the tools themselves in files.
 */
type KillPlan = 'model-call' | 'mid-stream' | 'after-unsafe-effect' | 'after-reconcilable-effect' | 'random';

const runsPerAgent = 12;
const plans: KillPlan[] = ['model-call', 'after-unsafe-effect', 'mid-stream', 'after-reconcilable-effect', 'random'];
const rounds = [...plans, ...plans, ...plans];

let directory: string;
let server: FakeModelServer;
let store: Store;
let worker: WorkerProcess | undefined;
let armed: KillPlan | undefined;
const kills: KillPlan[] = [];

function kill(plan: KillPlan): void {
  if (armed !== plan || worker === undefined) return;
  armed = undefined;
  kills.push(plan);
  worker.child.kill('SIGKILL');
}

/** The agent loop, as the model would drive it: look up, then reserve and charge in parallel, then answer. */
function respond(request: FakeModelRequest): FakeTurn {
  const turns = request.messages.filter((message) => message.role === 'assistant' && (message.toolCalls?.length ?? 0) > 0).length;
  kill('model-call');
  if (armed === 'mid-stream') setTimeout(() => kill('mid-stream'), 40);
  const timing = { chunkDelayMs: 10 };
  if (turns === 0) return { ...timing, text: 'Let me look that up.', toolCalls: [{ name: 'lookup', arguments: { account: 'acme' } }] };
  if (turns === 1) {
    return {
      ...timing,
      text: 'Reserving and charging.',
      toolCalls: [
        { name: 'reserve', arguments: { sku: 'sku-1' } },
        { name: 'charge', arguments: { amount: 42 } },
      ],
    };
  }
  return { ...timing, text: 'All done: the stock is reserved and the customer was charged 42 once.' };
}

function effects(): Array<{ key: string; runId: string; reconcilable: boolean }> {
  const file = join(directory, 'effects.jsonl');
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .trim()
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as { key: string; runId: string; reconcilable: boolean });
}

beforeAll(async () => {
  directory = mkdtempSync(join(tmpdir(), 'keel-crash-'));
  server = await startFakeModelServer({ responder: respond });
  store = createSqliteStore({ path: join(directory, 'keel.db') });
  await store.migrate();
});

afterAll(async () => {
  worker?.child.kill('SIGKILL');
  await store.close();
  await server.close();
  rmSync(directory, { recursive: true, force: true });
});

describe('kill -9 at any point', () => {
  it('loses no run, repeats no completed model call and duplicates no unsafe effect', async () => {
    const now = new Date();
    const agents = ['billing', 'billing-reconciled'];
    for (let index = 0; index < runsPerAgent * agents.length; index += 1) {
      const agent = agents[index % agents.length]!;
      await store.createRun({
        id: `run_${index}`,
        tenantId: 'default',
        agent,
        sessionId: `session_${index}`,
        userId: 'u',
        input: `Bill customer ${index}`,
        sessionPolicy: 'queue',
        now,
      });
    }
    const env = {
      KEEL_DATABASE_URL: `sqlite:${join(directory, 'keel.db')}`,
      KEEL_CRASH_DIR: directory,
      KEEL_LEASE_MS: '300',
      OPENAI_API_KEY: 'test-key',
      OPENAI_BASE_URL: server.openaiBaseURL,
    };

    for (const plan of rounds) {
      worker = spawnWorker(env, ['--until-idle', '--concurrency', '6']);
      armed = plan;
      const seen = effects().length;
      const watcher = setInterval(() => {
        const fresh = effects().slice(seen);
        if (fresh.some((effect) => !effect.reconcilable)) kill('after-unsafe-effect');
        if (fresh.some((effect) => effect.reconcilable)) kill('after-reconcilable-effect');
      }, 2);
      const randomKill = plan === 'random' ? setTimeout(() => kill('random'), 400 + Math.random() * 600) : undefined;
      const outcome = await Promise.race([worker.exited, new Promise((resolve) => setTimeout(resolve, 15_000, 'timeout'))]);
      clearInterval(watcher);
      clearTimeout(randomKill);
      if (outcome === 'timeout') worker.child.kill('SIGKILL');
      await worker.exited;
      armed = undefined;
    }

    // A last worker, never killed, must take every interrupted run over and finish it.
    worker = spawnWorker(env);
    const code = await worker.exited;
    expect(code, worker.output()).toBe(0);

    // Every planned kill point was actually reached.
    for (const plan of plans) expect(kills, `kills: ${kills.join(', ')}`).toContain(plan);

    const { runs } = await store.listRuns({ tenantId: 'default', limit: 200 });
    expect(runs).toHaveLength(runsPerAgent * agents.length);
    let interruptedModelCalls = 0;
    for (const run of runs) {
      const journal = await store.readJournal(run.id);
      const state = foldJournal(journal);
      // Zero lost runs: each one finished, or waits for a human because an unsafe outcome is unknown.
      if (run.agent === 'billing-reconciled') expect(run.status, run.id).toBe('completed');
      else expect(['completed', 'waiting'], run.id).toContain(run.status);
      if (run.status === 'waiting') expect(run.waitingReason).toBe('outcome-unknown');
      // Zero repeated completed model calls: one response per step, whatever was retried.
      const responses = journal.filter((entry) => entry.type === 'model-response');
      expect(responses.map((entry) => (entry.type === 'model-response' ? entry.step : 0))).toEqual(
        state.steps.filter((step) => step.response !== undefined).map((step) => step.step),
      );
      expect(new Set(responses.map((entry) => (entry.type === 'model-response' ? entry.step : 0))).size).toBe(responses.length);
      interruptedModelCalls += state.steps.reduce((sum, step) => sum + step.attempts - 1, 0);
      if (run.status === 'completed') {
        expect(responses).toHaveLength(3);
        expect(run.output).toBe('All done: the stock is reserved and the customer was charged 42 once.');
      }
    }
    expect(interruptedModelCalls).toBeGreaterThan(0);
    expect(runs.some((run) => run.status === 'waiting')).toBe(true);

    // Zero duplicated unsafe effects, counted by the tool itself outside Keel.
    const keys = effects().map((effect) => effect.key);
    expect(new Set(keys).size).toBe(keys.length);
    for (const run of runs.filter((candidate) => candidate.status === 'completed')) {
      expect(effects().filter((effect) => effect.runId === run.id)).toHaveLength(1);
    }

    // An idempotent call sees one key, however many times it ran.
    const reservations = readFileSync(join(directory, 'idempotency-keys.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { runId: string; callId: string; key: string; attempt: number });
    const keysByCall = new Map<string, Set<string>>();
    for (const reservation of reservations) {
      const id = `${reservation.runId}/${reservation.callId}`;
      keysByCall.set(id, (keysByCall.get(id) ?? new Set()).add(reservation.key));
    }
    for (const [call, callKeys] of keysByCall) expect(callKeys.size, call).toBe(1);
    expect(reservations.length).toBeGreaterThan(keysByCall.size);

    // A call parked with its outcome unknown took effect at most once: a kill lands after the
    // charge (the plan that kills on a fresh effect), or, by chance, between its journaled start
    // and the charge itself (a kill aimed at another run of the same worker).
    const unknownCalls: Array<{ run: string; callId: string; idempotencyKey: string; charges: number }> = [];
    for (const run of runs.filter((candidate) => candidate.status === 'waiting')) {
      const waitingEvent = (await store.readJournal(run.id)).at(-1);
      const calls = (waitingEvent?.type === 'run-waiting' ? waitingEvent.details?.calls : undefined) as Array<{ callId: string; idempotencyKey: string }>;
      for (const call of calls) unknownCalls.push({ run: run.id, ...call, charges: effects().filter((effect) => effect.key === call.idempotencyKey).length });
    }
    for (const call of unknownCalls) expect(call.charges, call.callId).toBeLessThanOrEqual(1);
    // And a parked run took no effect but its unknown calls' (none under another key).
    for (const run of runs.filter((candidate) => candidate.status === 'waiting')) {
      const keys = new Set(unknownCalls.filter((call) => call.run === run.id).map((call) => call.idempotencyKey));
      for (const effect of effects().filter((candidate) => candidate.runId === run.id)) expect(keys, run.id).toContain(effect.key);
    }

    // An operator settles a parked run whose charge the ledger shows, from the terminal; it resumes
    // and finishes without charging again.
    const unknownCall = unknownCalls.find((call) => call.charges === 1);
    expect(unknownCall, JSON.stringify(unknownCalls)).toBeDefined();
    const parked = runs.find((run) => run.id === unknownCall!.run);
    const chargesBefore = effects().length;
    const resolve = spawnKeel(env, [
      'runs',
      'resolve',
      parked!.id,
      '--call',
      unknownCall!.callId,
      '--completed',
      '{"chargeId":"ch_found_in_ledger"}',
      '--actor',
      'ops',
      '--config',
      fixtureConfig,
    ]);
    expect(await resolve.exited, resolve.output()).toBe(0);
    expect(resolve.output()).toContain('queued');
    worker = spawnWorker(env);
    expect(await worker.exited, worker.output()).toBe(0);
    expect((await store.getRun('default', parked!.id))?.status).toBe('completed');
    expect(effects()).toHaveLength(chargesBefore);
  }, 300_000);
});
