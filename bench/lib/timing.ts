import { performance } from 'node:perf_hooks';

/** Milliseconds taken by `work`. */
export async function elapsedMs(work: () => Promise<unknown>): Promise<number> {
  const started = performance.now();
  await work();
  return performance.now() - started;
}

export function median(values: readonly number[]): number {
  if (values.length === 0) throw new Error('median of nothing');
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[middle] ?? NaN) : ((sorted[middle - 1] ?? NaN) + (sorted[middle] ?? NaN)) / 2;
}

/**
 * Turns every contender runs before a comparison measures it (full mode). A Keel server is a
 * long-lived process and so is any agent loop in production: what a bench compares is their
 * steady state, after V8 has optimised the code each turn runs. One warm-up run of a short run
 * leaves much of it unoptimised in a process that has just started (the server's, spawned for the
 * bench), and that shows as a third more time per 10-turn run on the slower machines here. 300
 * turns were not enough for the in-process 20-turn race: interleaved in one process, Keel's turn
 * took 0.243 ms in runs 15–30 and 0.189 ms from run 30 on (flat to run 400), LangGraph's 1.74 and
 * 1.55 ms; 600 turns measure both sides past that. The CLI path's overhead was flat from run 30.
 */
export const warmupTurns = 600;

/** Warm-up rounds (runs per contender) before measuring runs of `turns` turns: at least one, `warmupTurns` turns in all. */
export function warmupRounds(turns: number, quick: boolean): number {
  return quick ? 1 : Math.max(1, Math.ceil(warmupTurns / turns));
}

/**
 * Runs each contender `rounds` times, interleaved (a, b, c, a, b, c, …) so that drift in the
 * machine's speed (thermal, other load) hits all of them alike, and returns each one's median.
 */
export async function interleave<Name extends string>(rounds: number, contenders: Record<Name, () => Promise<number>>): Promise<Record<Name, number>> {
  const names = Object.keys(contenders) as Name[];
  const samples = new Map<Name, number[]>(names.map((name) => [name, []]));
  for (let round = 0; round < rounds; round += 1) {
    for (const name of names) samples.get(name)?.push(await contenders[name]());
  }
  return Object.fromEntries(names.map((name) => [name, median(samples.get(name) ?? [])])) as Record<Name, number>;
}
