import type { SecretMatch } from './secret-types.ts';
import { isPlaceholder, looksRandom } from './value-checks.ts';

/*
 * Secrets recognisable by what surrounds them: `password = …`, `api_key: …`, `Authorization:
 * Bearer …`, `curl -u user:pass`, `postgres://user:pass@host`. Only the value is reported.
 */

// An identifier (possibly quoted, possibly dotted or dashed) and an assignment.
// Name and value stay on one line: `API_KEY=` followed by a newline is an empty setting.
const assignment = /(?<![\w])-{0,2}([A-Za-z_][\w.-]{0,60})["']?[ \t]*(?:[:=]|:=|=>|\|\|=|\?\?=)[ \t]*(?:["'`]|\\")?([^\s"'`,;)}\]\\<>]{1,400})/g;
const quickKeyTest = /pass|pwd|secret|token|key|auth|credential/i;
const secretWords = new Set([
  'password',
  'passwd',
  'pwd',
  'pass',
  'passphrase',
  'passcode',
  'secret',
  'token',
  'apikey',
  'credential',
  'credentials',
  'auth',
  'authtoken',
]);
const passwordWords = new Set(['password', 'passwd', 'pwd', 'pass', 'passphrase', 'passcode']);
// "…key" names a secret with one of these in front (api key, private key, …); with another word
// in front (`heroku_key`) only when the value looks random; alone (`key = …`) only when it looks
// very random.
const keyQualifiers = new Set([
  'api',
  'access',
  'secret',
  'private',
  'auth',
  'client',
  'account',
  'master',
  'signing',
  'encryption',
  'app',
  'service',
  'role',
  'admin',
  'root',
  'session',
  'shared',
  'storage',
  'subscription',
  'webhook',
  'deploy',
  'consumer',
  'hmac',
  'jwt',
  'crypt',
  'cipher',
  'aes',
]);
// Names that end in a secret word but hold none: public keys, CSRF tokens (per page, not
// credentials), token URLs and counts.
const notSecret = new Set([
  'public',
  'pub',
  'csrf',
  'xsrf',
  'anti',
  'forgery',
  'sort',
  'cache',
  'idempotency',
  'continuation',
  'next',
  'page',
  'paging',
  'cursor',
  'primary',
  'foreign',
  'partition',
  'row',
  'lookup',
  'map',
  'dict',
  'hash',
  'sequence',
  'schema',
  'bucket',
  'registry',
  'min',
  'max',
  'total',
  'num',
  'count',
]);

const authorizationHeader =
  /\b(?:authorization|proxy-authorization)["']?\s*[:=]\s*["']?(?:(?:bearer|basic|token|api-token|apikey|api-key|digest|sso-key)\s+)?([A-Za-z0-9._~+/=@:-]{8,})/gi;
const apiKeyHeader =
  /\b(?:x-[\w-]*?(?:api-?key|token|auth|secret|access-key)[\w-]*|api-?key|api-token|apitoken|access-token|auth-token|token|private-token)["']?\s*:\s*["']?([A-Za-z0-9._~+/=@-]{8,})/gi;
// Within one curl command, also across backslash-continued lines.
const curlUser = /\bcurl\b(?:[^\n]|\\\n){0,300}?\s(?:-u|--user)\s+["']?([^\s"']*)["']?(?:\s*:\s*["']?([^\s"']*)["']?)?/g;
const connectionString = /\b(?:[a-z][a-z0-9+.-]{1,20}):\/\/([^\s:@/"'<>]{1,100}):([^\s@/"'<>]{1,200})@[\w.-]+/gi;

/** `password = …`, `api_key: …`, headers, curl credentials and URLs with passwords. */
export function findContextualSecrets(text: string): SecretMatch[] {
  const found: SecretMatch[] = [];
  if (quickKeyTest.test(text)) {
    for (const candidate of text.matchAll(assignment)) {
      const name = candidate[1] ?? '';
      const value = candidate[2] ?? '';
      const kind = secretKind(name);
      if (kind === undefined || !plausibleValue(kind, value)) continue;
      if (kind === 'random-key' && !looksRandom(value, 16)) continue;
      if (kind === 'bare-key' && !(looksRandom(value, 20) && /\d/.test(value) && /[A-Za-z]/.test(value) && !/^[a-z][\w]*(?:\.[\w-]+)+$/i.test(value))) continue;
      const start = candidate.index + candidate[0].length - value.length;
      found.push({ type: kind === 'password' ? 'password' : 'generic-secret', start, end: start + value.length });
    }
  }
  for (const header of [...text.matchAll(authorizationHeader), ...text.matchAll(apiKeyHeader)]) {
    const value = header[1] ?? '';
    if (isPlaceholder(value) || value.length < 8 || (!/\d/.test(value) && !/[A-Z]/.test(value))) continue;
    const start = header.index + header[0].length - value.length;
    found.push({ type: 'authorization-header', start, end: start + value.length });
  }
  if (text.includes('curl')) {
    for (const curl of text.matchAll(curlUser)) {
      const credential = curl[0].slice(curl[0].search(/(?:-u|--user)\s/));
      const value = credential.replace(/^(?:-u|--user)\s+/, '');
      if (/^["']?[<[{$]/.test(value)) continue;
      const parts = value.replace(/["']/g, '').split(':');
      const secretPart = parts.length > 1 ? parts.slice(1).join(':') || parts[0] : undefined;
      if (secretPart === undefined || !plausiblePassword(secretPart.replace(/^\{|\}$/g, ''))) continue;
      const start = curl.index + curl[0].length - value.length;
      found.push({ type: 'basic-auth-credential', start, end: start + value.length });
    }
  }
  if (text.includes('://')) {
    for (const url of text.matchAll(connectionString)) {
      const password = url[2] ?? '';
      if (!plausiblePassword(password)) continue;
      const start = url.index + url[0].indexOf(`:${password}@`) + 1;
      found.push({ type: 'connection-string-password', start, end: start + password.length });
    }
  }
  return found;
}

type SecretKind = 'password' | 'secret' | 'random-key' | 'bare-key';

/** What kind of value a name announces, if a secret at all. */
function secretKind(name: string): SecretKind | undefined {
  const words = name
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter((word) => word.length > 0);
  const last = words.at(-1);
  if (last === undefined || words.some((word) => notSecret.has(word))) return undefined;
  if (passwordWords.has(last)) return 'password';
  if (secretWords.has(last)) return 'secret';
  if (last === 'key' || last === 'keys') {
    const before = words.slice(0, -1);
    if (before.length === 0) return 'bare-key';
    return before.some((word) => keyQualifiers.has(word)) ? 'secret' : 'random-key';
  }
  if (last === 'apikey' || last === 'secretkey' || last === 'accesskey' || last === 'privatekey') return 'secret';
  return undefined;
}

function plausibleValue(kind: SecretKind, value: string): boolean {
  if (kind === 'password') return plausiblePassword(value);
  return looksRandom(value, 12) || (value.length >= 20 && !isPlaceholder(value) && /\d/.test(value) && /[a-z]/i.test(value));
}

/** Six characters or more, not a placeholder or reference, and not a single plain word. */
function plausiblePassword(value: string): boolean {
  if (value.length < 6 || isPlaceholder(value)) return false;
  return /[^a-zA-Z]/.test(value) || (/[a-z]/.test(value) && /[A-Z]/.test(value));
}
