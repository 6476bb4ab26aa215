import { KeelError } from '../errors/index.ts';
import { assertIdentifier } from '../internal/text-rules.ts';

/** A credential's name: 1-64 letters, digits, `_`, `.` or `-`, starting with a letter or digit. */
export const credentialNamePattern = /^[a-zA-Z0-9][a-zA-Z0-9_.-]{0,63}$/;
const tenantPattern = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;

/** Largest secret value, in UTF-8 bytes. */
export const maxSecretBytes = 64 * 1024;

/** Checks where a credential belongs; `INPUT_INVALID` names the field. */
export function assertCredentialKey(key: { tenantId: string; userId: string | null; name: string }): void {
  if (typeof key.tenantId !== 'string' || !tenantPattern.test(key.tenantId)) {
    throw new KeelError({ code: 'INPUT_INVALID', message: 'A tenant id is 1-64 letters, digits, "_", "." or "-"', details: { field: 'tenantId' } });
  }
  if (key.userId !== null) assertIdentifier(key.userId, 'userId');
  if (typeof key.name !== 'string' || !credentialNamePattern.test(key.name)) {
    throw new KeelError({
      code: 'INPUT_INVALID',
      message: 'A credential name is 1-64 letters, digits, "_", "." or "-", starting with a letter or digit',
      details: { field: 'name' },
    });
  }
}

/** A secret value: a non-empty string of at most 64 KiB. The message never repeats it. */
export function assertSecretValue(value: unknown): asserts value is string {
  if (typeof value !== 'string' || value === '')
    throw new KeelError({ code: 'INPUT_INVALID', message: 'A secret value must be a non-empty string', details: { field: 'value' } });
  if (Buffer.byteLength(value) > maxSecretBytes) {
    throw new KeelError({ code: 'INPUT_INVALID', message: `A secret value is at most ${maxSecretBytes} bytes`, details: { field: 'value' } });
  }
}

/** How audit entries and logs name a credential: `credential:tenant/shop`, `credential:user/alice/shop`. */
export function credentialSubject(key: { userId: string | null; name: string }): string {
  return key.userId === null ? `credential:tenant/${key.name}` : `credential:user/${key.userId}/${key.name}`;
}
