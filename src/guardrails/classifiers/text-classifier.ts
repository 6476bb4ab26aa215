import type { Model } from '../../gateway/model.ts';
import type { GuardrailContext } from '../../sdk/define-guardrail.ts';
import { invalidOption } from '../support/guardrail-options.ts';
import { classifierFailed } from './classifier-failed.ts';
import { httpClassifier } from './http-classifier.ts';
import { modelJudge } from './model-judge.ts';

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
  boundary: string;
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

/**
 * The classifier a guardrail option describes, as one function. Validated at once: a bad
 * option is a configuration error, not a failed run.
 */
export function createClassifier(guardrail: string, option: TextClassifier, task: ClassifierTask): Classify {
  if (typeof option === 'function') {
    return async (request) => asScore(guardrail, await option(request));
  }
  if (typeof option !== 'object' || option === null) throw invalidOption(guardrail, 'classifier must be a Model, { model }, { url } or a function');
  if (isModel(option)) return modelJudge(guardrail, { model: option }, task);
  if ('model' in option && isModel(option.model)) return modelJudge(guardrail, option, task);
  if ('model' in option) throw invalidOption(guardrail, 'classifier.model must be a Keel Model');
  if ('url' in option && typeof option.url === 'string') return httpClassifier(guardrail, option);
  throw invalidOption(guardrail, 'classifier must be a Model, { model }, { url } or a function');
}

function isModel(value: unknown): value is Model {
  return typeof value === 'object' && value !== null && typeof (value as Model).generate === 'function' && typeof (value as Model).modelId === 'string';
}

function asScore(guardrail: string, value: number | ClassifierScore): ClassifierScore {
  const score = typeof value === 'number' ? value : value?.score;
  if (typeof score !== 'number' || !Number.isFinite(score)) throw classifierFailed(guardrail, 'it returned no score');
  const labels = typeof value === 'object' && Array.isArray(value.labels) ? value.labels.filter((label) => typeof label === 'string') : [];
  return { score: clampScore(score), labels };
}

export function clampScore(score: number): number {
  return Math.min(1, Math.max(0, score));
}
