import { describe, expect, it } from 'vitest';
import { KeelError } from '../../errors/index.ts';
import { checked, decisionFromForm, replyFromForm, type FormBody } from './decision-form.ts';

/** The refusal a form gets: its code, the field it names and its message. */
function refusal(read: () => unknown): { code: string; field: unknown; message: string } {
  try {
    read();
  } catch (error) {
    if (!KeelError.isInstance(error)) throw error;
    return { code: error.code, field: error.details?.field, message: error.message };
  }
  throw new Error('expected the form to be refused');
}

describe('decisionFromForm', () => {
  it('reads approve, reject with its reason, and edit with JSON arguments as a textarea sends them', () => {
    expect(decisionFromForm({ decision: 'approve' })).toEqual({ decision: 'approve' });
    expect(decisionFromForm({ decision: 'approve', reason: '  ' })).toEqual({ decision: 'approve' });
    expect(decisionFromForm({ decision: 'reject', reason: ' over the limit \r\n' })).toEqual({ decision: 'reject', reason: 'over the limit' });
    expect(decisionFromForm({ decision: 'edit', args: '{\r\n  "amountUsd": 40\r\n}', reason: 'partial refund' })).toEqual({
      decision: 'edit',
      args: { amountUsd: 40 },
      reason: 'partial refund',
    });
    // Arguments typed into another form than the edit one are not sent along.
    expect(decisionFromForm({ decision: 'approve', args: '{"amountUsd": 1}' })).toEqual({ decision: 'approve' });
  });

  it('refuses what the API would refuse, naming the field', () => {
    const cases: Array<[FormBody, string, string | RegExp]> = [
      [{}, 'decision', 'Choose approve, reject or edit.'],
      [{ decision: 'delete' }, 'decision', 'Choose approve, reject or edit.'],
      [{ decision: 'reject' }, 'reason', 'Give a reason for the rejection: the model is told it.'],
      [{ decision: 'reject', reason: 'x'.repeat(4_001) }, 'reason', 'Keep the reason under 4000 characters.'],
      [{ decision: 'reject', reason: 'lone \ud800 surrogate' }, 'reason', /not well-formed/],
      [{ decision: 'edit', args: '   ' }, 'args', 'Enter the arguments to run the call with, as JSON.'],
      [{ decision: 'edit', args: '{"amountUsd": 40' }, 'args', /^The arguments are not valid JSON \(.+\)\. Nothing was decided\.$/],
      [{ decision: 'edit', args: `${'['.repeat(40)}${']'.repeat(40)}` }, 'args', /nests deeper than 32 levels/],
      [{ decision: ['approve', 'reject'] }, 'decision', 'decision must be given once, as text.'],
    ];
    for (const [form, field, message] of cases) {
      const refused = refusal(() => decisionFromForm(form));
      // A place inside the arguments is named by its path below them (`args[0][0]…`).
      expect([refused.code, String(refused.field).startsWith(field)]).toEqual(['INPUT_INVALID', true]);
      if (typeof message === 'string') expect(refused.message).toBe(message);
      else expect(refused.message).toMatch(message);
    }
  });
});

describe('replyFromForm and checked', () => {
  it('reads the reply and whether it hands back; an empty reply is refused', () => {
    expect(replyFromForm({ message: ' Hello \n', handBack: 'true' })).toEqual({ message: 'Hello', handBack: true });
    expect(replyFromForm({ message: 'Hello', handBack: 'false' })).toEqual({ message: 'Hello', handBack: false });
    expect(replyFromForm({ message: 'Hello' })).toEqual({ message: 'Hello', handBack: false });
    expect(refusal(() => replyFromForm({ message: ' ' }))).toMatchObject({ code: 'INPUT_INVALID', field: 'message' });
    expect([checked({ endSession: 'on' }, 'endSession'), checked({ endSession: 'true' }, 'endSession'), checked({}, 'endSession')]).toEqual([
      true,
      true,
      false,
    ]);
  });
});
