import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { KeelError } from '../errors/index.ts';
import { masterKeyOfVersion, type MasterKey, type MasterKeyring } from './master-key.ts';
import { decodeSealedField, parseSealedSecret, sealedFormatVersion, type SealedSecret } from './sealed-secret.ts';
import { checkSecretContext, vaultDecryptFailed, type NormalisedContext, type SecretContext } from './secret-context.ts';

/*
 * Envelope encryption: every secret gets its own random 256-bit data key; the secret is sealed
 * with AES-256-GCM under that data key, and the data key is sealed (wrapped) with AES-256-GCM
 * under a master key. Rotating the master key then re-wraps 32-byte data keys and never touches
 * a secret's ciphertext.
 *
 * Both layers authenticate the secret's place (tenant, user, name) as additional data, so a
 * ciphertext copied into another row fails to open. The wrapping layer also authenticates the
 * master key version: a record re-labelled with another version fails even where two versions
 * hold the same key. The data layer cannot bind the version: re-wrapping changes it, and binding
 * it there would mean decrypting and re-encrypting every plaintext on rotation.
 */

const algorithm = 'aes-256-gcm';
const ivLength = 12;
const tagLength = 16;
const dataKeyLength = 32;

/**
 * Seals a secret under the keyring's current master key.
 *
 * @example
 * const sealed = sealSecret({ keyring, context: { tenant: 't1', user: 'alice', name: 'shop' }, plaintext: 'sk_live_…' });
 * // keep serializeSealedSecret(sealed) in the row: it holds no plaintext and no key
 */
export function sealSecret(options: { keyring: MasterKeyring; context: SecretContext; plaintext: string }): SealedSecret {
  const context = checkSecretContext(options.context);
  if (typeof options.plaintext !== 'string') throw new KeelError({ code: 'INPUT_INVALID', message: 'A secret to seal must be a string.' });
  const masterKey = options.keyring.current;
  const dataKey = randomBytes(dataKeyLength);
  const plaintext = Buffer.from(options.plaintext, 'utf8');
  try {
    const data = encrypt(dataKey, plaintext, dataLayerAad(context));
    const wrap = encrypt(masterKey.key, dataKey, keyLayerAad(context, masterKey.version));
    return {
      v: sealedFormatVersion,
      keyVersion: masterKey.version,
      iv: data.iv,
      tag: data.tag,
      ciphertext: data.ciphertext,
      wrapIv: wrap.iv,
      wrapTag: wrap.tag,
      wrappedKey: wrap.ciphertext,
    };
  } finally {
    // Byte copies of keys and plaintext are zeroed; the strings the caller holds are out of reach.
    dataKey.fill(0);
    plaintext.fill(0);
  }
}

/**
 * Opens a sealed secret. A record that was altered in any field, moved to another tenant, user
 * or name, re-labelled with another key version, or sealed under a different master key fails
 * with `VAULT_DECRYPT_FAILED`; nothing is ever returned in its place.
 *
 * @example
 * const apiKey = openSecret({ keyring, context: { tenant: 't1', user: 'alice', name: 'shop' }, sealed: JSON.parse(row.sealed) });
 */
export function openSecret(options: { keyring: MasterKeyring; context: SecretContext; sealed: unknown }): string {
  const context = checkSecretContext(options.context);
  const sealed = parseSealedSecret(options.sealed, context);
  const dataKey = unwrapDataKey(sealed, context, masterKeyOfVersion(options.keyring, sealed.keyVersion));
  try {
    const plaintext = decrypt(dataKey, sealed.iv, sealed.tag, sealed.ciphertext, dataLayerAad(context));
    if (plaintext === undefined) throw vaultDecryptFailed(context, sealed.keyVersion, 'the secret does not authenticate under its data key');
    const text = plaintext.toString('utf8');
    plaintext.fill(0);
    return text;
  } finally {
    dataKey.fill(0);
  }
}

/**
 * Re-wraps a secret's data key under another master key version, for key rotation. Only the
 * data key is unwrapped; the secret's ciphertext, IV and tag are carried over unchanged.
 *
 * @example
 * const next = rewrapSecret({ sealed, context, from: keyring, to: keyring.current });
 */
export function rewrapSecret(options: { sealed: unknown; context: SecretContext; from: MasterKeyring; to: MasterKey }): SealedSecret {
  const context = checkSecretContext(options.context);
  const sealed = parseSealedSecret(options.sealed, context);
  const dataKey = unwrapDataKey(sealed, context, masterKeyOfVersion(options.from, sealed.keyVersion));
  try {
    const wrap = encrypt(options.to.key, dataKey, keyLayerAad(context, options.to.version));
    return { ...sealed, keyVersion: options.to.version, wrapIv: wrap.iv, wrapTag: wrap.tag, wrappedKey: wrap.ciphertext };
  } finally {
    dataKey.fill(0);
  }
}

function unwrapDataKey(sealed: SealedSecret, context: NormalisedContext, masterKey: MasterKey): Buffer {
  const dataKey = decrypt(masterKey.key, sealed.wrapIv, sealed.wrapTag, sealed.wrappedKey, keyLayerAad(context, sealed.keyVersion));
  if (dataKey === undefined || dataKey.length !== dataKeyLength) {
    throw vaultDecryptFailed(context, sealed.keyVersion, `its data key does not authenticate under master key version ${sealed.keyVersion}`);
  }
  return dataKey;
}

function encrypt(key: Buffer, plaintext: Buffer, aad: Buffer): { iv: string; tag: string; ciphertext: string } {
  const iv = randomBytes(ivLength);
  const cipher = createCipheriv(algorithm, key, iv, { authTagLength: tagLength });
  cipher.setAAD(aad);
  const ciphertext = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return { iv: iv.toString('base64'), tag: cipher.getAuthTag().toString('base64'), ciphertext: ciphertext.toString('base64') };
}

/** The plaintext, or undefined when the tag does not authenticate (never unauthenticated bytes). */
function decrypt(key: Buffer, iv: string, tag: string, ciphertext: string, aad: Buffer): Buffer | undefined {
  // parseSealedSecret has already checked the lengths; the tag length is stated again here so
  // that GCM never accepts a shorter tag (DEP0182).
  const decipher = createDecipheriv(algorithm, key, decodeSealedField(iv), { authTagLength: tagLength });
  decipher.setAAD(aad);
  decipher.setAuthTag(decodeSealedField(tag));
  const head = decipher.update(decodeSealedField(ciphertext));
  try {
    return Buffer.concat([head, decipher.final()]);
  } catch {
    head.fill(0);
    return undefined;
  }
}

// JSON arrays are an unambiguous encoding of the fields ("a,b" + "c" never equals "a" + "b,c"),
// and the leading label keeps the two layers' additional data apart.
function dataLayerAad(context: NormalisedContext): Buffer {
  return Buffer.from(JSON.stringify(['keel.vault.data', sealedFormatVersion, context.tenant, context.user, context.name]), 'utf8');
}

function keyLayerAad(context: NormalisedContext, keyVersion: number): Buffer {
  return Buffer.from(JSON.stringify(['keel.vault.key', sealedFormatVersion, context.tenant, context.user, context.name, keyVersion]), 'utf8');
}
