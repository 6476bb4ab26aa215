import { vaultDecryptFailed, type NormalisedContext } from './secret-context.ts';

export const sealedFormatVersion = 1;

/**
 * A sealed secret as a store keeps it: JSON-serialisable, every binary field base64. It holds
 * neither the plaintext nor any key in the clear.
 * - `iv`, `tag`, `ciphertext`: the secret under its own data key (AES-256-GCM, 12-byte IV, 16-byte tag);
 * - `wrapIv`, `wrapTag`, `wrappedKey`: the data key under master key `keyVersion`.
 */
export interface SealedSecret {
  v: typeof sealedFormatVersion;
  keyVersion: number;
  iv: string;
  tag: string;
  ciphertext: string;
  wrapIv: string;
  wrapTag: string;
  wrappedKey: string;
}

const fieldLengths = { iv: 12, tag: 16, wrapIv: 12, wrapTag: 16, wrappedKey: 32, ciphertext: undefined } as const;
const canonicalBase64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/**
 * The text to keep in a store row.
 *
 * @example
 * await db.query('update credentials set sealed = $1 where id = $2', [serializeSealedSecret(sealed), id]);
 */
export function serializeSealedSecret(sealed: SealedSecret): string {
  return JSON.stringify(sealed);
}

/**
 * Checks a stored record (object or its JSON text) field by field: version 1, a positive key
 * version, strict base64 everywhere, and the exact byte length of every IV, tag and wrapped key.
 * A truncated tag is refused here, before any cipher sees it. Failures are `VAULT_DECRYPT_FAILED`.
 */
export function parseSealedSecret(value: unknown, context: NormalisedContext): SealedSecret {
  let record = value;
  if (typeof record === 'string') {
    try {
      record = JSON.parse(record) as unknown;
    } catch {
      throw vaultDecryptFailed(context, undefined, 'the stored record is not JSON');
    }
  }
  if (typeof record !== 'object' || record === null || Array.isArray(record))
    throw vaultDecryptFailed(context, undefined, 'the stored record is not an object');
  const fields = record as Record<string, unknown>;
  if (fields.v !== sealedFormatVersion) throw vaultDecryptFailed(context, undefined, `the stored record's format version is not ${sealedFormatVersion}`);
  const keyVersion = fields.keyVersion;
  if (typeof keyVersion !== 'number' || !Number.isSafeInteger(keyVersion) || keyVersion < 1) {
    throw vaultDecryptFailed(context, undefined, 'the stored record has no valid key version');
  }
  const sealed: Record<string, string> = {};
  for (const [name, length] of Object.entries(fieldLengths)) {
    const text = fields[name];
    // Buffer.from skips characters it does not know: only text that re-encodes to itself is base64.
    const decoded = typeof text === 'string' && canonicalBase64.test(text) ? Buffer.from(text, 'base64') : undefined;
    if (decoded === undefined || decoded.toString('base64') !== text) throw vaultDecryptFailed(context, keyVersion, `its field "${name}" is not base64`);
    const bytes = decoded.length;
    if (length !== undefined && bytes !== length) {
      throw vaultDecryptFailed(context, keyVersion, `its field "${name}" is ${bytes} bytes long instead of ${length}`);
    }
    sealed[name] = text as string;
  }
  return { v: sealedFormatVersion, keyVersion, ...sealed } as SealedSecret;
}

export function decodeSealedField(text: string): Buffer {
  return Buffer.from(text, 'base64');
}
