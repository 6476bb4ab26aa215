import { KeelError } from '../errors/index.ts';

/*
 * Rules both adapters share for credentials. A primary key column cannot hold NULL, so a
 * tenant's own credential is stored with the user column empty; end user ids are never empty
 * (`assertIdentifier` refuses them), so the two cannot meet.
 */

/** The user column of a credential's owner: the user id, or '' for the tenant's own. */
export function ownerColumn(userId: string | null): string {
  if (userId === '') throw new KeelError({ code: 'INPUT_INVALID', message: "A credential's user id cannot be empty", details: { field: 'userId' } });
  return userId ?? '';
}

/** The owner a stored user column stands for. */
export function ownerOf(column: string): string | null {
  return column === '' ? null : column;
}
