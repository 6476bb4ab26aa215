import { performance } from 'node:perf_hooks';
import {
  contentPolicy,
  grounding,
  loopDetection,
  maxInputSize,
  maxToolCalls,
  normalizeUnicode,
  pii,
  promptInjection,
  secrets,
  toolAllowlist,
  toolArguments,
  toolResultShape,
  toolResultSize,
  type Guardrail,
  type GuardrailContext,
  type GuardrailSubject,
  type PastToolCall,
} from 'keel/guardrails';
import { latencyTexts, percentile } from './lib/latency-texts.ts';
import { compare, type BenchModule, type BenchOptions, type BenchReport, type Figure } from './lib/report.ts';
import { median } from './lib/timing.ts';

const sizes = { full: { texts: 120, rounds: 5 }, quick: { texts: 12, rounds: 2 } };
const specBarMs = 2;

/** One guardrail timed on subjects built from each 4 KB text. */
interface Contender {
  name: string;
  guardrail: Guardrail;
  subject: (text: string, index: number) => GuardrailSubject;
}

/**
 * The built-in guardrails (none calls a model here), one `check` per 4 KB text as the engine
 * calls it (awaited), against a baseline of one `normalize('NFKC')` and one regex scan of the
 * same text; and each one's p99 over the texts against SPEC §13's 2 ms bar. Subjects are what
 * a busy run hands over: tool calls carry a 4 KB argument with a history of 30 calls whose
 * results are 4 KB each; the grounding check reads a 4 KB answer against 5 such results.
 */
async function run(options: BenchOptions): Promise<BenchReport> {
  const { texts: count, rounds } = options.quick ? sizes.quick : sizes.full;
  const texts = latencyTexts(count).mixed;
  options.log(`guardrail-checks: ${texts.length} texts of 4 KB, ${rounds} rounds, ${contenders(texts).length} guardrails`);
  const context: GuardrailContext = {
    runId: 'run_bench',
    tenantId: 'acme',
    userId: 'user',
    sessionId: 'session',
    agent: 'support',
    signal: new AbortController().signal,
  };
  const probe = /\b(?:ignore|password|token|secret)\b/i;
  const samples = new Map<string, number[]>([['baseline', []]]);
  const list = contenders(texts);
  for (const contender of list) samples.set(contender.name, []);
  // Subjects are built once, outside the timed calls.
  const subjects = list.map((contender) => texts.map((text, index) => contender.subject(text, index)));
  for (const [position, contender] of list.entries()) for (const subject of subjects[position] ?? []) await contender.guardrail.check(subject, context); // warm-up
  for (let round = 0; round < rounds; round += 1) {
    for (const [index, text] of texts.entries()) {
      let started = performance.now();
      probe.test(text.normalize('NFKC'));
      samples.get('baseline')?.push(performance.now() - started);
      for (const [position, contender] of list.entries()) {
        const subject = subjects[position]?.[index];
        if (subject === undefined) continue;
        started = performance.now();
        await contender.guardrail.check(subject, context);
        samples.get(contender.name)?.push(performance.now() - started);
      }
    }
  }

  const figures: Figure[] = [];
  const details: Record<string, string | number | boolean> = { texts: texts.length, rounds };
  const baselineMedian = median(samples.get('baseline') ?? []) * 1000;
  for (const contender of list) {
    const times = samples.get(contender.name) ?? [];
    // As in guardrail-detectors: the per-call tail also measures the machine's other load; the
    // bar reads the p99 over texts of each text's best round, the per-call p99 is kept beside it.
    const perText = texts.map((_, index) =>
      Math.min(...Array.from({ length: rounds }, (__, round) => times[round * texts.length + index] ?? Number.POSITIVE_INFINITY)),
    );
    const p99 = percentile(
      [...perText].sort((a, b) => a - b),
      0.99,
    );
    details[`${contender.name} medianMs`] = round(median(times));
    details[`${contender.name} p99PerCallMs`] = round(
      percentile(
        [...times].sort((a, b) => a - b),
        0.99,
      ),
    );
    details[`${contender.name} p99PerTextMs`] = round(p99);
    figures.push(
      compare({
        name: `${contender.name}: median per check`,
        baseline: { label: 'NFKC + one regex scan', value: baselineMedian, unit: 'µs/call' },
        measured: { label: contender.name, value: median(times) * 1000, unit: 'µs/call' },
        ratioOf: 'guardrail / baseline',
      }),
      compare({
        name: `${contender.name}: p99 per check`,
        baseline: { label: 'SPEC bar', value: specBarMs, unit: 'ms' },
        measured: { label: `p99 over texts, best of ${rounds} rounds`, value: p99, unit: 'ms' },
        ratioOf: 'p99 / bar',
        bar: { text: '≤ 1 (p99 ≤ 2 ms)', max: 1 },
      }),
    );
  }
  return { id: 'guardrail-checks', title: 'Built-in guardrails: latency per check on 4 KB', status: 'ok', figures, details };
}

