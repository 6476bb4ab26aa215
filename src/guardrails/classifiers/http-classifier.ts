import { invalidOption } from '../support/guardrail-options.ts';
import { classifierFailed } from './classifier-failed.ts';
import { clampScore, type Classify, type ClassifierScore, type HttpClassifierOptions } from './classifier-types.ts';
import { isRecord } from '../../internal/is-record.ts';

const defaultTimeoutMs = 10_000;
// Labels that classifiers use for "nothing found"; every other label counts as a hit by default.
const benignLabels = /^(?:safe|benign|clean|ok|neutral|normal|none|negative|legit(?:imate)?|non[-_ ]?toxic|not[-_ ]?\w+|label_0)$/i;

/**
 * A classifier endpoint over HTTP (see `HttpClassifierOptions`). The text is POSTed as JSON; a
 * non-2xx answer, a timeout or a body with no score fails the check. Errors name the host only:
 * a URL may carry a key in its query, and headers are never repeated.
 */
export function httpClassifier(guardrail: string, options: HttpClassifierOptions): Classify {
  let url: URL;
  try {
    url = new URL(options.url);
  } catch {
    throw invalidOption(guardrail, 'classifier.url must be an http(s) URL');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw invalidOption(guardrail, 'classifier.url must be an http(s) URL');
  const timeoutMs = options.timeoutMs ?? defaultTimeoutMs;
  if (!Number.isInteger(timeoutMs) || timeoutMs < 1) throw invalidOption(guardrail, 'classifier.timeoutMs must be a positive whole number');
  if (options.body !== undefined && typeof options.body !== 'function') throw invalidOption(guardrail, 'classifier.body must be a function');
  if (options.labels !== undefined && (!Array.isArray(options.labels) || !options.labels.every((label) => typeof label === 'string'))) {
    throw invalidOption(guardrail, 'classifier.labels must be a list of strings');
  }
  const headers = { 'content-type': 'application/json', accept: 'application/json', ...options.headers };
  const where = url.host;
  return async (request) => {
    const body = options.body !== undefined ? options.body(request.text) : { input: request.text };
    const signal = AbortSignal.any([request.context.signal, AbortSignal.timeout(timeoutMs)]);
    let response: Response;
    let payload: unknown;
    try {
      response = await fetch(url, { method: 'POST', headers, body: JSON.stringify(body), signal });
      const text = await response.text();
      payload = parseJson(text);
    } catch (error) {
      if (request.context.signal.aborted) throw error;
      const timedOut = error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError');
      throw classifierFailed(guardrail, timedOut ? `${where} did not answer within ${timeoutMs} ms` : `${where} could not be reached`, error);
    }
    if (!response.ok) throw classifierFailed(guardrail, `${where} answered HTTP ${response.status}`);
    const score = readClassifierResponse(payload, options.labels);
    if (score === undefined)
      throw classifierFailed(guardrail, `${where} answered with no score in a shape Keel reads (moderation results or [{ label, score }])`);
    return score;
  };
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/**
 * The score in a classifier's answer:
 * - OpenAI moderation style, `{ results: [{ flagged, categories, category_scores }] }`: the
 *   highest score of `labels` among the categories, or without `labels` its `flagged` (1 or 0);
 * - a list of `{ label, score }` (or a list of such lists, or one such object): the highest score
 *   of the labels that count (`labels`, or every label not benign); when only benign labels
 *   came back (a top-1 answer `SAFE 0.98`), one minus the highest of theirs;
 * - `{ score }` or `{ flagged }`.
 * `undefined` when none of these is there.
 *
 * @example
 * readClassifierResponse([{ label: 'INJECTION', score: 0.97 }, { label: 'SAFE', score: 0.03 }]); // { score: 0.97, labels: ['INJECTION'] }
 * // labels: the labels that count, highest score first
 */
export function readClassifierResponse(payload: unknown, labels?: readonly string[]): ClassifierScore | undefined {
  const counts = (label: string) => (labels === undefined ? !benignLabels.test(label) : labels.some((wanted) => wanted.toLowerCase() === label.toLowerCase()));
  if (isRecord(payload) && Array.isArray(payload.results)) return readModeration(payload.results[0], labels, counts);
  const entries = labelEntries(payload);
  if (entries !== undefined && entries.length > 0) {
    const hits = entries.filter((entry) => counts(entry.label));
    if (hits.length > 0) {
      const ranked = [...hits].sort((a, b) => b.score - a.score);
      return { score: clampScore(ranked[0]!.score), labels: ranked.map((entry) => entry.label) };
    }
    const benign = entries.filter((entry) => benignLabels.test(entry.label));
    return benign.length > 0 ? { score: clampScore(1 - Math.max(...benign.map((entry) => entry.score))), labels: [] } : { score: 0, labels: [] };
  }
  if (isRecord(payload)) {
    if (typeof payload.score === 'number' && Number.isFinite(payload.score)) return { score: clampScore(payload.score), labels: [] };
    if (typeof payload.flagged === 'boolean') return { score: payload.flagged ? 1 : 0, labels: [] };
  }
  return undefined;
}

function readModeration(result: unknown, labels: readonly string[] | undefined, counts: (label: string) => boolean): ClassifierScore | undefined {
  if (!isRecord(result)) return undefined;
  const scores = isRecord(result.category_scores) ? result.category_scores : {};
  const flaggedCategories = isRecord(result.categories)
    ? Object.keys(result.categories).filter((category) => (result.categories as Record<string, unknown>)[category] === true)
    : [];
  if (labels === undefined && typeof result.flagged === 'boolean') {
    return { score: result.flagged ? 1 : 0, labels: flaggedCategories };
  }
  const wanted = Object.entries(scores).filter((entry): entry is [string, number] => typeof entry[1] === 'number' && counts(entry[0]));
  if (wanted.length === 0) return typeof result.flagged === 'boolean' ? { score: result.flagged ? 1 : 0, labels: flaggedCategories } : undefined;
  const ranked = [...wanted].sort((a, b) => b[1] - a[1]);
  return { score: clampScore(ranked[0]![1]), labels: ranked.map(([category]) => category) };
}

function labelEntries(payload: unknown): Array<{ label: string; score: number }> | undefined {
  const list = Array.isArray(payload)
    ? payload.length > 0 && Array.isArray(payload[0])
      ? (payload[0] as unknown[])
      : payload
    : isRecord(payload) && 'label' in payload
      ? [payload]
      : undefined;
  if (list === undefined) return undefined;
  const entries = list.filter(
    (entry): entry is { label: string; score: number } =>
      isRecord(entry) && typeof entry.label === 'string' && typeof entry.score === 'number' && Number.isFinite(entry.score),
  );
  return entries.length === list.length ? entries : undefined;
}
