import { findContextualSecrets } from './contextual-secrets.ts';
import { findPrivateKeys } from './private-keys.ts';
import { providerPatterns } from './provider-patterns.ts';
import { scanWithSecretlint } from './secretlint-scan.ts';
import type { SecretMatch } from './secret-types.ts';
import { isPlaceholder } from './value-checks.ts';
import { requireText } from '../require-text.ts';

/**
 * Finds credentials: cloud keys (AWS, GCP, Azure, …), code-hosting, chat, payment and AI
 * provider tokens, private key blocks, JWTs, `password=` / `api_key:` assignments with real
 * values, Authorization headers, curl credentials and URLs with passwords. Two rule sets run:
 * secretlint's recommended preset and Keel's own patterns; where they overlap, the narrower span
 * is kept. Reports kind and offsets only, never the secret itself. A bare 40-hex string (a git
 * commit) is not a secret; placeholders (`xxxx`, `<token>`, `${API_KEY}`) are not either.
 *
 * @example
 * findSecrets('export GITHUB_TOKEN=ghp_…36 characters…');
 * // [{ type: 'github-token', start: 20, end: 60 }]
 */
export function findSecrets(text: string): SecretMatch[] {
  requireText(text, 'text');
  const candidates: SecretMatch[] = [...findPrivateKeys(text), ...findContextualSecrets(text)];
  for (const { type, pattern, group, hints } of providerPatterns) {
    if (hints.length > 0 && !hints.some((hint) => text.includes(hint))) continue;
    for (const match of text.matchAll(pattern)) {
      const value = group === undefined ? match[0] : (match[group] ?? '');
      // Placeholders hide behind real prefixes too: ghp_xxxx…, glc_1111….
      if (value === '' || isPlaceholder(value) || isPlaceholder(value.replace(/^[A-Za-z0-9]{2,12}[_-]/, ''))) continue;
      const start = match.index + (group === undefined ? 0 : match[0].indexOf(value));
      candidates.push({ type, start, end: start + value.length });
    }
  }
  candidates.push(...scanWithSecretlint(text).filter((report) => !isPlaceholder(text.slice(report.start, report.end).replace(/^[A-Za-z0-9]{2,12}[_-]/, ''))));
  return withoutOverlaps(candidates);
}

/**
 * One span per secret: of overlapping spans the one of a specific type beats a generic one, then
 * the narrower (a value rather than its whole assignment).
 */
function withoutOverlaps(candidates: SecretMatch[]): SecretMatch[] {
  const generic = (type: string) => (type === 'generic-secret' || type === 'password' || type === 'authorization-header' ? 1 : 0);
  const ordered = [...candidates].sort((a, b) => generic(a.type) - generic(b.type) || a.end - a.start - (b.end - b.start) || a.start - b.start);
  const kept: SecretMatch[] = [];
  for (const candidate of ordered) {
    if (!kept.some((other) => candidate.start < other.end && other.start < candidate.end)) kept.push(candidate);
  }
  return kept.sort((a, b) => a.start - b.start);
}
