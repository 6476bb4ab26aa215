import { KeelError } from '../../errors/index.ts';

/**
 * A classifier could not give a verdict (an endpoint down, an answer nobody can read). The
 * guardrail fails rather than let the text through unjudged, unless it is told to fall back.
 * Messages name the endpoint's host or the model, never a header or the text judged.
 */
export function classifierFailed(guardrail: string, message: string, cause?: unknown): KeelError {
  return new KeelError({ code: 'GUARDRAIL_FAILED', message: `The classifier of "${guardrail}" failed: ${message}`, details: { guardrail }, cause });
}
