import type { Model } from '../../gateway/model.ts';
import { invalidOption } from '../support/guardrail-options.ts';
import { classifierFailed } from './classifier-failed.ts';
import { clampScore, type Classify, type ClassifierScore, type ClassifierTask, type TextClassifier } from './classifier-types.ts';
import { httpClassifier } from './http-classifier.ts';
import { modelJudge } from './model-judge.ts';

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
