import { KeelError } from '../errors/index.ts';
import type { Store } from '../store/store.ts';
import { cliTenantId } from './cli-environment.ts';
import { UsageError } from './command.ts';

/** Which tenant's runs (or approvals) a `keel runs` (`keel approvals`) command acts on: one, or (for an operator) every one. */
export type TenantScope = { tenantId: string } | { allTenants: true };

/** The options every `keel runs` command takes to say which tenant it means. */
export const tenantScopeOptions = {
  tenant: { type: 'string' },
  'all-tenants': { type: 'boolean' },
} as const;

/** The lines `--help` shows for {@link tenantScopeOptions}; `allTenants` says what `--all-tenants` does in this command. */
export function tenantScopeHelp(allTenants: string): string {
  return `  --tenant T      in tenant T (default "${cliTenantId}", the tenant keel run and keel dev use)
  --all-tenants   ${allTenants}
`;
}

/**
 * The scope `--tenant T` / `--all-tenants` ask for: tenant `default` when neither is given, as
 * `keel run` and `keel dev` use. Giving both, or an empty tenant, is a usage error.
 *
 * @example
 * const scope = parseTenantScope('keel runs ls', values); // { allTenants: true }
 */
export function parseTenantScope(command: string, values: { tenant?: string; 'all-tenants'?: boolean }): TenantScope {
  if (values['all-tenants'] === true) {
    if (values.tenant !== undefined) throw new UsageError(command, 'give --tenant T or --all-tenants, not both');
    return { allTenants: true };
  }
  if (values.tenant === undefined) return { tenantId: cliTenantId };
  if (values.tenant.trim() === '') throw new UsageError(command, '--tenant needs a tenant id');
  return { tenantId: values.tenant };
}

/**
 * The tenant of run `runId` in `scope`: the scope's tenant, or with `--all-tenants` whichever
 * tenant holds the run (RUN_NOT_FOUND when none does).
 */
export async function runTenant(store: Pick<Store, 'findRunTenant'>, scope: TenantScope, runId: string): Promise<string> {
  if ('tenantId' in scope) return scope.tenantId;
  const tenantId = await store.findRunTenant(runId);
  if (tenantId === undefined) throw new KeelError({ code: 'RUN_NOT_FOUND', message: `No run with id "${runId}" in any tenant` });
  return tenantId;
}

/**
 * The tenant of approval `approvalId` in `scope`: the scope's tenant, or with `--all-tenants`
 * whichever tenant holds it (APPROVAL_NOT_FOUND when none does).
 *
 * @example
 * const tenantId = await approvalTenant(store, { allTenants: true }, 'apr_…');
 */
export async function approvalTenant(store: Pick<Store, 'findApprovalTenant'>, scope: TenantScope, approvalId: string): Promise<string> {
  if ('tenantId' in scope) return scope.tenantId;
  const tenantId = await store.findApprovalTenant(approvalId);
  if (tenantId === undefined) throw new KeelError({ code: 'APPROVAL_NOT_FOUND', message: `No approval with id "${approvalId}" in any tenant` });
  return tenantId;
}
