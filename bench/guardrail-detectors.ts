import { performance } from 'node:perf_hooks';
import { lintSource } from '@secretlint/core';
import { creator as recommendedPreset } from '@secretlint/secretlint-rule-preset-recommend';
import { createStreamRedactor, detectPromptInjection, findPii, findSecrets, redactPii, redactSecrets } from 'keel/guardrails';
import {
  corporaDirectory,
  corporaRows,
  fixtureInjectionRows,
  fixturePiiRows,
  fixtureSecretRows,
  injectionConfusion,
  piiConfusion,
  secretsConfusion,
  sum,
  type Confusion,
  type InjectionRow,
  type PiiRow,
  type SecretRow,
} from './lib/guardrail-corpora.ts';
import { latencyTexts, percentile, textLength } from './lib/latency-texts.ts';
import { median } from './lib/timing.ts';
import { compare, type BenchModule, type BenchOptions, type BenchReport, type Figure } from './lib/report.ts';

const sizes = { full: { texts: 240, rounds: 5 }, quick: { texts: 40, rounds: 2 } };
const specBarMs = 2;

/**
 * The guardrail detectors: quality on labelled sets (in-repo fixtures by split, and the full
 * development corpora when present) and latency per call on 4 KB texts against a baseline of one
 * `normalize('NFKC')` and one regular-expression scan of the same text.
 */
async function run(options: BenchOptions): Promise<BenchReport> {
  const { texts: textCount, rounds } = options.quick ? sizes.quick : sizes.full;
  const figures: Figure[] = [];
  const details: Record<string, string | number | boolean> = {};

  options.log('guardrail-detectors: quality on the in-repo sets');
  for (const split of ['tuning', 'held-out'] as const) {
    figures.push(
      ...qualityFigures(
        `fixtures ${split}`,
        bySplit(fixtureInjectionRows(), split),
        bySplit(fixturePiiRows(), split),
        bySplit(fixtureSecretRows(), split),
        details,
      ),
    );
  }
  const directory = corporaDirectory();
  details.fullCorpora = directory !== undefined && !options.quick;
  if (directory !== undefined && !options.quick) {
    options.log(`guardrail-detectors: quality on the full corpora in ${directory}`);
    const corpora = corporaRows(directory);
    figures.push(...qualityFigures('full corpora', corpora.injection, corpora.pii, corpora.secrets, details));
  }

  options.log(`guardrail-detectors: latency on ${textCount} texts of ${textLength} characters, ${rounds} rounds`);
  const texts = latencyTexts(textCount);
  for (const [kind, kindTexts] of [
    ['one row', texts.oneRow],
    ['mixed rows', texts.mixed],
  ] as const) {
    figures.push(...latencyFigures(kind, kindTexts, rounds, details));
  }
  // secretlint's own engine on the same texts, for the record behind ADR 0014.
  const lintTimes: number[] = [];
  const config = { rules: [{ id: recommendedPreset.meta.id, rule: recommendedPreset }] };
  const secretsTimes: number[] = [];
  for (const text of texts.mixed.slice(0, Math.min(texts.mixed.length, 60))) {
    secretsTimes.push(timed(() => findSecrets(text)));
    const started = performance.now();
    await lintSource({ source: { content: text, filePath: 'input.txt', ext: '.txt', contentType: 'text' }, options: { config, noPhysicFilePath: true } });
    lintTimes.push(performance.now() - started);
  }
  figures.push(
    compare({
      name: 'secretlint lintSource against findSecrets (both rule sets), mixed rows',
      baseline: { label: 'findSecrets median', value: median(secretsTimes) * 1000, unit: 'µs/call' },
      measured: { label: 'lintSource median', value: median(lintTimes) * 1000, unit: 'µs/call' },
      ratioOf: 'lintSource / findSecrets',
    }),
  );
  details['lintSource p99Ms'] = round(
    percentile(
      [...lintTimes].sort((a, b) => a - b),
      0.99,
    ),
  );

  // Streaming: a 4 KB answer in 3-character deltas, redacted for PII and secrets.
  const redact = (text: string) => redactSecrets(redactPii(text));
  const streamTexts = texts.mixed.slice(0, options.quick ? 3 : 12);
  const whole = streamTexts.map((text) => timed(() => redact(text)));
  const streamed = streamTexts.map((text) =>
    timed(() => {
      const redactor = createStreamRedactor({ redact });
      let emitted = '';
      for (let index = 0; index < text.length; index += 3) emitted += redactor.push(text.slice(index, index + 3));
      emitted += redactor.end();
      if (emitted !== redact(text)) throw new Error('the stream redactor emitted something else than the whole redaction');
    }),
  );
  figures.push(
    compare({
      name: 'stream redaction of a 4 KB answer in 3-character deltas',
      baseline: { label: 'redact the whole text once', value: median(whole), unit: 'ms/answer' },
      measured: { label: 'stream redactor, ~1,365 deltas', value: median(streamed), unit: 'ms/answer' },
      ratioOf: 'streamed / whole',
    }),
  );
  details.latencyTexts = textCount;
  details.latencyRounds = rounds;
  return { id: 'guardrail-detectors', title: 'Guardrail detectors: quality and latency', status: 'ok', figures, details };
}

