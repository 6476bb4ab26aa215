/**
 * The part of the Store port that holds the audit log: one hash chain for the whole
 * deployment, appended under a lock on its head so that concurrent writers on every node
 * produce one gapless chain (ADR 0019). The store keeps entries; hashing them is the vault's
 * job (`src/vault/audit-chain.ts`), done inside the append through `build`.
 */
export interface AuditStore {
  /**
   * Appends the entry `build` makes from the current head (the last entry, or undefined for
   * the first), atomically: no other append reads the same head. `build` must be synchronous
   * and quick: it runs while the head is locked.
   */
  appendAudit(build: (head: AuditLink | undefined) => AuditRecord): Promise<AuditRecord>;
  /**
   * Entries in chain order (by seq, then by the order rows were written), at most `limit`,
   * after the row `after` (the last row of the previous page; absent to start): a cursor for
   * reading the whole log a page at a time. Filters narrow a page.
   */
  readAudit(query: AuditQuery): Promise<AuditRow[]>;
  /** The head (last appended entry) and the checkpoint pruning left, seq 0 for none. */
  auditHead(): Promise<{ head: AuditLink; checkpoint: AuditLink & { at: string | null } }>;
  /**
   * Deletes the oldest entries, those up to `throughSeq`, and records the last deleted one as
   * the checkpoint verification starts from, in one transaction. Returns how many were deleted
   * and the checkpoint (unchanged when nothing was deleted).
   */
  pruneAudit(input: { throughSeq: number; now: Date }): Promise<{ pruned: number; checkpoint: AuditLink }>;
}

export interface AuditLink {
  seq: number;
  hash: string;
}

/** An entry as stored: the fields the hash covers, and its links. */
export interface AuditRecord {
  seq: number;
  /** ISO 8601, given back exactly as written. */
  time: string;
  tenant: string;
  actor: { kind: 'key' | 'reviewer' | 'system' | 'user'; id: string; name?: string };
  action: string;
  subject: string;
  details: Record<string, unknown>;
  prevHash: string;
  hash: string;
}

/** A stored entry with its row position (with `seq`, the paging cursor). */
export interface AuditRow extends AuditRecord {
  id: number;
}

export interface AuditQuery {
  after?: { seq: number; id: number };
  limit: number;
  tenantId?: string;
  /** Entries with `time >= from` (ISO 8601). */
  from?: string;
  /** Entries with `time < to` (ISO 8601). */
  to?: string;
  actorId?: string;
  action?: string;
}
