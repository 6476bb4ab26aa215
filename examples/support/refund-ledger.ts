import { createHash } from 'node:crypto';
import { appendFile, mkdir, readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';

export interface Refund {
  refundId: string;
  idempotencyKey: string;
  orderId: string;
  amountUsd: number;
  reason: string;
  at: string;
}

/**
 * The example's stand-in for a payment provider: refunds appended to a JSON-lines file, keyed by
 * the tool call's idempotency key, the way a real refund API deduplicates requests. That key is
 * what lets `issue_refund` reconcile after a crash instead of refunding twice.
 *
 * @example
 * const ledger = createRefundLedger({ path: '.keel/example-refunds.jsonl' });
 * await ledger.record({ idempotencyKey: ctx.idempotencyKey, orderId: '1001', amountUsd: 10, reason: 'late' });
 */
export function createRefundLedger(options: { path: string }) {
  // Resolved on use, so the file lands next to the database of whichever directory Keel runs in.
  const file = () => resolve(options.path);

  async function all(): Promise<Refund[]> {
    let text: string;
    try {
      text = await readFile(file(), 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw error;
    }
    // A crash can leave a half-written last line: it never completed, so it is not a refund.
    return text.split('\n').flatMap((line) => {
      try {
        return line.trim() === '' ? [] : [JSON.parse(line) as Refund];
      } catch {
        return [];
      }
    });
  }

  return {
    async findByKey(idempotencyKey: string): Promise<Refund | undefined> {
      return (await all()).find((refund) => refund.idempotencyKey === idempotencyKey);
    },
    async findByOrder(orderId: string): Promise<Refund | undefined> {
      return (await all()).find((refund) => refund.orderId === orderId);
    },
    /** Records a refund once per idempotency key; repeating a key returns the first refund. */
    async record(input: Omit<Refund, 'refundId' | 'at'>): Promise<Refund> {
      const existing = (await all()).find((refund) => refund.idempotencyKey === input.idempotencyKey);
      if (existing !== undefined) return existing;
      const refundId = `rf_${createHash('sha256').update(input.idempotencyKey).digest('hex').slice(0, 12)}`;
      const refund: Refund = { refundId, ...input, at: new Date().toISOString() };
      await mkdir(dirname(file()), { recursive: true });
      await appendFile(file(), `${JSON.stringify(refund)}\n`);
      return refund;
    },
  };
}
