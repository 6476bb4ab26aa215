import { KeelError } from '../../errors/index.ts';
import type { ApiKeyRole } from '../../store/api-key-store.ts';
import type { Principal } from '../server-types.ts';

/** Every permission an endpoint can require. docs/permissions.md documents each. */
export const permissions = [
  'runs:create',
  'runs:read',
  'runs:cancel',
  'sessions:read',
  'sessions:delete',
  'usage:read',
  'budgets:read',
  'budgets:write',
  'approvals:read',
  'approvals:decide',
  'escalations:read',
  'escalations:respond',
  'feedback:create',
  'feedback:read',
  'policies:read',
  'policies:write',
  'metrics:read',
  'alerts:read',
  'credentials:read',
  'credentials:write',
  'connections:read',
  'connections:write',
  'keys:read',
  'keys:write',
  'limits:read',
  'limits:write',
  'audit:read',
] as const;
export type Permission = (typeof permissions)[number];

/**
 * The permission matrix. `permissions.test.ts` checks it against the table in
 * docs/permissions.md and checks every endpoint against it.
 */
export const rolePermissions: Readonly<Record<ApiKeyRole, readonly Permission[]>> = {
  admin: permissions,
  // An app acts for its end users: it may show them what waits for approval and record their
  // ratings, but never decide for a reviewer; escalations are the operators' queue.
  app: [
    'runs:create',
    'runs:read',
    'runs:cancel',
    'sessions:read',
    'sessions:delete',
    'approvals:read',
    'feedback:create',
    'connections:read',
    'connections:write',
  ],
  reviewer: [
    'runs:read',
    'runs:cancel',
    'sessions:read',
    'approvals:read',
    'approvals:decide',
    'escalations:read',
    'escalations:respond',
    'feedback:read',
    'policies:read',
    'metrics:read',
    'alerts:read',
  ],
  // Cost is the operators' concern: viewers (dashboards) read it, only admins set budgets.
  viewer: [
    'runs:read',
    'sessions:read',
    'usage:read',
    'budgets:read',
    'limits:read',
    'approvals:read',
    'escalations:read',
    'feedback:read',
    'policies:read',
    'metrics:read',
    'alerts:read',
  ],
};

export function roleHas(role: ApiKeyRole, permission: Permission): boolean {
  return rolePermissions[role].includes(permission);
}

/**
 * Throws `FORBIDDEN` (403) unless the caller's role has `permission`. Every `/v1` route calls
 * it first, before reading any input.
 *
 * @example
 * assertPermission(c.get('principal'), 'runs:create');
 */
export function assertPermission(principal: Principal, permission: Permission): void {
  if (!roleHas(principal.role, permission)) {
    throw new KeelError({
      code: 'FORBIDDEN',
      message: `A key with role "${principal.role}" may not do this (it needs "${permission}")`,
      details: { permission, role: principal.role },
    });
  }
}
