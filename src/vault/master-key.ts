import { randomBytes } from 'node:crypto';
import { KeelError } from '../errors/index.ts';

/** One master key and the version number sealed secrets record it by. */
export interface MasterKey {
  readonly version: number;
  /** 32 bytes. */
  readonly key: Buffer;
}

/**
 * The master keys Keel can open secrets with: `current` seals new secrets and is the target of
 * re-wrapping; older versions stay readable until every secret has been re-wrapped.
 */
export interface MasterKeyring {
  readonly current: MasterKey;
  /** Every key by version, `current` included. */
  readonly keys: ReadonlyMap<number, MasterKey>;
}

export const masterKeyLength = 32;

/** Said in every format error, so the operator learns what to write without seeing the key echoed. */
const expectedFormat =
  'expected a comma-separated list of [VERSION:]KEY entries, the current key first, where KEY is 32 bytes as base64 (43 or 44 characters) ' +
  'or as 64 hex characters and VERSION a positive integer (default 1); generate a key with `openssl rand -base64 32`';

const hexKey = /^[0-9a-fA-F]{64}$/;
const base64Key = /^[A-Za-z0-9+/]{43}$/;
const base64UrlKey = /^[A-Za-z0-9_-]{43}$/;
const versionPattern = /^[1-9][0-9]{0,8}$/;

/**
 * Reads one master key: 64 hex characters, or 32 bytes as base64 (standard or URL-safe alphabet,
 * padding optional). Anything else is `MASTER_KEY_INVALID`; the message never repeats the input.
 *
 * @example
 * const key = parseMasterKey(generateMasterKey()); // a 32-byte Buffer
 */
export function parseMasterKey(text: string, label = 'KEEL_MASTER_KEY'): Buffer {
  const trimmed = text.trim();
  const key = decodeKey(trimmed);
  if (key === undefined) {
    throw new KeelError({
      code: 'MASTER_KEY_INVALID',
      message: `${label} is not a valid master key (${describeShape(trimmed)}): ${expectedFormat}.`,
      details: { length: trimmed.length },
    });
  }
  return key;
}

function decodeKey(text: string): Buffer | undefined {
  if (hexKey.test(text)) return Buffer.from(text, 'hex');
  const body = text.endsWith('=') ? text.slice(0, -1) : text;
  if (!base64Key.test(body) && !base64UrlKey.test(body)) return undefined;
  const urlSafe = body.replace(/\+/g, '-').replace(/\//g, '_');
  const key = Buffer.from(urlSafe, 'base64url');
  // 43 characters carry 258 bits: the last one's two low bits must be zero, or the text is not
  // the encoding of any 32 bytes (a typo that Buffer.from would silently decode anyway).
  return key.length === masterKeyLength && key.toString('base64url') === urlSafe ? key : undefined;
}

/**
 * Reads `KEEL_MASTER_KEY`: one key, or a comma-separated list after a rotation, the current key
 * first (`2:NEWKEY,1:OLDKEY`). A key without `VERSION:` is version 1.
 *
 * @example
 * const keyring = parseMasterKeyring(process.env.KEEL_MASTER_KEY);
 * keyring.current.version; // 2 for '2:NEWKEY,1:OLDKEY'
 */
export function parseMasterKeyring(text: string | undefined, label = 'KEEL_MASTER_KEY'): MasterKeyring {
  if (text === undefined || text.trim() === '') {
    throw new KeelError({
      code: 'MASTER_KEY_MISSING',
      message: `${label} is not set: the vault needs a master key to seal and open secrets (${expectedFormat}).`,
    });
  }
  const keys = text.split(',').map((entry, index) => {
    const trimmed = entry.trim();
    const colon = trimmed.indexOf(':');
    const versionText = colon === -1 ? '1' : trimmed.slice(0, colon).trim();
    const entryLabel = `${label} entry ${index + 1}`;
    if (!versionPattern.test(versionText)) {
      throw new KeelError({
        code: 'MASTER_KEY_INVALID',
        message: `${entryLabel} has an invalid version (it must be a positive integer before the ":"): ${expectedFormat}.`,
      });
    }
    return { version: Number(versionText), key: parseMasterKey(trimmed.slice(colon + 1), entryLabel) };
  });
  return createMasterKeyring(keys, label);
}

/**
 * Builds a keyring from keys in hand, the current one first.
 *
 * @example
 * const keyring = createMasterKeyring([{ version: 2, key: newKey }, { version: 1, key: oldKey }]);
 */
export function createMasterKeyring(keys: readonly MasterKey[], label = 'master keyring'): MasterKeyring {
  const current = keys[0];
  if (current === undefined) throw new KeelError({ code: 'MASTER_KEY_MISSING', message: `The ${label} holds no key.` });
  const byVersion = new Map<number, MasterKey>();
  for (const entry of keys) {
    if (!Number.isSafeInteger(entry.version) || entry.version < 1) {
      throw new KeelError({ code: 'MASTER_KEY_INVALID', message: `The ${label} has a key whose version is not a positive integer.` });
    }
    if (!Buffer.isBuffer(entry.key) || entry.key.length !== masterKeyLength) {
      throw new KeelError({ code: 'MASTER_KEY_INVALID', message: `The ${label} has a key of version ${entry.version} that is not ${masterKeyLength} bytes.` });
    }
    if (byVersion.has(entry.version)) {
      throw new KeelError({ code: 'MASTER_KEY_INVALID', message: `The ${label} names version ${entry.version} twice; each version must appear once.` });
    }
    byVersion.set(entry.version, { version: entry.version, key: Buffer.from(entry.key) });
  }
  return { current: byVersion.get(current.version) as MasterKey, keys: byVersion };
}

/**
 * A fresh random master key as base64, in the format `KEEL_MASTER_KEY` takes (what `keel dev`
 * writes into `./.keel/` when none is set).
 *
 * @example
 * const text = generateMasterKey(); // 'q3Zk…=' (44 characters)
 */
export function generateMasterKey(): string {
  return randomBytes(masterKeyLength).toString('base64');
}

/** The key of a version, or `MASTER_KEY_MISSING` naming the version (never the key). */
export function masterKeyOfVersion(keyring: MasterKeyring, version: number): MasterKey {
  const key = keyring.keys.get(version);
  if (key === undefined) {
    const held = [...keyring.keys.keys()].sort((a, b) => b - a).join(', ');
    throw new KeelError({
      code: 'MASTER_KEY_MISSING',
      message: `The secret is sealed under master key version ${version}, which the keyring does not hold (it holds ${held}). Add "${version}:KEY" to KEEL_MASTER_KEY.`,
      details: { keyVersion: version },
    });
  }
  return key;
}

/** What the input looks like, without any of its characters. */
function describeShape(text: string): string {
  if (text.length === 0) return 'it is empty';
  return `${text.length} characters`;
}
