import type { ApprovalDecisionInput } from '../../engine/oversight-decisions.ts';
import { KeelError } from '../../errors/index.ts';
import { assertJson, assertText } from '../../internal/text-rules.ts';

/** The API's limit on a decision's reason (`POST /v1/approvals/{id}`), kept the same here. */
const maxReasonChars = 4_000;
/** The API's limit on a reply (`POST /v1/escalations/{id}/reply`). */
const maxReplyChars = 100_000;

/** A form body as Hono's `parseBody` gives it: strings, files, or several of either. */
export type FormBody = Record<string, string | File | Array<string | File>>;

/**
 * A reviewer's decision from the inbox's forms, checked as the API checks its JSON body, so a
 * bad form is refused before anything is decided: `INPUT_INVALID` naming the field (`args`,
 * `reason`, `decision`) with a message a person can act on. Edited arguments arrive as the text
 * of a textarea: text that is not JSON is refused here with the parser's own words; JSON is
 * checked against the tool's input schema by `decideApproval`, which changes nothing when it
 * fails. A rejection needs a reason, as in `keel approvals reject`: the model is told it.
 *
 * @example
 * decisionFromForm({ decision: 'edit', args: '{"amountUsd": 40}' }); // { decision: 'edit', args: { amountUsd: 40 } }
 */
export function decisionFromForm(form: FormBody): ApprovalDecisionInput {
  const decision = field(form, 'decision');
  if (decision !== 'approve' && decision !== 'reject' && decision !== 'edit') throw invalid('decision', 'Choose approve, reject or edit.');
  const reason = optionalText(form, 'reason', maxReasonChars);
  if (decision === 'reject' && reason === undefined) throw invalid('reason', 'Give a reason for the rejection: the model is told it.');
  const result: ApprovalDecisionInput = { decision, ...(reason === undefined ? {} : { reason }) };
  if (decision !== 'edit') return result;
  const text = field(form, 'args') ?? '';
  if (text.trim() === '') throw invalid('args', 'Enter the arguments to run the call with, as JSON.');
  let args: unknown;
  try {
    args = JSON.parse(text) as unknown;
  } catch (error) {
    throw invalid('args', `The arguments are not valid JSON (${error instanceof Error ? error.message : 'unreadable'}). Nothing was decided.`);
  }
  assertJson(args, { root: 'args', what: 'args' });
  return { ...result, args };
}

/** A reply to an escalation from its form: the message (required) and whether it hands the conversation back. */
export function replyFromForm(form: FormBody): { message: string; handBack: boolean } {
  const message = optionalText(form, 'message', maxReplyChars);
  if (message === undefined) throw invalid('message', 'Write the reply the user will receive.');
  return { message, handBack: checked(form, 'handBack') };
}

/** A checkbox's or a submit button's state: `on` (a ticked checkbox) or `true`. */
export function checked(form: FormBody, name: string): boolean {
  const value = field(form, name);
  return value === 'on' || value === 'true';
}

/** The one string value of a field; a file, or a field given twice, is refused rather than guessed at. */
export function field(form: FormBody, name: string): string | undefined {
  const value = form[name];
  if (value === undefined) return undefined;
  if (typeof value !== 'string') throw invalid(name, `${name} must be given once, as text.`);
  return value;
}

/** Trimmed text, or `undefined` when blank; well-formed and at most `maxChars` long. */
function optionalText(form: FormBody, name: string, maxChars: number): string | undefined {
  const value = field(form, name)?.trim();
  if (value === undefined || value === '') return undefined;
  if (value.length > maxChars) throw invalid(name, `Keep the ${name} under ${maxChars} characters.`);
  assertText(value, name);
  return value;
}

function invalid(name: string, message: string): KeelError {
  return new KeelError({ code: 'INPUT_INVALID', message, details: { field: name } });
}
