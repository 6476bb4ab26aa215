import { KeelError } from '../../errors/index.ts';
import { invalidOption } from '../support/guardrail-options.ts';
import { classifierFailed } from './classifier-failed.ts';
import { clampScore, type Classify, type ClassifierScore, type ClassifierTask, type ModelJudgeOptions } from './classifier-types.ts';

const defaultMaxChars = 12_000;
const answerSchema = {
  type: 'object',
  properties: { score: { type: 'number', minimum: 0, maximum: 1 }, flagged: { type: 'boolean' }, categories: { type: 'array', items: { type: 'string' } } },
  required: ['score', 'flagged'],
};

/**
 * A model as a classifier: the text goes in a delimited block after the judge's instructions,
 * which say it is data to judge and never to follow; the answer is read defensively
 * (`readJudgeAnswer`). The call is marked `purpose: 'classify'` for routing and the cache.
 */
export function modelJudge(guardrail: string, options: ModelJudgeOptions, task: ClassifierTask): Classify {
  const maxChars = options.maxChars ?? defaultMaxChars;
  if (!Number.isInteger(maxChars) || maxChars < 1) throw invalidOption(guardrail, 'classifier.maxChars must be a positive whole number');
  if (options.instructions !== undefined && (typeof options.instructions !== 'string' || options.instructions.trim() === '')) {
    throw invalidOption(guardrail, 'classifier.instructions must be a non-empty string');
  }
  const instructions = options.instructions ?? task.instructions;
  const { model } = options;
  return async (request) => {
    // A closing delimiter inside the text would end the block early and let the rest pose as
    // instructions: it is defused.
    const text = request.text.slice(0, maxChars).replaceAll('</text>', '<\\/text>');
    let answer: string;
    try {
      const response = await model.generate({
        messages: [
          { role: 'system', content: instructions },
          { role: 'user', content: `${task.describe(request)}\n<text>\n${text}\n</text>` },
        ],
        responseFormat: { type: 'json', schema: answerSchema },
        temperature: 0,
        maxOutputTokens: 200,
        signal: request.context.signal,
        call: { tenantId: request.context.tenantId, runId: request.context.runId, purpose: 'classify' },
      });
      answer = response.text;
    } catch (error) {
      if (request.context.signal.aborted) throw error;
      const code = KeelError.isInstance(error) ? ` (${error.code})` : '';
      throw classifierFailed(guardrail, `the judge model ${model.provider}:${model.modelId} did not answer${code}`, error);
    }
    const verdict = readJudgeAnswer(answer);
    if (verdict === undefined) throw classifierFailed(guardrail, `the judge model ${model.provider}:${model.modelId} gave an answer with no verdict in it`);
    return verdict;
  };
}

const positiveWords = /^(?:yes|true|unsafe|flagged|injection|prompt[-_ ]?injection|jailbreak|malicious|violat(?:es|ion|ing)|harmful|block)$/i;
const negativeWords = /^(?:no|false|safe|benign|clean|ok|allowed?|none|pass)$/i;
const verdictFields = ['flagged', 'injection', 'violates', 'violation', 'unsafe', 'malicious', 'harmful', 'is_injection', 'isInjection'];

/**
 * Reads a judge's verdict out of what it wrote: JSON (also inside a code fence or after some
 * prose), with a `score` (0–1, or a percentage), or a yes/no field (`flagged`, `injection`,
 * `violates`, …), or a `verdict`/`label` word (`unsafe`, `safe`, …); a bare `yes`/`no` or a
 * number also counts. A score wins over a yes/no field. `undefined` when there is no verdict.
 *
 * @example
 * readJudgeAnswer('```json\n{"flagged": true, "score": 0.92}\n```'); // { score: 0.92, labels: [] }
 */
export function readJudgeAnswer(answer: string): ClassifierScore | undefined {
  const trimmed = answer.trim();
  const json = parseJsonObject(trimmed);
  if (json === undefined) return readWord(trimmed.replace(/[."'`]/g, ''));
  const labels = ['categories', 'labels', 'category'].flatMap((field) => {
    const value = json[field];
    return Array.isArray(value) ? value.filter((item): item is string => typeof item === 'string') : typeof value === 'string' ? [value] : [];
  });
  const score = numberOf(json.score ?? json.probability ?? json.confidence_score ?? json.risk);
  if (score !== undefined) return { score: clampScore(score > 1 && score <= 100 ? score / 100 : score), labels };
  for (const field of verdictFields) {
    const value = json[field];
    if (typeof value === 'boolean') return { score: value ? 1 : 0, labels };
    if (typeof value === 'string') {
      const word = readWord(value);
      if (word !== undefined) return { ...word, labels };
    }
  }
  for (const field of ['verdict', 'label', 'classification', 'result', 'answer']) {
    const value = json[field];
    if (typeof value === 'string') {
      const word = readWord(value);
      if (word !== undefined) return { ...word, labels };
    }
  }
  return undefined;
}

function parseJsonObject(text: string): Record<string, unknown> | undefined {
  const start = text.indexOf('{');
  const end = text.lastIndexOf('}');
  if (start === -1 || end <= start) return undefined;
  try {
    const parsed: unknown = JSON.parse(text.slice(start, end + 1));
    return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

function numberOf(value: unknown): number | undefined {
  const number = typeof value === 'number' ? value : typeof value === 'string' && value.trim() !== '' ? Number(value) : Number.NaN;
  return Number.isFinite(number) && number >= 0 ? number : undefined;
}

function readWord(word: string): ClassifierScore | undefined {
  const trimmed = word.trim();
  if (positiveWords.test(trimmed)) return { score: 1, labels: [] };
  if (negativeWords.test(trimmed)) return { score: 0, labels: [] };
  const number = numberOf(trimmed);
  return number === undefined ? undefined : { score: clampScore(number > 1 && number <= 100 ? number / 100 : number), labels: [] };
}
