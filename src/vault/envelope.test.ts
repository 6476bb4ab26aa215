import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { KeelError } from '../errors/index.ts';
import { openSecret, rewrapSecret, sealSecret } from './envelope.ts';
import { createMasterKeyring, type MasterKeyring } from './master-key.ts';
import { serializeSealedSecret, type SealedSecret } from './sealed-secret.ts';
import type { SecretContext } from './secret-context.ts';

const plaintext = 'sk_live_51Hcorrect-horse-battery-staple';
const keyOne = randomBytes(32);
const keyTwo = randomBytes(32);
const keyringOne = createMasterKeyring([{ version: 1, key: keyOne }]);
const alice: SecretContext = { tenant: 'acme', user: 'alice', name: 'shop' };

/** Every error a test provoked, checked at the end for any trace of the plaintext. */
const provoked: unknown[] = [];

function failure(run: () => unknown): KeelError {
  try {
    run();
  } catch (error) {
    provoked.push(error);
    if (KeelError.isInstance(error)) return error;
    throw error;
  }
  throw new Error('expected the call to throw');
}

/** The same record with one bit of one binary field flipped (in its bytes, re-encoded). */
function flipBit(sealed: SealedSecret, field: keyof SealedSecret, byteIndex: number): SealedSecret {
  const bytes = Buffer.from(sealed[field] as string, 'base64');
  const index = byteIndex < 0 ? bytes.length + byteIndex : byteIndex;
  bytes[index] = (bytes[index] ?? 0) ^ 0x01;
  return { ...sealed, [field]: bytes.toString('base64') };
}

/** A 16-byte field's base64 with unused low bits set in its last character: Buffer.from ignores them. */
function nonCanonical(text: string): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
  const last = alphabet.indexOf(text.charAt(21));
  return `${text.slice(0, 21)}${alphabet.charAt(last | 1)}==`;
}

function open(sealed: unknown, context: SecretContext = alice, keyring: MasterKeyring = keyringOne): string {
  return openSecret({ keyring, context, sealed });
}

