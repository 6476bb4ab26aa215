import { KeelError } from '../errors/index.ts';
import type { Model } from '../gateway/model.ts';
import { createId } from '../internal/ids.ts';
import { assertIdentifier } from '../internal/text-rules.ts';
import type { AgentDefinition } from '../sdk/define-agent.ts';
import type { Lease, RunRecord } from '../store/store.ts';
import { createLogger } from '../telemetry/logger.ts';
import { terminalStatuses, type JournalEntry } from '../journal/events.ts';
import type { SettledSpend } from '../cost/settlement.ts';
import type { Commit } from './commits.ts';
import { createLeaseKeeper } from './lease-keeper.ts';
import { resolveOutcome } from './resolve-outcome.ts';
import { decideApproval, replyToEscalation, resolveEscalation } from './oversight-decisions.ts';
import { executeRun } from './run-executor.ts';
import { runStartEvent } from '../journal/run-start-event.ts';
import { assertStartInput, sessionFor } from './start-input.ts';
import { failRun } from './fail-run.ts';
import { followJournal, followPollMs } from './follow-journal.ts';
import { createRecentEntries } from './recent-entries.ts';
import { createRunNotifier } from './run-notifier.ts';
import type { EngineOptions, Runtime, StartRunInput, Worker } from './runtime-types.ts';
import { startWorkerLoop } from './worker.ts';

const defaultMaxInputBytes = 1_000_000;
const defaultShutdownGraceMs = 10_000;

/**
 * The durable engine over a config and a store: start runs, execute them here or in background
 * workers, follow their journals, cancel them. It knows the Store port and Keel's model
 * interface only: which model serves an agent (`modelFor`), and what happens on each commit and
 * each settled cost (`onCommit`, `onSpend`), are given to it. `createRuntime` (src/keel.ts) wires
 * the defaults — the gateway, providers, token metering, spend alerts — and is what the CLI, the
 * server and embedders use.
 *
 * @example
 * const engine = createEngine({ config, store, modelFor: (agent) => scriptedModel([{ text: 'Hi' }]) });
 * const run = await engine.run({ agent: 'support', input: 'Hello', userId: 'u1' });
 * await engine.close();
 */
