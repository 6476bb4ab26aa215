import { directRules } from './direct-rules.ts';
import { indirectRules } from './indirect-rules.ts';
import { preFilters } from './rule-pre-filters.ts';
import type { InjectionRule } from './rule-kit.ts';

export type { InjectionRule } from './rule-kit.ts';

/*
 * The prompt-injection rules: each names one general pattern of injection or jailbreak, with a
 * weight per source. Weights combine as independent evidence (1 - Π(1 - w)), so a rule below
 * 0.5 never flags a text alone: those are the words benign texts use too ("developer mode",
 * "jailbreak my phone", "no restrictions"), which count only next to other evidence.
 */

const rules: readonly InjectionRule[] = [...directRules, ...indirectRules];

export const injectionRules: readonly InjectionRule[] = rules.map((entry) => {
  const filter = preFilters[entry.id];
  if (filter === undefined) return entry;
  return {
    ...entry,
    ...(filter.words === undefined ? {} : { words: new Set(filter.words.split(' ')) }),
    ...(filter.literals === undefined ? {} : { literals: filter.literals }),
  };
});