describe('sealSecret and openSecret', () => {
  it('round-trips user-level and tenant-level secrets, unicode and empty ones included', () => {
    for (const [context, text] of [
      [alice, plaintext],
      [{ tenant: 'acme', name: 'billing' }, 'tenant-wide key'],
      [{ tenant: 'acme', user: null, name: 'billing' }, 'naïve ☃ 🔑'],
      [alice, ''],
    ] as const) {
      const sealed = sealSecret({ keyring: keyringOne, context, plaintext: text });
      expect(open(sealed, context)).toBe(text);
      expect(open(serializeSealedSecret(sealed), context), 'from the JSON a store row holds').toBe(text);
    }
  });

  it('produces a versioned record of base64 fields with the lengths of AES-256-GCM, and no plaintext', () => {
    const sealed = sealSecret({ keyring: keyringOne, context: alice, plaintext });
    expect(Object.keys(sealed).sort()).toEqual(['ciphertext', 'iv', 'keyVersion', 'tag', 'v', 'wrapIv', 'wrapTag', 'wrappedKey']);
    expect([sealed.v, sealed.keyVersion]).toEqual([1, 1]);
    const lengths = (['iv', 'tag', 'wrapIv', 'wrapTag', 'wrappedKey', 'ciphertext'] as const).map((field) => Buffer.from(sealed[field], 'base64').length);
    expect(lengths).toEqual([12, 16, 12, 16, 32, Buffer.byteLength(plaintext)]);
    const text = serializeSealedSecret(sealed);
    expect(text).not.toContain(plaintext);
    expect(text).not.toContain(Buffer.from(plaintext).toString('base64').slice(0, 12));
    expect(text).not.toContain(keyOne.toString('base64'));
  });

  it('uses a fresh data key and IVs every time: the same secret seals differently', () => {
    const first = sealSecret({ keyring: keyringOne, context: alice, plaintext });
    const second = sealSecret({ keyring: keyringOne, context: alice, plaintext });
    for (const field of ['iv', 'ciphertext', 'wrapIv', 'wrappedKey'] as const) expect(first[field]).not.toBe(second[field]);
  });

  it('refuses a record with one flipped bit in any binary field', () => {
    const sealed = sealSecret({ keyring: keyringOne, context: alice, plaintext });
    for (const field of ['ciphertext', 'iv', 'tag', 'wrappedKey', 'wrapIv', 'wrapTag'] as const) {
      for (const byteIndex of [0, -1]) {
        const error = failure(() => open(flipBit(sealed, field, byteIndex)));
        expect([field, byteIndex, error.code]).toEqual([field, byteIndex, 'VAULT_DECRYPT_FAILED']);
      }
    }
    expect(open(sealed), 'the untouched record still opens').toBe(plaintext);
  });

  it('binds tenant, user and name: a record copied to another place does not open', () => {
    const sealed = sealSecret({ keyring: keyringOne, context: alice, plaintext });
    const elsewhere: SecretContext[] = [
      { tenant: 'other', user: 'alice', name: 'shop' },
      { tenant: 'acme', user: 'bob', name: 'shop' },
      { tenant: 'acme', name: 'shop' },
      { tenant: 'acme', user: 'alice', name: 'shop2' },
      // a naive concatenation of the fields would make these equal to acme/alice/shop
      { tenant: 'acme', user: 'alic', name: 'eshop' },
    ];
    for (const context of elsewhere) expect(failure(() => open(sealed, context)).code).toBe('VAULT_DECRYPT_FAILED');
    const tenantLevel = sealSecret({ keyring: keyringOne, context: { tenant: 'acme', name: 'shop' }, plaintext });
    expect(failure(() => open(tenantLevel, alice)).code, 'a tenant-level secret is not any user’s').toBe('VAULT_DECRYPT_FAILED');
  });

  it('binds the place in the data layer too: a data key re-wrapped for another user does not open the ciphertext there', () => {
    // An attacker holding the master key re-wraps alice's data key for bob, following the
    // documented format, and copies the rest of the record: the data layer still refuses it.
    const sealed = sealSecret({ keyring: keyringOne, context: alice, plaintext });
    const keyAad = (user: string) => Buffer.from(JSON.stringify(['keel.vault.key', 1, 'acme', user, 'shop', 1]));
    const unwrap = createDecipheriv('aes-256-gcm', keyOne, Buffer.from(sealed.wrapIv, 'base64'), { authTagLength: 16 });
    unwrap.setAAD(keyAad('alice'));
    unwrap.setAuthTag(Buffer.from(sealed.wrapTag, 'base64'));
    const dataKey = Buffer.concat([unwrap.update(Buffer.from(sealed.wrappedKey, 'base64')), unwrap.final()]);
    const wrapIv = randomBytes(12);
    const wrap = createCipheriv('aes-256-gcm', keyOne, wrapIv, { authTagLength: 16 });
    wrap.setAAD(keyAad('bob'));
    const wrappedKey = Buffer.concat([wrap.update(dataKey), wrap.final()]);
    const forBob = { ...sealed, wrapIv: wrapIv.toString('base64'), wrapTag: wrap.getAuthTag().toString('base64'), wrappedKey: wrappedKey.toString('base64') };
    const error = failure(() => open(forBob, { ...alice, user: 'bob' }));
    expect([error.code, error.message]).toEqual(['VAULT_DECRYPT_FAILED', expect.stringContaining('does not authenticate under its data key')]);
  });

  it('binds the master key version: a re-labelled record fails even where both versions hold the same key', () => {
    const sameKeyTwice = createMasterKeyring([
      { version: 2, key: keyOne },
      { version: 1, key: keyOne },
    ]);
    const sealed = sealSecret({ keyring: sameKeyTwice, context: alice, plaintext });
    expect(open(sealed, alice, sameKeyTwice)).toBe(plaintext);
    const error = failure(() => open({ ...sealed, keyVersion: 1 }, alice, sameKeyTwice));
    expect([error.code, error.details?.keyVersion]).toEqual(['VAULT_DECRYPT_FAILED', 1]);
  });

  it('fails with a wrong master key of the same version, and names a version the keyring lacks', () => {
    const sealed = sealSecret({ keyring: keyringOne, context: alice, plaintext });
    const wrongKey = createMasterKeyring([{ version: 1, key: keyTwo }]);
    expect(failure(() => open(sealed, alice, wrongKey)).code).toBe('VAULT_DECRYPT_FAILED');
    const missing = failure(() => open(sealed, alice, createMasterKeyring([{ version: 2, key: keyOne }])));
    expect([missing.code, missing.details]).toEqual(['MASTER_KEY_MISSING', { keyVersion: 1 }]);
  });

  it('refuses a truncated tag before any cipher sees it', () => {
    const sealed = sealSecret({ keyring: keyringOne, context: alice, plaintext });
    for (const field of ['tag', 'wrapTag'] as const) {
      const short = Buffer.from(sealed[field], 'base64').subarray(0, 12).toString('base64');
      const error = failure(() => open({ ...sealed, [field]: short }));
      expect(error.code).toBe('VAULT_DECRYPT_FAILED');
      expect(error.message).toContain(`"${field}" is 12 bytes long instead of 16`);
    }
  });

  it('refuses malformed records with the same code', () => {
    const sealed = sealSecret({ keyring: keyringOne, context: alice, plaintext });
    const { iv: _iv, ...withoutIv } = sealed;
    const malformed: unknown[] = [
      null,
      'not json',
      [sealed],
      { ...sealed, v: 2 },
      { ...sealed, keyVersion: 0 },
      { ...sealed, keyVersion: '1' },
      withoutIv,
      { ...sealed, iv: `${sealed.iv}!` },
      { ...sealed, iv: sealed.iv.slice(1) },
      // decodes to the same 16 bytes through Buffer.from, but is not their encoding
      { ...sealed, tag: nonCanonical(sealed.tag) },
      { ...sealed, ciphertext: `${sealed.ciphertext.slice(0, -2)}#=` },
    ];
    expect(Buffer.from(nonCanonical(sealed.tag), 'base64').equals(Buffer.from(sealed.tag, 'base64')), 'the same bytes to Buffer.from').toBe(true);
    for (const record of malformed) expect(failure(() => open(record)).code).toBe('VAULT_DECRYPT_FAILED');
  });

  it('refuses an invalid place with INPUT_INVALID', () => {
    for (const context of [
      { tenant: '', name: 'shop' },
      { tenant: 'acme', name: '' },
      { tenant: 'acme', user: '', name: 'shop' },
    ]) {
      expect(failure(() => sealSecret({ keyring: keyringOne, context, plaintext })).code).toBe('INPUT_INVALID');
    }
  });
});

