import { z } from 'zod';
import { KeelError } from '../errors/index.ts';
import { withinStoredYears } from '../server/schemas.ts';

/**
 * Validates a page's query string with `schema`: anything malformed is INPUT_INVALID (the 400
 * page naming the field), never silently ignored, so a mistyped filter cannot show "no runs".
 * Empty fields count as absent (an empty filter form submits them); a field given twice is
 * refused rather than read as its first value.
 *
 * @example
 * const filters = parseQuery(RunFilters, c.req.queries());
 */
export function parseQuery<T extends z.ZodType>(schema: T, queries: Record<string, string[]>): z.output<T> {
  const present: Record<string, string> = {};
  for (const [field, values] of Object.entries(queries)) {
    const given = values.filter((value) => value.trim() !== '');
    if (given.length > 1) throw invalidFilter(field, 'given more than once', [{ path: field, message: 'given more than once' }]);
    if (given.length === 1) present[field] = given[0]!;
  }
  const parsed = schema.safeParse(present);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const field = issue?.path.map(String).join('.') ?? '';
    throw invalidFilter(
      field,
      issue?.message ?? 'malformed',
      parsed.error.issues.slice(0, 10).map((entry) => ({ path: entry.path.map(String).join('.'), message: entry.message })),
    );
  }
  return parsed.data;
}

function invalidFilter(field: string, problem: string, issues: { path: string; message: string }[]): KeelError {
  return new KeelError({
    code: 'INPUT_INVALID',
    message: `The filter ${field === '' ? '' : `"${field}" `}is not valid: ${problem}`,
    details: { issues },
  });
}

const timePattern = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(\.\d{1,3})?)?(Z|[+-]\d{2}:\d{2})?$/;

/**
 * A time as the filter forms send it: `datetime-local` (`2026-12-01T14:30`, read as UTC, as the
 * pages show times) or a full ISO 8601 timestamp. The calendar must hold it as written: years 1
 * to 9999 (both stores' range), no 31 February, no 24:00, offsets within ±14:00.
 */
export const timeInput = z
  .string()
  .max(40)
  .regex(timePattern, 'expected a time such as 2026-12-01T14:30')
  .transform((text, context) => {
    const [, year, month, day, hour, minute, second = '0', , offset] = timePattern.exec(text)!;
    const [y, mo, d, h, mi, se] = [year, month, day, hour, minute, second].map(Number) as [number, number, number, number, number, number];
    const calendar = new Date(Date.UTC(2000, mo - 1, d, h, mi, se));
    calendar.setUTCFullYear(y);
    const asWritten =
      y >= 1 &&
      calendar.getUTCFullYear() === y &&
      calendar.getUTCMonth() === mo - 1 &&
      calendar.getUTCDate() === d &&
      calendar.getUTCHours() === h &&
      calendar.getUTCMinutes() === mi &&
      calendar.getUTCSeconds() === se;
    const offsetOk =
      offset === undefined || offset === 'Z' || (Number(offset.slice(4)) <= 59 && Number(offset.slice(1, 3)) * 60 + Number(offset.slice(4)) <= 14 * 60);
    const date = new Date(offset === undefined ? `${text}Z` : text);
    if (!asWritten || !offsetOk || !withinStoredYears(date)) {
      context.addIssue({ code: 'custom', message: 'not a real date and time' });
      return z.NEVER;
    }
    return date;
  });

/** A name as agents and users have them: printable, at most 200 characters. */
export const nameInput = z
  .string()
  .max(200)
  .regex(/^[^\u0000-\u001f\u007f]+$/, 'control characters are not allowed');
