import { KeelError } from '../../errors/index.ts';

/** A factory's options failed validation: a configuration error, raised when the config is loaded. */
export function invalidOption(guardrail: string, message: string): KeelError {
  return new KeelError({ code: 'CONFIG_INVALID', message: `Guardrail "${guardrail}": ${message}`, details: { guardrail } });
}

/** The option's value, checked to be one of `allowed` (the first is the default). */
export function choiceOption<Choice extends string>(
  guardrail: string,
  name: string,
  value: Choice | undefined,
  allowed: readonly [Choice, ...Choice[]],
): Choice {
  if (value === undefined) return allowed[0];
  if (!allowed.includes(value))
    throw invalidOption(
      guardrail,
      `${name} must be ${listed(
        allowed.map((choice) => `'${choice}'`),
        'or',
      )}`,
    );
  return value;
}

/** A positive whole number option (or `undefined` when absent). */
export function positiveIntegerOption(guardrail: string, name: string, value: number | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (!Number.isInteger(value) || value < 1) throw invalidOption(guardrail, `${name} must be a positive whole number`);
  return value;
}

/** A list of non-empty strings. */
export function stringListOption(guardrail: string, name: string, value: unknown): string[] {
  if (!Array.isArray(value) || !value.every((item) => typeof item === 'string' && item.trim() !== '')) {
    throw invalidOption(guardrail, `${name} must be a list of non-empty strings`);
  }
  return [...(value as string[])];
}

/** An optional refusal text (what the user is told when a block ends the run). */
export function refusalOption(guardrail: string, value: string | undefined): string | undefined {
  if (value !== undefined && (typeof value !== 'string' || value.trim() === '')) throw invalidOption(guardrail, 'refusal must be a non-empty string');
  return value;
}

/** "1 e-mail address", "2 e-mail addresses": counts in words, for reasons. */
export function counted(count: number, singular: string, plural = `${singular}s`): string {
  return `${count.toLocaleString('en-US')} ${count === 1 ? singular : plural}`;
}

/** "a", "a and b", "a, b and c" (or "a, b or c"). */
export function listed(parts: readonly string[], conjunction: 'and' | 'or' = 'and'): string {
  return parts.length <= 1 ? (parts[0] ?? '') : `${parts.slice(0, -1).join(', ')} ${conjunction} ${parts.at(-1)}`;
}
