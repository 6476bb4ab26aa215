import { KeelError } from '../../errors/index.ts';
import { verifyAuditLog } from '../../vault/audit-log.ts';
import { exitCodes, UsageError, type Command } from '../command.ts';
import { openCliStore } from '../cli-environment.ts';
import { parseCommandLine, parsePositiveInteger, requirePositionals, showHelp } from '../parse-arguments.ts';

const name = 'keel audit verify';

export const auditVerifyCommand: Command = {
  name: 'verify',
  summary: 'check the audit hash chain; names the first broken entry',
  help: `Usage: keel audit verify [--head SEQ:HASH] [--page-size N]

Reads the whole audit log a page at a time, from the checkpoint the last prune left (or the
first entry), and checks every entry's hash and its link to the one before, up to the head the
store recorded. Exits 0 when the chain holds, 1 naming the first entry that was edited,
deleted, inserted, reordered or rewritten. Shows progress on a terminal.

Whoever can write the database can also rewrite the chain's end and its recorded head: keep the
head printed here (or by "keel audit export") somewhere else, and check against it with --head.

Options:
  --head SEQ:HASH   the head as recorded elsewhere: the log must reach it and hold that entry
  --page-size N     entries per read (default 1000)
  -h, --help        show this help
`,
  async run(argv, io) {
    const { values, positionals } = parseCommandLine(name, argv, { head: { type: 'string' }, 'page-size': { type: 'string' } });
    if (values.help === true) return showHelp(io, this.help);
    requirePositionals(name, positionals, []);
    const pageSize = parsePositiveInteger(name, '--page-size', values['page-size']) ?? 1000;
    const head = values.head === undefined ? undefined : parseHead(values.head);
    const store = await openCliStore(io);
    const tty = io.stderr.isTTY === true;
    let lastShown = 0;
    try {
      const result = await verifyAuditLog(store, {
        pageSize,
        ...(head === undefined ? {} : { head }),
        onProgress: (checked, total) => {
          if (!tty || (checked - lastShown < 10_000 && checked !== total)) return;
          lastShown = checked;
          const percent = total === 0 ? 100 : Math.floor((checked / total) * 100);
          io.stderr.write(`\rverifying audit log: ${checked}/${total} entries (${percent}%)`);
        },
      });
      if (tty && lastShown > 0) io.stderr.write('\n');
      if (!result.ok) {
        throw new KeelError({
          code: 'AUDIT_CHAIN_BROKEN',
          message: `The audit log is broken at entry ${result.brokenAt} (${result.problem}): ${result.message}`,
          details: { brokenAt: result.brokenAt, problem: result.problem, checked: result.checked },
        });
      }
      const from = result.checkpointSeq === 0 ? 'entry 1' : `the checkpoint at entry ${result.checkpointSeq}`;
      io.stdout.write(
        result.checked === 0
          ? 'The audit log is empty.\n'
          : `The audit log holds: ${result.checked} entries verified from ${from} to entry ${result.lastSeq}.\nHead: ${result.lastSeq}:${result.lastHash}\n`,
      );
    } finally {
      await store.close();
    }
    return exitCodes.ok;
  },
};

function parseHead(text: string): { seq: number; hash: string } {
  const match = /^(\d+):([0-9a-f]{64})$/.exec(text.trim());
  if (match === null) throw new UsageError(name, '--head must be SEQ:HASH, the hash being 64 lowercase hex characters');
  return { seq: Number(match[1]), hash: match[2] as string };
}
