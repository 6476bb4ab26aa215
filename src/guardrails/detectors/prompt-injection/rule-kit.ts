/*
 * What a prompt-injection rule is, and the pattern fragments several rules share.
 *
 * Patterns run on the lowercased normalised text (see normalize-text.ts), so they are written in
 * lower case without the `i` flag (case-insensitive Unicode matching is several times slower);
 * the few marked `caseSensitive` run on the text as written. They must stay linear: bounded gaps
 * (`.{0,60}`), no nested quantifiers over overlapping classes.
 */

export interface InjectionRule {
  /** Stable id, reported in `reasons`. */
  id: string;
  pattern: RegExp;
  /** Weight when scanning a user's input. */
  input: number;
  /** Weight when scanning data a tool returned (indirect injection). */
  toolResult: number;
  /** A second pattern that must match somewhere in the same text too, in any order. */
  also?: RegExp;
  /** Run on the normalised text as written instead of its lowercased form. */
  caseSensitive?: boolean;
  /** Pre-filter: the rule is tried only when one of these words occurs in the text… */
  words?: ReadonlySet<string>;
  /** …or one of these strings does. */
  literals?: readonly string[];
}

export const override = String.raw`(?:ignore|ignoring|disregard|disregarding|forget|forgetting|override|overwrite|bypass|skip|neglect|abandon|discard|dismiss|set aside|pay no (?:attention|heed) to|do not (?:follow|obey|adhere to)|don'?t (?:follow|obey|adhere to)|stop following|let go of|throw out|erase|delete|drop|nevermind|never mind)`;
export const qualifier = String.raw`(?:[a-z]+ and|all|any|every|each|the|your|my|of|these|those|previous|previously|prior|preceding|above|earlier|former|foregoing|original|initial|old|system|developer|existing|and|following|other|current|safety|given|provided|said|entire|whole|programmed|mentioned|stated|written|that|this|default|standard|openai'?s?|you'?ve|you|were|have|been|got|received|told)`;
export const instructions = String.raw`(?:instructions?|instructed|prompts?|prompting|directions?|directives?|commands?|rules|ruleset|guidelines?|guidance|constraints|programming|prompting|orders|policies|polic(?:y|ies)|restrictions|training|conditioning|protocols?|limitations|filters|principles|ethics|moral(?:s|ity)|boundaries|system message)`;
export const aiNoun = String.raw`(?:ai|a\.i\.|llm|language model|assistant|chatbot|chat bot|bot|gpt|chatgpt|claude|gemini|copilot|agent|model|automated (?:system|assistant|agent))`;
export const limits = String.raw`(?:prohibitions|restrictions?|limitations?|limits|filters?|filtering|censorship|censoring|boundaries|guidelines|rules|constraints|principles|ethics|morals|morality|safeguards|guardrails|polic(?:y|ies)|content polic(?:y|ies)|moderation|inhibitions)`;

export const rule = (id: string, source: string, input: number, toolResult: number = input): InjectionRule => ({
  id,
  pattern: new RegExp(source, 'u'),
  input,
  toolResult,
});
export const both = (id: string, source: string, also: string, input: number, toolResult: number = input): InjectionRule => ({
  ...rule(id, source, input, toolResult),
  also: new RegExp(also, 'u'),
});
export const caseSensitive = (id: string, source: string, input: number, toolResult: number = input): InjectionRule => ({
  ...rule(id, source, input, toolResult),
  caseSensitive: true,
});