export function createEngine(options: EngineOptions): Runtime {
  const { config, store } = options;
  const logger = options.logger ?? createLogger();
  const now = options.now ?? (() => new Date());
  const generateId = options.generateId ?? (() => createId('run', now()));
  const owner = options.workerId ?? createId('w');
  const leaseMs = options.leaseMs ?? 15_000;
  const defaultTenant = options.tenantId ?? 'default';
  const maxInputBytes = options.limits?.maxInputBytes ?? defaultMaxInputBytes;
  const shutdownGraceMs = options.limits?.shutdownGraceMs ?? defaultShutdownGraceMs;
  const notifier = createRunNotifier();
  const keeper = createLeaseKeeper({ store, owner, leaseMs, now, log: logger });
  const models = new Map<string, Model>();
  const workers = new Set<Worker>();
  const executions = new Set<Promise<void>>();
  let draining = false;
  // Work that must not hold up a step (observers, alert delivery), awaited on close so nothing is dropped.
  // Keyed by the run the work is for, so a caller waiting for a run can wait for its hooks too.
  const background = new Map<Promise<unknown>, string>();
  /** Runs a hook off the run's path: its failure is logged, never the run's. */
  const callHook = (name: string, runId: string, hook: () => void | Promise<unknown>) => {
    try {
      const result = hook();
      if (!(result instanceof Promise)) return;
      const work = result.catch((error: unknown) => logger.error({ err: error, hook: name, runId }, 'runtime hook failed'));
      background.set(work, runId);
      void work.finally(() => background.delete(work));
    } catch (error) {
      logger.error({ err: error, hook: name, runId }, 'runtime hook failed');
    }
  };
  /** The hook work still running for a run: what `run()`, `executeRun()` and `waitForRun()` wait for before they return. */
  const hooksSettled = async (runId: string) => {
    const pending = [...background].flatMap(([work, owner]) => (owner === runId ? [work] : []));
    if (pending.length > 0) await Promise.allSettled(pending);
  };
  /** What a person's decision on a waiting run needs: the store, the agents, a claim of the run, and the commit hook. */
  const decisions = () => ({ store, config, waiting: { store, owner, leaseMs, now }, committed });
  const recent = createRecentEntries();
  /** Every commit made here; `byExecution` for an execution's own, whose fenced append proved its lease. */
  const committed = (commit: Commit, byExecution = false) => {
    // Before the wake-up: a follower it wakes finds the entries in memory. Only an execution
    // here hands its entries on (see recent-entries.ts).
    if (byExecution) recent.add(commit);
    notifier.notify(commit.run.id);
    // A run that ends or parks may let the next run of its session (or its tenant) be claimed.
    if (commit.events.some((event) => event.type === 'run-end' || event.type === 'run-waiting')) notifier.notify('*');
    const onCommit = options.onCommit;
    if (onCommit !== undefined) callHook('onCommit', commit.run.id, () => onCommit(commit));
  };
  const onSpend = (spend: SettledSpend) => {
    const hook = options.onSpend;
    if (hook !== undefined) callHook('onSpend', spend.runId, () => hook(spend));
  };

  const agentNamed = (name: string): AgentDefinition => {
    const agent = config.agents.get(name);
    if (agent === undefined) {
      throw new KeelError({ code: 'AGENT_NOT_FOUND', message: `No agent named "${name}". Known agents: ${[...config.agents.keys()].join(', ') || 'none'}` });
    }
    return agent;
  };
  const modelFor = (agent: AgentDefinition): Model => {
    let model = models.get(agent.name);
    if (model === undefined) {
      model = options.modelFor(agent);
      models.set(agent.name, model);
    }
    return model;
  };

  /** The one path every execution takes, whether started by a worker or by `executeRun`. */
  async function executeLease(lease: Lease, isStopping: () => boolean = () => false): Promise<void> {
    const controller = new AbortController();
    keeper.hold(lease.runId, lease.epoch, controller);
    // Stopped (a lost lease, a cancel, a shutdown): what it committed may be taken over and ended
    // elsewhere, so nothing it commits from then on is held either (a write still in flight).
    let live = true;
    controller.signal.addEventListener('abort', () => recent.forget(lease.runId), { once: true });
    const byExecution = (commit: Commit) => committed(commit, live && !controller.signal.aborted);
    const finished = (async () => {
      try {
        const agent = config.agents.get(lease.run.agent);
        if (agent === undefined) {
          // Permanent here: released, it would be claimed straight back and fail again, forever.
          const error = { code: 'AGENT_NOT_FOUND' as const, message: `The run's agent "${lease.run.agent}" is not in the configuration` };
          logger.error({ runId: lease.runId, agent: lease.run.agent }, 'run failed: its agent is not configured');
          const ended = await failRun({ store, lease, error, now: now() });
          if (ended !== undefined) byExecution({ run: lease.run, ...ended });
          return;
        }
        let leaseReleased = false;
        const outcome = await executeRun({
          lease,
          store,
          agent,
          model: modelFor(agent),
          pricing: config.pricing,
          onSpend,
          logger,
          now,
          signal: controller.signal,
          isDraining: () => draining || isStopping(),
          onCommit: byExecution,
          credentials: options.credentials,
          onLeaseReleased: () => (leaseReleased = true),
        });
        if (outcome !== 'lease-lost' && !leaseReleased) await store.releaseLease(lease.runId, lease.epoch);
      } catch (error) {
        // Only reachable when the store fails under the execution: give the lease back so
        // another node (or this one, after a pause) can try again.
        logger.error({ err: error, runId: lease.runId }, 'could not execute run');
        await store.releaseLease(lease.runId, lease.epoch).catch(() => undefined);
      } finally {
        live = false;
        keeper.drop(lease.runId, lease.epoch);
        recent.forget(lease.runId);
        notifier.notify(lease.runId);
        // Its lease is free again, and so may be its session's next run.
        notifier.notify('*');
      }
    })();
    executions.add(finished);
    await finished;
    executions.delete(finished);
  }

  async function getRun(runId: string, tenantId = defaultTenant): Promise<RunRecord> {
    const run = await store.getRun(tenantId, runId);
    if (run === undefined) throw new KeelError({ code: 'RUN_NOT_FOUND', message: `No run with id "${runId}"` });
    return run;
  }

  async function waitForRun(runId: string, waitOptions: { tenantId?: string; signal?: AbortSignal } = {}): Promise<RunRecord> {
    for (;;) {
      // Subscribed before the read: a commit while it reads wakes the wait below at once.
      const woken = notifier.subscribe(runId);
      try {
        const run = await getRun(runId, waitOptions.tenantId);
        if (run.status === 'waiting' || terminalStatuses.includes(run.status)) {
          await hooksSettled(runId);
          return run;
        }
        waitOptions.signal?.throwIfAborted();
        await woken.wait(followPollMs, waitOptions.signal);
      } finally {
        woken.close();
      }
    }
  }

  /** Creates the run; with `claim`, also leases it to this process (see `Store.createRun`), to execute at once. */
  async function startRun(input: StartRunInput, claim = false): Promise<{ run: RunRecord; created: boolean; lease?: Lease }> {
    if (draining) throw new KeelError({ code: 'SHUTTING_DOWN', message: 'The runtime is shutting down' });
    assertIdentifier(input.agent, 'agent');
    const agent = agentNamed(input.agent);
    assertStartInput(input, maxInputBytes);
    const at = now();
    const result = await store.createRun({
      id: generateId(),
      tenantId: input.tenantId ?? defaultTenant,
      agent: agent.name,
      sessionId: input.sessionId ?? sessionFor(input.tenantId ?? defaultTenant, input.idempotencyKey, at),
      userId: input.userId ?? 'anonymous',
      input: input.input,
      ...(input.metadata === undefined ? {} : { metadata: input.metadata }),
      ...(input.idempotencyKey === undefined ? {} : { idempotencyKey: input.idempotencyKey }),
      ...(input.traceparent === undefined ? {} : { traceparent: input.traceparent }),
      ...(input.createSession === undefined ? {} : { createSession: input.createSession }),
      sessionPolicy: agent.sessionPolicy,
      ...(claim ? { claim: { owner, leaseMs, now: at } } : {}),
      now: at,
    });
    // A worker may claim it; one leased already is nobody else's to claim.
    if (result.lease === undefined) notifier.notify('*');
    if (result.created) committed({ run: result.run, events: [runStartEvent(result.run)], lastSeq: 1, at: result.run.createdAt });
    return result;
  }

  /**
   * Executes the run here until it rests. While it cannot be claimed — another process holds
   * it, an older run of its session goes first, its tenant is at its concurrency cap — waits and
   * tries again, so a process without a worker still gets its run done.
   */
  async function executeById(runId: string, executeOptions: { tenantId?: string } = {}): Promise<RunRecord> {
    for (;;) {
      const run = await getRun(runId, executeOptions.tenantId);
      if (terminalStatuses.includes(run.status) || run.status === 'waiting' || draining) {
        await hooksSettled(runId);
        return run;
      }
      const lease = await store.claimRun(runId, { owner, leaseMs, now: now() });
      if (lease !== undefined) await executeLease(lease);
      else await notifier.wait(runId, followPollMs);
    }
  }

  async function* events(
    runId: string,
    eventOptions: { afterSeq?: number; signal?: AbortSignal; tenantId?: string; follow?: boolean } = {},
  ): AsyncGenerator<JournalEntry> {
    await getRun(runId, eventOptions.tenantId);
    yield* followJournal({ store, notifier, recent }, runId, eventOptions);
  }

  return {
    store,
    config,
    startRun: (input) => startRun(input),
    executeRun: executeById,
    async run(input, runOptions = {}) {
      // Created and claimed in one go (one transaction on SQLite) and executed at once; a run that
      // could not be claimed (queued behind its session's older run, its tenant at its cap) waits
      // its turn in executeRun, as any other.
      const { run, lease } = await startRun(input, true);
      try {
        runOptions.onStarted?.(run);
      } catch (error) {
        // The caller's callback failed: the run is left for a worker to claim (woken here at
        // once), not leased to nobody; the callback's error is the one reported.
        if (lease !== undefined) await store.releaseLease(lease.runId, lease.epoch).catch(() => undefined);
        notifier.notify('*');
        throw error;
      }
      if (lease !== undefined) {
        // A shutdown that began while the run was created waits for no execution started after
        // it: let the lease go, and the run rests queued for whoever starts next.
        if (draining) await store.releaseLease(lease.runId, lease.epoch);
        else await executeLease(lease);
      }
      return await executeById(run.id, input.tenantId === undefined ? {} : { tenantId: input.tenantId });
    },
    decideApproval: async (approvalId, decision, decisionOptions) => {
      const decided = await decideApproval(decisions(), {
        ...decision,
        approvalId,
        tenantId: decisionOptions.tenantId ?? defaultTenant,
        actor: decisionOptions.actor,
        now: now(),
      });
      notifier.notify('*');
      return decided;
    },
    replyToEscalation: async (escalationId, reply, replyOptions) => {
      const replied = await replyToEscalation(decisions(), {
        escalationId,
        message: reply.message,
        handBack: reply.handBack === true,
        tenantId: replyOptions.tenantId ?? defaultTenant,
        actor: replyOptions.actor,
        now: now(),
      });
      notifier.notify('*');
      return replied;
    },
    resolveEscalation: async (escalationId, resolution, resolveOptions) =>
      await resolveEscalation(decisions(), {
        escalationId,
        endSession: resolution.endSession === true,
        tenantId: resolveOptions.tenantId ?? defaultTenant,
        actor: resolveOptions.actor,
        now: now(),
      }),
    async reclaimOwnLeases() {
      if (executions.size > 0) {
        throw new KeelError({ code: 'INTERNAL', message: 'reclaimOwnLeases() is for a process that has not started executing yet' });
      }
      const released = await store.releaseLeasesOf(owner);
      if (released.length > 0) {
        logger.info({ workerId: owner, runs: released.length }, 'took back the runs this node held before it restarted');
        notifier.notify('*');
      }
      return released;
    },
    startWorker(workerOptions) {
      const worker = startWorkerLoop(
        { store, owner, leaseMs, now, notifier, log: logger, execute: executeLease, activeCount: () => executions.size, beforeClaim: () => keeper.beatIfDue() },
        workerOptions,
      );
      workers.add(worker);
      // `done` is the caller's to observe; this bookkeeping must not add an unhandled rejection.
      void worker.done.catch(() => undefined).finally(() => workers.delete(worker));
      return worker;
    },
    events,
    waitForRun,
    getRun: (runId, getOptions) => getRun(runId, getOptions?.tenantId),
    listRuns: (query) => store.listRuns({ tenantId: defaultTenant, ...query }),
    async cancelRun(runId, cancelOptions = {}) {
      const run = await getRun(runId, cancelOptions.tenantId);
      if (terminalStatuses.includes(run.status)) {
        throw new KeelError({ code: 'RUN_NOT_CANCELLABLE', message: `The run has already ${run.status === 'cancelled' ? 'been cancelled' : run.status}` });
      }
      await store.requestCancel(run.tenantId, runId);
      const local = keeper.controllerOf(runId);
      if (local !== undefined) {
        local.abort(new KeelError({ code: 'RUN_CANCELLED', message: 'The run was cancelled' }));
      } else {
        // Nobody is executing it (queued, waiting, or its worker died): end it here. A live
        // owner elsewhere sees the request at its next heartbeat instead.
        const lease = await store.claimRun(runId, { owner, leaseMs, now: now(), includeWaiting: true });
        if (lease !== undefined) await executeLease(lease);
      }
      return await getRun(runId, cancelOptions.tenantId);
    },
    async resolveToolOutcome(runId, resolutions, resolveOptions = {}) {
      const tenantId = resolveOptions.tenantId ?? defaultTenant;
      const resolved = await resolveOutcome({
        store,
        tenantId,
        runId,
        resolutions,
        owner,
        leaseMs,
        now: now(),
        ...(resolveOptions.actor === undefined ? {} : { actor: resolveOptions.actor }),
      });
      committed(resolved);
      notifier.notify('*');
      return await getRun(runId, tenantId);
    },
    async close() {
      draining = true;
      const stopping = Promise.all([...workers].map((worker) => worker.stop()));
      const settled = Promise.allSettled([...executions]).then(() => stopping);
      const grace = new Promise<'timeout'>((resolveGrace) => setTimeout(resolveGrace, shutdownGraceMs, 'timeout').unref());
      if ((await Promise.race([settled, grace])) === 'timeout') {
        // Steps still in flight after the grace period are abandoned; their runs resume elsewhere.
        keeper.abortAll(new KeelError({ code: 'SHUTTING_DOWN', message: 'The process is shutting down' }));
        await settled;
      }
      keeper.stop();
      await Promise.allSettled([...background.keys()]);
    },
  };
}
