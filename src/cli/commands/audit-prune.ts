import { cliActor, pruneAuditLog } from '../../vault/audit-log.ts';
import { exitCodes, UsageError, type Command } from '../command.ts';
import { openCliStore } from '../cli-environment.ts';
import { parseCommandLine, requirePositionals, showHelp } from '../parse-arguments.ts';
import { isoDate } from './audit-export.ts';

const name = 'keel audit prune';

export const auditPruneCommand: Command = {
  name: 'prune',
  summary: 'delete entries older than a date, keeping a checkpoint',
  help: `Usage: keel audit prune --before DATE

Deletes the audit entries older than DATE (the oldest ones, in chain order) and records the
seq and hash of the last one deleted as the checkpoint "keel audit verify" starts from. The
prune is itself an audit entry. Export first ("keel audit export") to keep the history.

Options:
  --before DATE   delete entries older than this (ISO 8601, e.g. 2025-01-01)
  -h, --help      show this help
`,
  async run(argv, io) {
    const { values, positionals } = parseCommandLine(name, argv, { before: { type: 'string' } });
    if (values.help === true) return showHelp(io, this.help);
    requirePositionals(name, positionals, []);
    if (values.before === undefined) throw new UsageError(name, 'missing --before');
    const before = new Date(isoDate(values.before, '--before', name));
    const store = await openCliStore(io);
    try {
      const { pruned, checkpoint } = await pruneAuditLog(store, { before, actor: cliActor });
      io.stdout.write(
        pruned === 0
          ? `Nothing older than ${before.toISOString()} to prune.\n`
          : `Pruned ${pruned} entries; verification now starts from the checkpoint ${checkpoint.seq}:${checkpoint.hash}\n`,
      );
    } finally {
      await store.close();
    }
    return exitCodes.ok;
  },
};
