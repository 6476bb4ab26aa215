import { KeelError } from '../../errors/index.ts';

/**
 * The detectors read strings only: anything else (undefined, a Buffer, an object from untyped
 * code) is a caller's mistake, reported as `INPUT_INVALID` naming the argument — never its value,
 * which may be the very secret being checked.
 */
export function requireText(value: unknown, name: string): string {
  if (typeof value === 'string') return value;
  throw new KeelError({
    code: 'INPUT_INVALID',
    message: `${name} must be a string (got ${value === null ? 'null' : typeof value})`,
    details: { argument: name },
  });
}
