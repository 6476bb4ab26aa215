import { KeelError } from '../errors/index.ts';
import type { AuditRow, AuditStore } from '../store/audit-store.ts';
import { nextAuditEntry, type AuditActor, type AuditEntry } from './audit-chain.ts';
import { createAuditChainVerifier, type AuditChainResult } from './verify-audit-chain.ts';

/*
 * The one way anything records an audit entry, and the reads over the chain. Every subsystem
 * (keys, credentials, OAuth, budgets, limits, approval decisions, escalation replies and
 * resolutions, the approval policy; dashboard sign-ins as they are added) calls `recordAudit`; the store appends under its head lock, so
 * there is one chain whatever the number of writers (ADR 0019).
 */

/** What an entry says; `seq`, time and hashes are added by the chain. */
export interface AuditEvent {
  tenantId: string;
  actor: AuditActor;
  /** `noun.verb`, lowercase: `key.create`, `credential.use`, `approval.decide`, `policy.update`, … */
  action: string;
  /** What it was about: `key:key_…`, `credential:user/alice/shop`, `run:run_…`. */
  subject: string;
  /** JSON only, and never a secret. */
  details?: Record<string, unknown>;
}

/** Keel acting on its own (a refresh, a rotation), as an audit actor. */
export const systemActor: AuditActor = { kind: 'system', id: 'keel' };

/** The operator at a terminal (`keel keys create`, `keel secrets set`, …). */
export const cliActor: AuditActor = { kind: 'system', id: 'cli' };

/**
 * Appends one entry to the audit chain and returns it.
 *
 * @example
 * await recordAudit(store, { tenantId: 'acme', actor: { kind: 'key', id: principal.keyId }, action: 'approval.decide', subject: `run:${runId}`, details: { decision: 'approve' } });
 */
export async function recordAudit(store: Pick<AuditStore, 'appendAudit'>, event: AuditEvent & { now?: () => Date }): Promise<AuditEntry> {
  const entry = await store.appendAudit((previous) =>
    nextAuditEntry({
      previous,
      tenant: event.tenantId,
      actor: event.actor,
      action: event.action,
      subject: event.subject,
      details: event.details ?? {},
      ...(event.now === undefined ? {} : { now: event.now }),
    }),
  );
  return entry as AuditEntry;
}

/**
 * The whole log (or the entries a filter keeps), a page at a time, in chain order.
 *
 * @example
 * for await (const page of readAuditPages(store, { pageSize: 1000 })) for (const entry of page) console.log(entry.seq);
 */
export async function* readAuditPages(
  store: Pick<AuditStore, 'readAudit'>,
  options: { pageSize?: number; tenantId?: string; from?: string; to?: string; actorId?: string; action?: string } = {},
): AsyncGenerator<AuditRow[]> {
  const { pageSize = 1000, ...filters } = options;
  let after: { seq: number; id: number } | undefined;
  for (;;) {
    const page = await store.readAudit({ ...filters, limit: pageSize, ...(after === undefined ? {} : { after }) });
    if (page.length === 0) return;
    yield page;
    const last = page[page.length - 1] as AuditRow;
    after = { seq: last.seq, id: last.id };
    if (page.length < pageSize) return;
  }
}

/**
 * Verifies the whole chain as the store holds it: from the checkpoint the last prune left (or
 * the genesis), a page at a time, against the head the store recorded, and against `head` from
 * elsewhere when given (an export, a receipt). Names the first broken entry.
 *
 * @example
 * const result = await verifyAuditLog(store, { onProgress: (checked, total) => bar.update(checked / total) });
 */
export async function verifyAuditLog(
  store: Pick<AuditStore, 'readAudit' | 'auditHead'>,
  options: { pageSize?: number; head?: { seq: number; hash: string }; onProgress?: (checked: number, total: number) => void } = {},
): Promise<AuditChainResult & { checkpointSeq: number }> {
  const { head: recordedHead, checkpoint } = await store.auditHead();
  const head = options.head ?? recordedHead;
  const verifier = createAuditChainVerifier({ ...(checkpoint.seq === 0 ? {} : { checkpoint }), ...(head.seq === 0 ? {} : { head }) });
  const total = Math.max(0, head.seq - checkpoint.seq);
  let read = 0;
  for await (const page of readAuditPages(store, options.pageSize === undefined ? {} : { pageSize: options.pageSize })) {
    const ok = verifier.add(page as AuditEntry[]);
    read += page.length;
    options.onProgress?.(Math.min(read, total), total);
    if (!ok) break;
  }
  const result = verifier.finish();
  if (result.ok && result.lastSeq > head.seq) {
    // Entries past the recorded head link up, but nothing appended them through the head.
    return {
      ok: false,
      brokenAt: head.seq + 1,
      problem: 'inserted',
      message: `Entry ${head.seq + 1} comes after the recorded head (entry ${head.seq}): it was inserted.`,
      checked: head.seq - checkpoint.seq,
      checkpointSeq: checkpoint.seq,
    };
  }
  return { ...result, checkpointSeq: checkpoint.seq };
}

/**
 * Deletes the entries older than `before` and keeps the last one's seq and hash as the
 * checkpoint verification starts from. Only a prefix of the chain is ever deleted: entries
 * are taken in seq order up to the first one at or after `before` (clocks of different nodes
 * may disagree a little, and a gap would read as tampering). The prune itself is audited.
 *
 * @example
 * const { pruned, checkpoint } = await pruneAuditLog(store, { before: new Date('2025-01-01'), actor: cliActor });
 */
export async function pruneAuditLog(
  store: Pick<AuditStore, 'readAudit' | 'auditHead' | 'pruneAudit' | 'appendAudit'>,
  options: { before: Date; actor: AuditActor; now?: () => Date },
): Promise<{ pruned: number; checkpoint: { seq: number; hash: string } }> {
  if (!(options.before instanceof Date) || Number.isNaN(options.before.getTime())) {
    throw new KeelError({ code: 'INPUT_INVALID', message: 'Pruning needs a valid date to prune before' });
  }
  const now = options.now ?? (() => new Date());
  const before = options.before.toISOString();
  const [firstKept] = await store.readAudit({ from: before, limit: 1 });
  // Nothing at or after the date: every entry up to the head is older.
  const throughSeq = firstKept === undefined ? (await store.auditHead()).head.seq : firstKept.seq - 1;
  const result = await store.pruneAudit({ throughSeq, now: now() });
  if (result.pruned > 0) {
    await recordAudit(store, {
      tenantId: '*',
      actor: options.actor,
      action: 'audit.prune',
      subject: 'audit',
      details: { before, pruned: result.pruned, checkpointSeq: result.checkpoint.seq, checkpointHash: result.checkpoint.hash },
      now,
    });
  }
  return result;
}
