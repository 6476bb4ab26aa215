import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import type { ClientRequest, IncomingMessage } from 'node:http';
import { performance } from 'node:perf_hooks';
import { median } from './timing.ts';

/**
 * Where a run's time goes around its model calls, for a contender whose calls leave this process
 * through `node:http` (Keel's `openai-compatible` client and the bare loop both do): from the
 * run's start to its first request, from each answer's end to the next request (the agent's own
 * work between two calls: commit, tool, the next request's body), from each request to its
 * answer's head and on to its end, and from the last answer's end to the run's end. Read from
 * Node's `http.client.*` diagnostics channels, so neither side's code is touched.
 */
export interface RunPhases {
  firstRequestMs: number;
  /** Per gap between two model calls. */
  gapMs: number[];
  /** Per call: the request handed to its socket (`end()` called) to the answer's head. */
  headMs: number[];
  /** Per call: the answer's head to its end. */
  bodyMs: number[];
  tailMs: number;
}

/** Medians over runs (per gap and per call over every call of every run). */
export interface PhaseMedians {
  firstRequestMs: number;
  gapMs: number;
  headMs: number;
  bodyMs: number;
  tailMs: number;
}

/** What a timed run may say of itself: where its own clock stopped, before any check of it that it does untimed. */
export interface TimedResult {
  endedAt?: number;
}

interface Exchange {
  startedAt: number;
  headAt?: number;
  endedAt?: number;
}

/** Listens to this process's HTTP client requests while open; `time` measures one run. */
export function openPhaseProbe(): { time<T extends TimedResult>(run: () => Promise<T>): Promise<{ result: T; phases: RunPhases }>; close(): void } {
  let exchanges: Exchange[] | undefined;
  const byRequest = new WeakMap<ClientRequest, Exchange>();
  const onStart = (message: unknown) => {
    if (exchanges === undefined) return;
    const exchange: Exchange = { startedAt: performance.now() };
    byRequest.set((message as { request: ClientRequest }).request, exchange);
    exchanges.push(exchange);
  };
  const onHead = (message: unknown) => {
    const { request, response } = message as { request: ClientRequest; response: IncomingMessage };
    const exchange = byRequest.get(request);
    if (exchange === undefined) return;
    exchange.headAt = performance.now();
    response.once('end', () => (exchange.endedAt = performance.now()));
  };
  subscribe('http.client.request.start', onStart);
  subscribe('http.client.response.finish', onHead);
  return {
    async time(run) {
      const calls: Exchange[] = [];
      exchanges = calls;
      const startedAt = performance.now();
      try {
        const result = await run();
        return { result, phases: phasesOf(calls, startedAt, result.endedAt ?? performance.now()) };
      } finally {
        exchanges = undefined;
      }
    },
    close() {
      unsubscribe('http.client.request.start', onStart);
      unsubscribe('http.client.response.finish', onHead);
    },
  };
}

function phasesOf(calls: Exchange[], startedAt: number, endedAt: number): RunPhases {
  const complete = calls.filter((call): call is Required<Exchange> => call.headAt !== undefined && call.endedAt !== undefined);
  const first = complete[0];
  const last = complete.at(-1);
  if (first === undefined || last === undefined || complete.length !== calls.length) throw new Error('a run made a model call that never finished');
  return {
    firstRequestMs: first.startedAt - startedAt,
    gapMs: complete.slice(1).map((call, index) => call.startedAt - (complete[index]?.endedAt ?? Number.NaN)),
    headMs: complete.map((call) => call.headAt - call.startedAt),
    bodyMs: complete.map((call) => call.endedAt - call.headAt),
    tailMs: endedAt - last.endedAt,
  };
}

export function phaseMedians(runs: readonly RunPhases[]): PhaseMedians {
  return {
    firstRequestMs: median(runs.map((run) => run.firstRequestMs)),
    gapMs: median(runs.flatMap((run) => run.gapMs)),
    headMs: median(runs.flatMap((run) => run.headMs)),
    bodyMs: median(runs.flatMap((run) => run.bodyMs)),
    tailMs: median(runs.map((run) => run.tailMs)),
  };
}
