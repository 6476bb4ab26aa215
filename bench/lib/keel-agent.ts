import { performance } from 'node:perf_hooks';
import { z } from 'zod';
import { createRuntime } from '../../src/keel.ts';
import type { Runtime } from '../../src/engine/runtime-types.ts';
import type { Model } from '../../src/gateway/model.ts';
import { defineAgent, type AgentDefinition } from '../../src/sdk/define-agent.ts';
import { defineConfig } from '../../src/sdk/define-config.ts';
import { type ProviderSettings } from '../../src/gateway/provider-settings.ts';
import { defineTool } from '../../src/sdk/define-tool.ts';
import { createSqliteStore } from '../../src/store/sqlite/sqlite-store.ts';
import { createSilentLogger } from '../../src/telemetry/logger.ts';
import { countingAppends } from './keel-store.ts';

export const toolName = 'read_record';

/**
 * A small record (~50 bytes), the tool result of the turn benches on every side. Kept small on
 * purpose: LangGraph checkpoints the whole message list at every step, so larger results would
 * slow it down further and flatter Keel.
 */
export const benchToolOutput = (recordId: number) => ({ id: recordId, name: `Record ${recordId}`, status: 'ok' });

/** No bench run takes anywhere near this; one that does is stuck, and the bench should say so. */
const runDeadlineMs = 300_000;

/**
 * The agent every engine bench runs: one `read` tool that returns `toolOutput(id)`, and limits
 * high enough for `turns` tool calls plus the final answer.
 */
export function benchAgent(options: { model: Model | string; turns: number; toolOutput: (id: number) => unknown }): AgentDefinition {
  const readRecord = defineTool({
    name: toolName,
    description: 'Reads a record by id',
    input: z.object({ id: z.number().int() }),
    effect: 'read',
    execute: ({ id }) => options.toolOutput(id),
  });
  return defineAgent({
    name: 'bench',
    model: options.model,
    instructions: 'Read records until you are told to stop.',
    tools: [readRecord],
    limits: { maxSteps: options.turns + 1, maxToolCalls: options.turns, timeoutMs: 600_000 },
  });
}

export interface BenchRuntime {
  runtime: Runtime;
  /** Durable commits (journal appends) so far. */
  appends(): number;
  close(): Promise<void>;
}

/** A runtime as users get it (default model resolution, retries included) on a new SQLite file. */
export async function benchRuntime(options: { agent: AgentDefinition; databasePath: string; providers?: ProviderSettings }): Promise<BenchRuntime> {
  const counted = countingAppends(createSqliteStore({ path: options.databasePath }));
  await counted.store.migrate();
  const config = defineConfig({ agents: [options.agent], ...(options.providers === undefined ? {} : { providers: options.providers }) });
  const runtime = createRuntime({ config, store: counted.store, logger: createSilentLogger(), leaseMs: 60_000 });
  return {
    runtime,
    appends: counted.appends,
    async close() {
      await runtime.close();
      await counted.store.close();
    },
  };
}

/**
 * Runs the agent once and returns how long the run took, in ms, and the CPU time this process
 * spent meanwhile. Checks afterwards (untimed) that it completed after exactly `turns` tool
 * calls, so a bench can never time a run that failed early.
 */
export async function timedRun(runtime: Runtime, input: string, turns: number): Promise<{ runId: string; ms: number; cpuMs: number }> {
  const cpuBefore = process.cpuUsage();
  const started = performance.now();
  const run = await withDeadline(runtime.run({ agent: 'bench', input }), runDeadlineMs);
  const ms = performance.now() - started;
  const cpu = process.cpuUsage(cpuBefore);
  if (run.status !== 'completed') throw new Error(`bench run ended ${run.status}: ${JSON.stringify(run.error)}`);
  let results = 0;
  for await (const entry of runtime.events(run.id, { follow: false })) if (entry.type === 'tool-result') results += 1;
  if (results !== turns) throw new Error(`bench run made ${results} tool calls, expected ${turns}`);
  return { runId: run.id, ms, cpuMs: (cpu.user + cpu.system) / 1_000 };
}

function withDeadline<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`a bench run did not finish within ${ms / 1_000} s`)), ms);
  });
  return Promise.race([work, deadline]).finally(() => clearTimeout(timer));
}