function latencyFigures(kind: string, texts: string[], rounds: number, details: Record<string, string | number | boolean>): Figure[] {
  const figures: Figure[] = [];
  const probe = /\b(?:ignore|password|token|secret)\b/i;
  const contenders: Record<string, (text: string) => unknown> = {
    baseline: (text) => probe.test(text.normalize('NFKC')),
    'detectPromptInjection (input)': (text) => detectPromptInjection(text),
    'detectPromptInjection (tool-result)': (text) => detectPromptInjection(text, { source: 'tool-result' }),
    findPii: (text) => findPii(text),
    findSecrets: (text) => findSecrets(text),
  };
  const samples = measureInterleaved(contenders, texts, rounds);
  const baseline = samples.get('baseline') ?? [];
  const baselineMedian = median(baseline) * 1000;
  for (const [name, times] of samples) {
    if (name === 'baseline') continue;
    const sorted = [...times].sort((a, b) => a - b);
    // Per call, the tail also measures whatever else the machine runs (preemption, other
    // processes' load on 2 shared cores); per text, the best of the rounds is the detector's own
    // cost on that text, and its p99 is the slowest texts. Both are recorded; the bar reads the
    // second.
    const perText = texts.map((_, index) =>
      Math.min(...Array.from({ length: rounds }, (__, round) => times[round * texts.length + index] ?? Number.POSITIVE_INFINITY)),
    );
    const p99 = percentile(
      [...perText].sort((a, b) => a - b),
      0.99,
    );
    details[`${kind} ${name} medianMs`] = round(median(sorted));
    details[`${kind} ${name} p99PerCallMs`] = round(percentile(sorted, 0.99));
    details[`${kind} ${name} p99PerTextMs`] = round(p99);
    figures.push(
      compare({
        name: `${name}: median per 4 KB call, ${kind}`,
        baseline: { label: 'NFKC + one regex scan', value: baselineMedian, unit: 'µs/call' },
        measured: { label: name, value: median(sorted) * 1000, unit: 'µs/call' },
        ratioOf: 'detector / baseline',
      }),
      compare({
        name: `${name}: p99 per 4 KB text, ${kind}`,
        baseline: { label: 'SPEC bar', value: specBarMs, unit: 'ms' },
        measured: { label: `${name} p99 over texts, best of ${rounds} rounds`, value: p99, unit: 'ms' },
        ratioOf: 'p99 / bar',
        bar: { text: '≤ 1 (p99 ≤ 2 ms)', max: 1 },
      }),
    );
  }

  return figures;
}

function qualityFigures(
  scope: string,
  injection: InjectionRow[],
  pii: PiiRow[],
  secrets: SecretRow[],
  details: Record<string, string | number | boolean>,
): Figure[] {
  const figures: Figure[] = [];
  const record = (name: string, counts: Confusion) => {
    details[`${scope} ${name}`] = `tp ${counts.tp} fn ${counts.fn} fp ${counts.fp} tn ${counts.tn}`;
  };
  const injectionSets = injectionConfusion(injection);
  for (const [set, counts] of injectionSets) {
    record(`injection ${set}`, counts);
    if (counts.tp + counts.fn > 0 && counts.tp > 0) figures.push(recallFigure(`${scope}: prompt injection recall, ${set}`, counts));
    if (counts.fp + counts.tn >= 10 && counts.tn > 0) figures.push(specificityFigure(`${scope}: benign texts passed, ${set}`, counts));
  }
  for (const [type, counts] of piiConfusion(pii)) {
    record(`pii ${type}`, counts);
    if (counts.tp === 0) continue;
    figures.push(recallFigure(`${scope}: PII recall, ${type}`, counts));
    figures.push(
      compare({
        name: `${scope}: PII precision, ${type}`,
        baseline: { label: 'values found', value: counts.tp + counts.fp, unit: 'spans' },
        measured: { label: 'correct', value: counts.tp, unit: 'spans' },
        ratioOf: 'precision',
      }),
    );
  }
  const secretSets = secretsConfusion(secrets);
  for (const [set, counts] of secretSets) {
    record(`secrets ${set}`, counts);
    if (counts.tp > 0) figures.push(recallFigure(`${scope}: secrets recall, ${set}`, counts));
    if (counts.fp + counts.tn >= 10 && counts.tn > 0) figures.push(specificityFigure(`${scope}: non-secrets passed, ${set}`, counts));
  }
  record('secrets all', sum(secretSets.values()));
  return figures;
}

const recallFigure = (name: string, counts: Confusion): Figure =>
  compare({
    name,
    baseline: { label: 'labelled positives', value: counts.tp + counts.fn, unit: 'rows' },
    measured: { label: 'detected', value: counts.tp, unit: 'rows' },
    ratioOf: 'recall',
  });

const specificityFigure = (name: string, counts: Confusion): Figure =>
  compare({
    name,
    baseline: { label: 'labelled negatives', value: counts.fp + counts.tn, unit: 'rows' },
    measured: { label: 'not flagged', value: counts.tn, unit: 'rows' },
    ratioOf: '1 - false-positive rate',
  });

const bySplit = <Row extends { split: string }>(rows: Row[], split: string): Row[] => rows.filter((row) => row.split === split);

/** Per-call times in ms, contenders interleaved text by text so machine drift hits all alike. */
function measureInterleaved(contenders: Record<string, (text: string) => unknown>, texts: string[], rounds: number): Map<string, number[]> {
  const samples = new Map<string, number[]>(Object.keys(contenders).map((name) => [name, []]));
  for (const text of texts) for (const run of Object.values(contenders)) run(text); // warm-up
  for (let round = 0; round < rounds; round += 1) {
    for (const text of texts) {
      for (const [name, run] of Object.entries(contenders)) {
        const started = performance.now();
        run(text);
        samples.get(name)?.push(performance.now() - started);
      }
    }
  }
  return samples;
}

function timed(work: () => unknown): number {
  const started = performance.now();
  work();
  return performance.now() - started;
}

const round = (value: number) => Math.round(value * 1000) / 1000;

export const guardrailDetectors: BenchModule = { id: 'guardrail-detectors', title: 'Guardrail detectors: quality and latency', run };
