import type { Logger } from '../telemetry/logger.ts';

/**
 * What the engine asks for a tool's credentials: their values for the run's user, falling back
 * to the tenant's, at execution time. `src/vault/` implements it over the store and the master
 * key (decryption cached in memory only); `src/keel.ts` wires it in. When a credential is not
 * set it throws a KeelError `CREDENTIAL_MISSING` whose details say what the user must connect,
 * and the run parks in `waiting: credential`.
 */
export interface CredentialResolver {
  resolveCredential(request: CredentialRequest): Promise<string>;
}

export interface CredentialRequest {
  tenantId: string;
  userId: string;
  name: string;
  /** For the audit trail of credential use: which run, tool and call asked. */
  runId: string;
  toolName: string;
  callId: string;
}

/**
 * What replaces a credential's value wherever a tool echoes it back. Credential names are
 * letters, digits, `_`, `.` and `-`, so the marker reads the same inside JSON text.
 */
export function redactionMarker(name: string): string {
  return `[redacted:${name}]`;
}

/** Secrets shorter than this are not redacted: replacing every "a" in a result would destroy it and hide nothing. */
const shortestRedacted = 4;

/** A credential's value, and how it reads inside JSON text (quotes and backslashes escaped). */
export interface RedactedSecret {
  name: string;
  value: string;
}

/**
 * The text with every secret replaced by its marker: the value as it is, and as JSON writes it
 * (so a secret with a quote or a backslash is found inside a JSON document too).
 */
export function redactText(text: string, secrets: readonly RedactedSecret[]): string {
  let result = text;
  for (const { name, value } of secrets) {
    if (value.length < shortestRedacted) continue;
    const marker = redactionMarker(name);
    result = result.split(value).join(marker);
    const escaped = JSON.stringify(value).slice(1, -1);
    if (escaped !== value) result = result.split(escaped).join(marker);
  }
  return result;
}

/**
 * A JSON value with every secret replaced, and whether anything was: through its JSON text, so
 * keys, nested strings and numbers' text are all covered.
 */
export function redactJson<T>(value: T, secrets: readonly RedactedSecret[]): { value: T; redacted: boolean } {
  if (secrets.length === 0 || value === undefined) return { value, redacted: false };
  const text = JSON.stringify(value);
  const redacted = redactText(text, secrets);
  if (redacted === text) return { value, redacted: false };
  return { value: JSON.parse(redacted) as T, redacted: true };
}

/**
 * A child of `log` for a tool's own lines: messages and logged objects have the tool's
 * credential values replaced, so `ctx.log.info(token)` cannot put one in the logs.
 */
export function redactingLogger(log: Logger, secrets: () => readonly RedactedSecret[]): Logger {
  const child = log.child({}, { formatters: { log: (object: object) => redactObject(object as Record<string, unknown>, secrets()) } });
  for (const level of ['trace', 'debug', 'info', 'warn', 'error', 'fatal'] as const) {
    const original = child[level].bind(child) as (...args: unknown[]) => void;
    const redacting = (...args: unknown[]) => original(...args.map((argument) => (typeof argument === 'string' ? redactText(argument, secrets()) : argument)));
    Object.defineProperty(child, level, { value: redacting, configurable: true, writable: true });
  }
  return child;
}

function redactObject(object: Record<string, unknown>, secrets: readonly RedactedSecret[]): Record<string, unknown> {
  if (secrets.length === 0) return object;
  // Errors do not survive JSON as they are: keep what a log line shows of them.
  const plain = JSON.parse(
    JSON.stringify(object, (_key, value: unknown) => (value instanceof Error ? { type: value.name, message: value.message, stack: value.stack } : value)),
  ) as Record<string, unknown>;
  return redactJson(plain, secrets).value;
}
