import { findSecrets } from './find-secrets.ts';

/**
 * Replaces every credential `findSecrets` finds with `[SECRET]` (or `marker`).
 *
 * @example
 * redactSecrets('token=ghp_…36 characters…'); // 'token=[SECRET]'
 */
export function redactSecrets(text: string, options: { marker?: string } = {}): string {
  const marker = options.marker ?? '[SECRET]';
  const matches = findSecrets(text);
  if (matches.length === 0) return text;
  let redacted = '';
  let from = 0;
  for (const found of matches) {
    redacted += text.slice(from, found.start) + marker;
    from = found.end;
  }
  return redacted + text.slice(from);
}
