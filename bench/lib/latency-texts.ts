import { fixtureInjectionRows, fixturePiiRows, fixtureSecretRows } from './guardrail-corpora.ts';

/** The length of the texts the guardrail benches time: SPEC §13's bar is per 4 KB. */
export const textLength = 4096;

/**
 * 4 KB texts from the fixtures' rows (prose, injections, tool results, PII, credentials): `oneRow`
 * repeats one row up to 4 KB (a long message of one kind), `mixed` strings different rows
 * together (a denser mix of trigger words, numbers and tokens than most real texts).
 */
export function latencyTexts(count: number): { oneRow: string[]; mixed: string[] } {
  const pool = [...fixtureInjectionRows().map((row) => row.text), ...fixturePiiRows().map((row) => row.text), ...fixtureSecretRows().map((row) => row.text)];
  const fill = (next: () => string) => {
    let text = '';
    while (text.length < textLength) text += `${next()}\n`;
    return text.slice(0, textLength);
  };
  const oneRow: string[] = [];
  const mixed: string[] = [];
  let cursor = 0;
  for (let index = 0; index < count; index += 1) {
    const row = pool[(index * 13) % pool.length] ?? '';
    oneRow.push(fill(() => row));
    mixed.push(
      fill(() => {
        cursor += 7;
        return pool[cursor % pool.length] ?? '';
      }),
    );
  }
  return { oneRow, mixed };
}

/** The value below which `fraction` of the sorted values lie. */
export function percentile(sorted: readonly number[], fraction: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * fraction))] ?? Number.NaN;
}
