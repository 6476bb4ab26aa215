import type { Model } from '../../gateway/model.ts';
import type { GuardrailBoundary, GuardrailContext } from '../../sdk/define-guardrail.ts';

/** What a classifier says of one text: a score in [0, 1] (1: certainly what it looks for) and the categories it named. */
export interface ClassifierScore {
  score: number;
  labels: string[];
}

/** A Keel `Model` used as a judge: it is asked for a small JSON verdict on the text. */
export interface ModelJudgeOptions {
  model: Model;
  /** The judge's instructions, replacing Keel's (which ask for `{"score": 0..1, …}`; any answer with a score or a yes/no field is read). */
  instructions?: string;
  /** Characters of the text the judge sees (the start of a longer text). Default 12,000. */
  maxChars?: number;
}

/**
 * A classification endpoint over HTTP, POSTed `{ "input": text }` (or `body(text)`), answering either OpenAI `/v1/moderations` style
 * (`{ results: [{ flagged, categories, category_scores }] }`) or a list of `{ label, score }`
 * (Hugging Face text classification, also nested one level).
 */
export interface HttpClassifierOptions {
  url: string;
  /** Sent with every request (an `Authorization` header, say). Never logged or journaled. */
  headers?: Record<string, string>;
  /**
   * The request body for a text, for endpoints that want another shape: `(text) => ({ inputs: text })`
   * for Hugging Face, `(text) => ({ input: text, model: 'omni-moderation-latest' })` to name OpenAI's model.
   */
  body?: (text: string) => unknown;
  /**
   * Labels (or moderation categories) that count as a hit; the score is the highest of theirs.
   * Default: every label but the benign ones (`safe`, `benign`, `label_0`, …); for a moderation
   * answer without `labels`, its `flagged`.
   */
  labels?: readonly string[];
  /** Default 10,000 ms. */
  timeoutMs?: number;
}

/** Your own classifier: return a score in [0, 1], or a `ClassifierScore`. */
export type ClassifierFunction = (request: ClassifyRequest) => number | ClassifierScore | Promise<number | ClassifierScore>;

export interface ClassifyRequest {
  text: string;
  /** Where the text comes from (`input`, `tool-result`, `output`, …). */
  boundary: GuardrailBoundary;
  context: GuardrailContext;
}

/** A classifier for a guardrail: a `Model` (as a judge), judge options, an HTTP endpoint, or a function. */
export type TextClassifier = Model | ModelJudgeOptions | HttpClassifierOptions | ClassifierFunction;

/** What a guardrail asks its classifier to look for. */
export interface ClassifierTask {
  /** Instructions for a model judge. */
  instructions: string;
  /** Says in the judge's request where the text comes from. */
  describe(request: ClassifyRequest): string;
}

export type Classify = (request: ClassifyRequest) => Promise<ClassifierScore>;

/** A score held to [0, 1]. */
export function clampScore(score: number): number {
  return Math.min(1, Math.max(0, score));
}
