import { z } from 'zod';
import { KeelError } from '../errors/index.ts';

/**
 * Validates a page's query string with `schema`: anything malformed is INPUT_INVALID (the 400
 * page naming the field), never silently ignored, so a mistyped filter cannot show "no runs".
 * Empty fields count as absent (an empty filter form submits them).
 *
 * @example
 * const filters = parseQuery(RunFilters, c.req.query());
 */
export function parseQuery<T extends z.ZodType>(schema: T, query: Record<string, string>): z.output<T> {
  const present = Object.fromEntries(Object.entries(query).filter(([, value]) => value.trim() !== ''));
  const parsed = schema.safeParse(present);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const field = issue?.path.map(String).join('.') ?? '';
    throw new KeelError({
      code: 'INPUT_INVALID',
      message: `The filter ${field === '' ? '' : `"${field}" `}is not valid: ${issue?.message ?? 'malformed'}`,
      details: { issues: parsed.error.issues.slice(0, 10).map((entry) => ({ path: entry.path.map(String).join('.'), message: entry.message })) },
    });
  }
  return parsed.data;
}

/**
 * A time as the filter forms send it: `datetime-local` (`2026-12-01T14:30`, read as UTC, as the
 * pages show times) or a full ISO 8601 timestamp.
 */
export const timeInput = z
  .string()
  .max(40)
  .regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?(Z|[+-]\d{2}:\d{2})?$/, 'expected a time such as 2026-12-01T14:30')
  .transform((text, context) => {
    const date = new Date(/(Z|[+-]\d{2}:\d{2})$/.test(text) ? text : `${text}Z`);
    if (Number.isNaN(date.getTime())) {
      context.addIssue({ code: 'custom', message: 'not a real date' });
      return z.NEVER;
    }
    return date;
  });

/** A name as agents and users have them: printable, at most 200 characters. */
export const nameInput = z
  .string()
  .max(200)
  .regex(/^[^\u0000-\u001f\u007f]+$/, 'control characters are not allowed');
