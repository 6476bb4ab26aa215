import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import type { AgentGuardrails } from '../src/sdk/define-guardrail.ts';
import { defineAgent } from '../src/sdk/define-agent.ts';
import { defineTool } from '../src/sdk/define-tool.ts';
import { instantModel } from './lib/instant-model.ts';
import { benchRuntime, timedRun, toolName, type BenchRuntime } from './lib/keel-agent.ts';
import { compare, type BenchModule, type BenchOptions, type BenchReport } from './lib/report.ts';
import { interleave } from './lib/timing.ts';

/*
 * What the default guardrails cost per agent turn: the same in-process run (an instant model,
 * one read tool per turn) with the defaults — loop detection, on for every agent — and with
 * `guardrails: { loopDetection: false }`, interleaved in one run. Bar: at most 5% added.
 */

const sizes = { full: { turns: 60, rounds: 61 }, quick: { turns: 10, rounds: 2 } };

async function runtimeWith(directory: string, name: string, turns: number, guardrails: AgentGuardrails | undefined): Promise<BenchRuntime> {
  const readRecord = defineTool({
    name: toolName,
    description: 'Reads a record by id',
    input: z.object({ id: z.number().int() }),
    effect: 'read',
    execute: ({ id }) => ({ id, name: `record ${id}`, tags: ['a', 'b'] }),
  });
  const agent = defineAgent({
    name: 'bench',
    model: instantModel({ turns, toolName }),
    instructions: 'Read records until you are told to stop.',
    tools: [readRecord],
    limits: { maxSteps: turns + 1, maxToolCalls: turns, timeoutMs: 600_000 },
    ...(guardrails === undefined ? {} : { guardrails }),
  });
  return await benchRuntime({ agent, databasePath: join(directory, `${name}.db`) });
}

export const guardrailOverhead: BenchModule = {
  id: 'guardrail-overhead',
  title: 'Default guardrails (loop detection) per agent turn',
  async run(options: BenchOptions): Promise<BenchReport> {
    const size = options.quick ? sizes.quick : sizes.full;
    const directory = mkdtempSync(join(tmpdir(), 'keel-guardrail-overhead-'));
    const withDefaults = await runtimeWith(directory, 'defaults', size.turns, undefined);
    const without = await runtimeWith(directory, 'none', size.turns, { loopDetection: false });
    try {
      options.log(`guardrail-overhead: ${size.rounds} rounds of ${size.turns}-turn runs, with and without the default guardrails`);
      const turn = async (runtime: BenchRuntime) => (await timedRun(runtime.runtime, 'read', size.turns)).ms / size.turns;
      // One warm-up run each, so neither side pays for first-time compilation.
      await turn(withDefaults);
      await turn(without);
      const medians = await interleave(size.rounds, { without: () => turn(without), withDefaults: () => turn(withDefaults) });
      return {
        id: this.id,
        title: this.title,
        status: 'ok',
        figures: [
          compare({
            name: 'time per turn with the default guardrails',
            baseline: { label: 'no guardrails', value: medians.without, unit: 'ms/turn' },
            measured: { label: 'defaults (loop detection)', value: medians.withDefaults, unit: 'ms/turn' },
            ratioOf: 'defaults / none',
            bar: { text: '<= 5% added per turn', max: 1.05 },
          }),
        ],
        details: { turns: size.turns, rounds: size.rounds },
      };
    } finally {
      await withDefaults.close();
      await without.close();
      rmSync(directory, { recursive: true, force: true });
    }
  },
};