describe('rewrapSecret', () => {
  const rotated = createMasterKeyring([
    { version: 2, key: keyTwo },
    { version: 1, key: keyOne },
  ]);

  it('re-wraps under the new version: the secret opens with the new key and not with the old one', () => {
    const sealed = sealSecret({ keyring: keyringOne, context: alice, plaintext });
    const next = rewrapSecret({ sealed, context: alice, from: rotated, to: rotated.current });
    expect(next.keyVersion).toBe(2);
    expect(open(next, alice, createMasterKeyring([{ version: 2, key: keyTwo }]))).toBe(plaintext);
    expect(failure(() => open(next, alice, keyringOne)).code, 'the old keyring lacks version 2').toBe('MASTER_KEY_MISSING');
    expect(failure(() => open(next, alice, createMasterKeyring([{ version: 2, key: keyOne }]))).code, 'the old key as version 2').toBe('VAULT_DECRYPT_FAILED');
    expect(failure(() => open({ ...next, keyVersion: 1 }, alice, rotated)).code, 'labelled back to version 1').toBe('VAULT_DECRYPT_FAILED');
  });

  it('changes only the wrapping: the ciphertext, its IV and its tag are carried over', () => {
    const sealed = sealSecret({ keyring: keyringOne, context: alice, plaintext });
    const next = rewrapSecret({ sealed, context: alice, from: rotated, to: rotated.current });
    expect([next.ciphertext, next.iv, next.tag]).toEqual([sealed.ciphertext, sealed.iv, sealed.tag]);
    expect(next.wrappedKey).not.toBe(sealed.wrappedKey);
    expect(next.wrapIv).not.toBe(sealed.wrapIv);
  });

  it('never decrypts the plaintext: a damaged ciphertext is re-wrapped as it is and still refused when opened', () => {
    const damaged = flipBit(sealSecret({ keyring: keyringOne, context: alice, plaintext }), 'ciphertext', 0);
    const next = rewrapSecret({ sealed: damaged, context: alice, from: rotated, to: rotated.current });
    expect(failure(() => open(next, alice, rotated)).code).toBe('VAULT_DECRYPT_FAILED');
  });

  it('refuses to re-wrap a record whose wrapping was altered or belongs elsewhere', () => {
    const sealed = sealSecret({ keyring: keyringOne, context: alice, plaintext });
    expect(failure(() => rewrapSecret({ sealed: flipBit(sealed, 'wrapTag', 3), context: alice, from: rotated, to: rotated.current })).code).toBe(
      'VAULT_DECRYPT_FAILED',
    );
    expect(failure(() => rewrapSecret({ sealed, context: { ...alice, user: 'bob' }, from: rotated, to: rotated.current })).code).toBe('VAULT_DECRYPT_FAILED');
  });
});

describe('error messages', () => {
  it('never contain the plaintext, its encodings or the master key', () => {
    // The tests above ran first (vitest keeps file order) and left every error they provoked here.
    expect(provoked.length).toBeGreaterThan(30);
    const forbidden = [
      plaintext,
      Buffer.from(plaintext).toString('base64'),
      Buffer.from(plaintext).toString('hex'),
      keyOne.toString('base64'),
      keyTwo.toString('base64'),
    ];
    for (const error of provoked) {
      const keelError = error as KeelError;
      const visible = [keelError.message, JSON.stringify(keelError), JSON.stringify(keelError.details ?? {}), String(keelError.stack)].join('\n');
      for (const text of forbidden) expect(visible).not.toContain(text);
    }
  });
});
