/**
 * The shape every bench module reports. A figure is always a ratio between two measurements
 * taken in the same run, so results compare across machines even though absolute timings don't.
 */

export interface Measurement {
  label: string;
  value: number;
  /** e.g. `µs/op`, `ms/turn`, `bytes/step`. */
  unit: string;
}

/** A quality bar on a ratio: met when the ratio lies within [min, max]. */
export interface Bar {
  text: string;
  min?: number;
  max?: number;
  met: boolean;
}

export interface Figure {
  name: string;
  baseline: Measurement;
  measured: Measurement;
  /** What the ratio divides, in words: `Keel / bare SQLite`, `LangGraph / Keel`. */
  ratioOf: string;
  /** `measured.value / baseline.value`. */
  ratio: number;
  bar?: Bar;
}

export interface BenchReport {
  id: string;
  title: string;
  /** `unavailable`: a peer could not be installed or loaded here. `failed`: the bench threw. */
  status: 'ok' | 'unavailable' | 'failed';
  /** Why the bench did not run (any status but `ok`). */
  reason?: string;
  figures: Figure[];
  /** Parameters and side measurements worth keeping next to the figures. */
  details: Record<string, string | number | boolean>;
}

export interface BenchOptions {
  /** Small iteration counts: seconds instead of minutes, for smoke runs. */
  quick: boolean;
  /** Progress lines (stderr in the CLI, silent in tests). */
  log: (line: string) => void;
  /** May a bench install its peer (LangGraph.js into bench/langgraph) on first use? */
  installPeers: boolean;
}

export interface BenchModule {
  id: string;
  title: string;
  run(options: BenchOptions): Promise<BenchReport>;
}

/** Builds a figure: `ratio` is always `measured.value / baseline.value`. */
export function compare(options: {
  name: string;
  baseline: Measurement;
  measured: Measurement;
  ratioOf: string;
  bar?: { text: string; min?: number; max?: number };
}): Figure {
  const { baseline, measured } = options;
  const ratio = measured.value / baseline.value;
  const figure: Figure = { name: options.name, baseline, measured, ratioOf: options.ratioOf, ratio };
  if (options.bar !== undefined) {
    const { min, max } = options.bar;
    const met = Number.isFinite(ratio) && (min === undefined || ratio >= min) && (max === undefined || ratio <= max);
    figure.bar = { ...options.bar, met };
  }
  return figure;
}

export function unavailable(id: string, title: string, reason: string): BenchReport {
  return { id, title, status: 'unavailable', reason, figures: [], details: {} };
}
