import type { Commit, CommitObserver } from '../../engine/commits.ts';
import type { Store } from '../../store/store.ts';
import { applyToTrace, isTraced, newRunTraceMemory, type RunTraceMemory, type SpanOptions } from './run-spans.ts';
import type { SpanRecord, SpanSink } from './span-record.ts';

export interface TraceObserverOptions {
  /** Where a run's journal prefix is read from when this process first meets the run mid-way. */
  store: Pick<Store, 'readJournal'>;
  sink: SpanSink;
  /** Message contents, tool arguments and results in spans. Default false. */
  captureContent?: boolean;
  /** Runs remembered at once (a run's memory is dropped when it ends or parks). Default 5,000. */
  maxRuns?: number;
}

interface TracedRun {
  memory: RunTraceMemory;
  /** Set while a commit of the run waits for its journal prefix: later commits queue behind it. */
  queue: Promise<void> | undefined;
}

/**
 * A commit observer that derives the run's spans from the journal events each commit made
 * durable, and hands every span to `sink` as soon as its closing event commits: `chat` at its
 * `model-response`, `execute_tool` at its `tool-result`, `wait` at `run-resume`, `invoke_agent`
 * at `run-end`. Ids and times come from the journal and the run record, so the process that
 * resumes a run after a crash continues the same trace (ADR 0016).
 *
 * @example
 * const observer = createTraceObserver({ store, sink });
 * createRuntime({ config, store, observers: [observer] });
 */
export function createTraceObserver(options: TraceObserverOptions): CommitObserver {
  const runs = new Map<string, TracedRun>();
  const maxRuns = options.maxRuns ?? 5_000;
  const spanOptions: SpanOptions = { captureContent: options.captureContent ?? false };

  const remembered = (runId: string): TracedRun => {
    let traced = runs.get(runId);
    if (traced !== undefined) {
      // Most recently used last: the oldest run is the first to be forgotten.
      runs.delete(runId);
    } else {
      traced = { memory: newRunTraceMemory(), queue: undefined };
      const oldest = runs.size >= maxRuns ? runs.keys().next().value : undefined;
      if (oldest !== undefined) runs.delete(oldest);
    }
    runs.set(runId, traced);
    return traced;
  };

  /** Reads what another process committed (the run's creator, or the worker that crashed), to know what this commit's spans need, without emitting what that process emitted. */
  async function backfill(traced: TracedRun, commit: Commit): Promise<void> {
    const { memory } = traced;
    const firstSeq = commit.lastSeq - commit.events.length + 1;
    if (firstSeq <= memory.nextSeq) return;
    const prefix = await options.store.readJournal(commit.run.id, { afterSeq: memory.nextSeq - 1, limit: firstSeq - memory.nextSeq });
    for (const entry of prefix) {
      const { seq, at, v: _version, ...event } = entry;
      applyToTrace({ event, seq, atMs: Date.parse(at), run: commit.run, memory, options: spanOptions, live: false, emit: () => undefined });
    }
  }

  function observe(traced: TracedRun, commit: Commit): void {
    const { run } = commit;
    const firstSeq = commit.lastSeq - commit.events.length + 1;
    const { memory } = traced;
    const spans: SpanRecord[] = [];
    const atMs = Date.parse(commit.at);
    commit.events.forEach((event, index) => {
      const seq = firstSeq + index;
      // Seen already (a commit told twice): its spans went out the first time.
      if (seq < memory.nextSeq) return;
      applyToTrace({ event, seq, atMs, run, memory, options: spanOptions, live: true, emit: (span) => spans.push(span) });
    });
    if (spans.length > 0) options.sink.export(spans);
    const last = commit.events.at(-1)?.type;
    // A run that ended is done; one that parked may resume on any node, which reads what it needs.
    if (last === 'run-end' || last === 'run-waiting') runs.delete(run.id);
  }

  return (commit) => {
    if (!isTraced(commit.run)) return;
    const traced = remembered(commit.run.id);
    const firstSeq = commit.lastSeq - commit.events.length + 1;
    // The common case — this process saw the run's journal up to here — is synchronous: no
    // promise per commit on a path every turn takes.
    if (traced.queue === undefined && firstSeq <= traced.memory.nextSeq) {
      observe(traced, commit);
      return;
    }
    const work = (traced.queue ?? Promise.resolve()).then(async () => {
      await backfill(traced, commit);
      observe(traced, commit);
    });
    const settled = work.catch(() => undefined);
    traced.queue = settled;
    void settled.then(() => {
      if (traced.queue === settled) traced.queue = undefined;
    });
    return work;
  };
}