function contenders(texts: readonly string[]): Contender[] {
  const history = (index: number): PastToolCall[] =>
    Array.from({ length: 30 }, (_, call) => ({
      step: call + 1,
      callId: `call_${call}`,
      toolName: call % 2 === 0 ? 'search_kb' : 'lookup_order',
      input: { query: `question ${call}` },
      output: { text: texts[(index + call) % texts.length] ?? '' },
    }));
  const toolCall = (text: string, index: number): GuardrailSubject => ({
    boundary: 'tool-call',
    step: 31,
    call: { callId: 'call_next', toolName: 'send_email', effect: 'unsafe', input: { to: 'ann@example.com, Bob <bob@example.com>', amountUsd: 40, body: text } },
    history: history(index),
  });
  const toolResult = (output: unknown): GuardrailSubject => ({
    boundary: 'tool-result',
    step: 2,
    call: { callId: 'call_1', toolName: 'search_kb', effect: 'read', input: { query: 'refunds' }, outputSchema: { type: 'object' } },
    output,
  });
  const output = (text: string, index: number): GuardrailSubject => ({ boundary: 'output', step: 3, text, output: text, history: history(index).slice(0, 5) });
  const input = (text: string): GuardrailSubject => ({ boundary: 'input', text });
  const terms = ['acme corp', 'project zephyr', 'internal only', 'confidential', 'competitor', 'lawsuit', 'layoffs', 'merger', 'ceo salary', 'zero-day'];
  return [
    { name: 'normalizeUnicode (input)', guardrail: normalizeUnicode(), subject: input },
    { name: 'maxInputSize (input)', guardrail: maxInputSize({ maxChars: 3_000, maxBytes: 12_000, action: 'truncate' }), subject: input },
    { name: 'promptInjection (input)', guardrail: promptInjection(), subject: input },
    { name: 'promptInjection (tool-result)', guardrail: promptInjection(), subject: (text) => toolResult({ title: 'Search results', rows: text.split('\n') }) },
    { name: 'pii redact (output)', guardrail: pii(), subject: output },
    { name: 'pii redact (tool-result)', guardrail: pii(), subject: (text) => toolResult({ status: 200, body: text }) },
    // The same 4 KB as a table: one row per line, each line a field of its own.
    { name: 'pii redact (tool-result table)', guardrail: pii(), subject: (text) => toolResult(text.split('\n').map((line, id) => ({ id, line }))) },
    { name: 'secrets redact (output)', guardrail: secrets(), subject: output },
    { name: 'secrets redact (tool-result table)', guardrail: secrets(), subject: (text) => toolResult(text.split('\n').map((line, id) => ({ id, line }))) },
    {
      name: 'toolAllowlist (tool-call)',
      guardrail: toolAllowlist({ tools: ['search_kb', 'lookup_order', 'send_email'], byTenant: { acme: ['send_email'] } }),
      subject: toolCall,
    },
    {
      name: 'toolArguments (tool-call)',
      guardrail: toolArguments({
        rules: {
          send_email: [
            { field: 'to', emailDomains: ['example.com'] },
            { field: 'amountUsd', max: 100 },
          ],
        },
      }),
      subject: toolCall,
    },
    { name: 'maxToolCalls (tool-call)', guardrail: maxToolCalls({ max: 40, perTool: { send_email: 2 } }), subject: toolCall },
    { name: 'loopDetection (tool-call)', guardrail: loopDetection(), subject: toolCall },
    { name: 'toolResultShape (tool-result)', guardrail: toolResultShape(), subject: (text) => toolResult(JSON.stringify({ text }).slice(0, 4_000)) },
    { name: 'toolResultSize (tool-result)', guardrail: toolResultSize({ maxChars: 2_000, previewChars: 1_000 }), subject: (text) => toolResult({ text }) },
    { name: 'contentPolicy terms (output)', guardrail: contentPolicy({ blockedTerms: terms }), subject: output },
    { name: 'grounding (output)', guardrail: grounding(), subject: output },
  ];
}

const round = (value: number) => Math.round(value * 1000) / 1000;

export const guardrailChecks: BenchModule = { id: 'guardrail-checks', title: 'Built-in guardrails: latency per check on 4 KB', run };
