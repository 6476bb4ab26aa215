import { KeelError } from '../errors/index.ts';

/** Where a secret belongs. `user` is absent (or null) for tenant-level secrets. */
export interface SecretContext {
  tenant: string;
  user?: string | null | undefined;
  name: string;
}

export interface NormalisedContext {
  tenant: string;
  user: string | null;
  name: string;
}

export function checkSecretContext(context: SecretContext): NormalisedContext {
  const user = context.user ?? null;
  if (typeof context.tenant !== 'string' || context.tenant === '') throw new KeelError({ code: 'INPUT_INVALID', message: 'A secret needs a tenant.' });
  if (typeof context.name !== 'string' || context.name === '') throw new KeelError({ code: 'INPUT_INVALID', message: 'A secret needs a name.' });
  if (user !== null && (typeof user !== 'string' || user === '')) {
    throw new KeelError({ code: 'INPUT_INVALID', message: "A secret's user must be a non-empty string, or absent for a tenant-level secret." });
  }
  return { tenant: context.tenant, user, name: context.name };
}

/** The one failure of opening a secret. It names where the secret belongs, never what it holds. */
export function vaultDecryptFailed(context: NormalisedContext, keyVersion: number | undefined, reason: string): KeelError {
  const owner = context.user === null ? `tenant "${context.tenant}"` : `user "${context.user}" of tenant "${context.tenant}"`;
  return new KeelError({
    code: 'VAULT_DECRYPT_FAILED',
    message:
      `The secret "${context.name}" of ${owner} cannot be opened: ${reason}. ` +
      'It was altered, belongs to another tenant, user or name, or the master key of its version is not the one it was sealed with.',
    details: { tenant: context.tenant, user: context.user, name: context.name, ...(keyVersion === undefined ? {} : { keyVersion }) },
  });
}
