import { createHash } from 'node:crypto';
import { KeelError } from '../errors/index.ts';
import { canonicalJson } from '../internal/canonical-json.ts';

/*
 * The audit log is a hash chain: every entry's hash commits to its own content and to the hash
 * of the entry before it, so changing, removing, adding or moving any entry breaks every link
 * after it. `verify-audit-chain.ts` walks the chain and names the first break.
 *
 *   hash = hex(SHA-256(prevHash + "\n" + canonicalJson(content)))
 *
 * where content is exactly { seq, time, tenant, actor, action, subject, details } (other
 * columns a store keeps, such as a row id, are not covered) and the first entry's prevHash is
 * `auditGenesisHash`. Anyone can recompute it from an export with a few lines in any language.
 */

/** Who did it: an API key, a reviewer, Keel itself, or an end user. */
export interface AuditActor {
  kind: 'key' | 'reviewer' | 'system' | 'user';
  id: string;
  name?: string | undefined;
}

/** What an entry's hash covers. */
export interface AuditContent {
  /** 1, 2, 3, … with no gaps. */
  seq: number;
  /** ISO 8601 in UTC, e.g. `2025-01-31T12:00:00.000Z`; a store must give back the same text. */
  time: string;
  tenant: string;
  actor: AuditActor;
  /** `noun.verb`: `key.create`, `approval.decide`, `credential.use`, `policy.update`, … */
  action: string;
  /** What the action was about: `run:run_…`, `credential:shop`, `key:key_…`. */
  subject: string;
  /** JSON only; never a secret. */
  details: Record<string, unknown>;
}

export interface AuditEntry extends AuditContent {
  prevHash: string;
  hash: string;
}

/** Where a chain continues from: the last entry before it (or the genesis, seq 0). */
export interface AuditChainLink {
  seq: number;
  hash: string;
}

/** The `prevHash` of entry 1. */
export const auditGenesisHash = '0'.repeat(64);

const hashPattern = /^[0-9a-f]{64}$/;
const actionPattern = /^[a-z][a-z0-9_-]*(?:\.[a-z][a-z0-9_-]*)+$/;
const actorKinds: readonly string[] = ['key', 'reviewer', 'system', 'user'];

/**
 * The hash of an entry with this content, following the entry whose hash is `previousHash`.
 *
 * @example
 * const hash = auditEntryHash(auditGenesisHash, { seq: 1, time, tenant: 't1', actor, action: 'key.create', subject: 'key:key_1', details: {} });
 */
export function auditEntryHash(previousHash: string, content: AuditContent): string {
  if (!hashPattern.test(previousHash)) throw new KeelError({ code: 'INPUT_INVALID', message: 'An audit hash is 64 lowercase hex characters.' });
  return createHash('sha256')
    .update(previousHash, 'utf8')
    .update('\n', 'utf8')
    .update(canonicalJson(auditContentOf(content)), 'utf8')
    .digest('hex');
}

/**
 * The next entry of a chain: numbered, timed, linked and hashed. Appending it, and only after
 * reading `previous` in the same transaction, is the store's job.
 *
 * @example
 * const entry = nextAuditEntry({ previous: head, tenant: 't1', actor: { kind: 'key', id: 'key_1' }, action: 'key.create', subject: 'key:key_2', details: { role: 'app' } });
 */
export function nextAuditEntry(options: {
  /** The current last entry; undefined for the first entry of a chain. */
  previous: AuditChainLink | undefined;
  tenant: string;
  actor: AuditActor;
  action: string;
  subject: string;
  details?: Record<string, unknown>;
  now?: () => Date;
}): AuditEntry {
  const previous = options.previous ?? { seq: 0, hash: auditGenesisHash };
  const content: AuditContent = {
    seq: previous.seq + 1,
    time: (options.now ?? (() => new Date()))().toISOString(),
    tenant: options.tenant,
    actor: options.actor.name === undefined ? { kind: options.actor.kind, id: options.actor.id } : { ...options.actor },
    action: options.action,
    subject: options.subject,
    details: options.details ?? {},
  };
  const problem = auditContentProblem(content);
  if (problem !== undefined) throw new KeelError({ code: 'INPUT_INVALID', message: `Invalid audit entry: ${problem}.` });
  return { ...content, prevHash: previous.hash, hash: auditEntryHash(previous.hash, content) };
}

/** The fields the hash covers, and no others (a row may carry more). */
export function auditContentOf(entry: AuditContent): AuditContent {
  const { seq, time, tenant, actor, action, subject, details } = entry;
  const { kind, id, name } = actor;
  return { seq, time, tenant, actor: name === undefined ? { kind, id } : { kind, id, name }, action, subject, details };
}

/** Why a value read back from a store cannot be an audit entry, or undefined when it can. */
export function auditEntryProblem(entry: unknown): string | undefined {
  if (typeof entry !== 'object' || entry === null) return 'it is not an object';
  const fields = entry as Record<string, unknown>;
  if (typeof fields.prevHash !== 'string' || !hashPattern.test(fields.prevHash)) return 'its prevHash is not 64 lowercase hex characters';
  if (typeof fields.hash !== 'string' || !hashPattern.test(fields.hash)) return 'its hash is not 64 lowercase hex characters';
  return auditContentProblem(fields);
}

function auditContentProblem(fields: Record<string, unknown> | AuditContent): string | undefined {
  const { seq, time, tenant, actor, action, subject, details } = fields as Record<string, unknown>;
  if (typeof seq !== 'number' || !Number.isSafeInteger(seq) || seq < 1) return 'its seq is not a positive integer';
  if (typeof time !== 'string' || Number.isNaN(Date.parse(time))) return 'its time is not an ISO 8601 date';
  if (typeof tenant !== 'string' || tenant === '') return 'it has no tenant';
  if (typeof actor !== 'object' || actor === null) return 'it has no actor';
  const { kind, id, name } = actor as Record<string, unknown>;
  if (typeof kind !== 'string' || !actorKinds.includes(kind)) return `its actor kind is not one of ${actorKinds.join(', ')}`;
  if (typeof id !== 'string' || id === '') return 'its actor has no id';
  if (name !== undefined && typeof name !== 'string') return "its actor's name is not a string";
  if (typeof action !== 'string' || !actionPattern.test(action)) return 'its action is not a lowercase noun.verb such as "key.create"';
  if (typeof subject !== 'string' || subject === '') return 'it has no subject';
  // Whether details hold only JSON is found out while hashing them, rather than walking them twice.
  if (typeof details !== 'object' || details === null || Array.isArray(details)) return 'its details are not a JSON object';
  return undefined;
}
