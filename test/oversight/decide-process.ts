/**
 * A reviewer in a process of its own, for the race and crash tests: opens the store and the
 * config from the environment, says `ready`, waits for a line on stdin (so several processes
 * start at the same moment), decides one approval, prints the outcome as JSON and exits.
 *
 *   KEEL_DATABASE_URL=… node --conditions=keel-source decide-process.ts CONFIG APPROVAL_ID approve|reject REVIEWER
 */
import { createInterface } from 'node:readline';
import { openRuntime } from '../../src/keel.ts';
import { createSilentLogger } from '../../src/telemetry/logger.ts';

const [configPath = '', approvalId = '', decision = 'approve', reviewer = 'reviewer'] = process.argv.slice(2);
const keel = await openRuntime({ cwd: process.cwd(), configPath, logger: createSilentLogger() });
process.stdout.write('ready\n');
const lines = createInterface({ input: process.stdin });
await new Promise<void>((resolve) => lines.once('line', () => resolve()));
lines.close();
try {
  const approval = await keel.runtime.decideApproval(
    approvalId,
    { decision: decision === 'reject' ? 'reject' : 'approve', ...(decision === 'reject' ? { reason: 'no' } : {}) },
    { tenantId: 'default', actor: { kind: 'cli', name: reviewer } },
  );
  process.stdout.write(`${JSON.stringify({ ok: true, status: approval.status, decidedBy: approval.decidedBy })}\n`);
} catch (error) {
  process.stdout.write(`${JSON.stringify({ ok: false, code: (error as { code?: string }).code ?? String(error) })}\n`);
} finally {
  await keel.close();
}
