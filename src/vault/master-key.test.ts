import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { KeelError } from '../errors/index.ts';
import { createMasterKeyring, generateMasterKey, masterKeyOfVersion, parseMasterKey, parseMasterKeyring } from './master-key.ts';

function failure(run: () => unknown): KeelError {
  try {
    run();
  } catch (error) {
    if (KeelError.isInstance(error)) return error;
    throw error;
  }
  throw new Error('expected the call to throw');
}

const bytes = randomBytes(32);

describe('parseMasterKey', () => {
  it('reads 32 bytes as hex, base64 or base64url, padded or not', () => {
    const standard = bytes.toString('base64');
    for (const text of [
      bytes.toString('hex'),
      bytes.toString('hex').toUpperCase(),
      standard,
      standard.slice(0, -1),
      bytes.toString('base64url'),
      ` ${standard}\n`,
    ]) {
      expect(parseMasterKey(text).equals(bytes), text.length.toString()).toBe(true);
    }
  });

  it('refuses other lengths, other alphabets and non-canonical base64 with MASTER_KEY_INVALID, naming the format and never the key', () => {
    const standard = bytes.toString('base64');
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
    const lastIndex = alphabet.indexOf(standard.charAt(42));
    const candidates = [
      '',
      'secret',
      randomBytes(31).toString('base64'),
      randomBytes(33).toString('base64'),
      randomBytes(31).toString('hex'),
      `${bytes.toString('hex')}00`,
      `${standard.slice(0, 42)}${alphabet.charAt(lastIndex | 1)}=`, // low bits set: decodes, but is not these 32 bytes' encoding
      standard.replace(/[A-Za-z]/, '*'),
      `${bytes.toString('base64url').slice(0, 20)}+${bytes.toString('base64url').slice(21, 22)}_${bytes.toString('base64url').slice(23)}`,
    ];
    for (const text of candidates) {
      const error = failure(() => parseMasterKey(text));
      expect(error.code, text).toBe('MASTER_KEY_INVALID');
      expect(error.message).toContain('32 bytes as base64 (43 or 44 characters) or as 64 hex characters');
      if (text.length > 0) expect(error.message).not.toContain(text.trim().slice(0, 8));
    }
  });
});

describe('parseMasterKeyring', () => {
  it('reads one key as version 1', () => {
    const keyring = parseMasterKeyring(bytes.toString('base64'));
    expect(keyring.current.version).toBe(1);
    expect(keyring.current.key.equals(bytes)).toBe(true);
    expect([...keyring.keys.keys()]).toEqual([1]);
  });

  it('reads a rotated list, the current key first', () => {
    const older = randomBytes(32);
    const keyring = parseMasterKeyring(`3:${bytes.toString('base64')}, 2:${older.toString('hex')}`);
    expect(keyring.current.version).toBe(3);
    expect(keyring.current.key.equals(bytes)).toBe(true);
    expect(masterKeyOfVersion(keyring, 2).key.equals(older)).toBe(true);
  });

  it('says MASTER_KEY_MISSING when unset or empty', () => {
    for (const text of [undefined, '', '  ']) {
      const error = failure(() => parseMasterKeyring(text));
      expect(error.code).toBe('MASTER_KEY_MISSING');
      expect(error.message).toContain('KEEL_MASTER_KEY is not set');
    }
  });

  it('refuses a bad version, a repeated version and a bad key in any entry, naming the entry and not its key', () => {
    const key = bytes.toString('base64');
    const cases: [string, string][] = [
      [`0:${key}`, 'entry 1 has an invalid version'],
      [`v2:${key}`, 'entry 1 has an invalid version'],
      [`2:${key},2:${randomBytes(32).toString('base64')}`, 'names version 2 twice'],
      [`${key},1:${randomBytes(32).toString('base64')}`, 'names version 1 twice'],
      [`2:${key},1:short`, 'entry 2 is not a valid master key'],
      [`2:${key},`, 'entry 2 is not a valid master key'],
    ];
    for (const [text, expected] of cases) {
      const error = failure(() => parseMasterKeyring(text));
      expect([error.code, error.message]).toEqual(['MASTER_KEY_INVALID', expect.stringContaining(expected)]);
      expect(error.message).not.toContain(key.slice(0, 8));
    }
  });
});

describe('createMasterKeyring and masterKeyOfVersion', () => {
  it('copies the keys, so zeroing the caller’s buffer does not change the keyring', () => {
    const key = Buffer.from(bytes);
    const keyring = createMasterKeyring([{ version: 1, key }]);
    key.fill(0);
    expect(keyring.current.key.equals(bytes)).toBe(true);
  });

  it('refuses keys that are not 32 bytes and versions that are not positive integers', () => {
    expect(failure(() => createMasterKeyring([{ version: 1, key: randomBytes(16) }])).code).toBe('MASTER_KEY_INVALID');
    expect(failure(() => createMasterKeyring([{ version: 1.5, key: bytes }])).code).toBe('MASTER_KEY_INVALID');
    expect(failure(() => createMasterKeyring([])).code).toBe('MASTER_KEY_MISSING');
  });

  it('names a version the keyring does not hold', () => {
    const error = failure(() => masterKeyOfVersion(createMasterKeyring([{ version: 2, key: bytes }]), 1));
    expect([error.code, error.details, error.message]).toEqual(['MASTER_KEY_MISSING', { keyVersion: 1 }, expect.stringContaining('it holds 2')]);
  });
});

describe('generateMasterKey', () => {
  it('produces a fresh 32-byte key in the format KEEL_MASTER_KEY takes', () => {
    const first = generateMasterKey();
    const second = generateMasterKey();
    expect(first).toHaveLength(44);
    expect(first).not.toBe(second);
    expect(parseMasterKeyring(first).current.key.equals(Buffer.from(first, 'base64'))).toBe(true);
  });
});
