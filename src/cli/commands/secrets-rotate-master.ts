import { cliActor } from '../../vault/audit-log.ts';
import { rotateMasterKey } from '../../vault/rotate-master-key.ts';
import { exitCodes, type Command } from '../command.ts';
import { parseCommandLine, parsePositiveInteger, requirePositionals, showHelp } from '../parse-arguments.ts';
import { openCliVault } from '../vault/cli-vault.ts';

const name = 'keel secrets rotate-master';

export const secretsRotateMasterCommand: Command = {
  name: 'rotate-master',
  summary: 're-wrap every secret under the current master key',
  help: `Usage: keel secrets rotate-master [--batch-size N] [--pause-ms N]

Re-wraps every secret's data key under the current master key (the first entry of
KEEL_MASTER_KEY) without decrypting any secret. To rotate: put the new key first, keeping the
old one ("2:NEWKEY,1:OLDKEY"), run this, then drop the old entry. Safe to interrupt: each secret
records its key version, so running it again continues where it stopped. Secrets set meanwhile
are sealed under the current key already.

Options:
  --batch-size N   secrets per batch (default 100)
  --pause-ms N     pause between batches, to spread the load (default 0)
  -h, --help       show this help
`,
  async run(argv, io) {
    const { values, positionals } = parseCommandLine(name, argv, { 'batch-size': { type: 'string' }, 'pause-ms': { type: 'string' } });
    if (values.help === true) return showHelp(io, this.help);
    requirePositionals(name, positionals, []);
    const batchSize = parsePositiveInteger(name, '--batch-size', values['batch-size']) ?? 100;
    const pauseMs = values['pause-ms'] === undefined ? 0 : (parsePositiveInteger(name, '--pause-ms', values['pause-ms']) ?? 0);
    const { store, vault } = await openCliVault(io);
    try {
      const result = await rotateMasterKey({
        store,
        keyring: vault.keyring,
        actor: cliActor,
        batchSize,
        pauseMs,
        // One line per batch: a progress bar on a terminal would hide how far an interrupted run got.
        onProgress: (progress) => io.stderr.write(`re-wrapped ${progress.rewrapped} secret(s) in ${progress.batches} batch(es)\n`),
      });
      io.stdout.write(
        result.rewrapped === 0
          ? `Every secret is already on master key version ${result.keyVersion}\n`
          : `Re-wrapped ${result.rewrapped} secret(s) to master key version ${result.keyVersion}; older KEEL_MASTER_KEY entries can now be dropped\n`,
      );
    } finally {
      await store.close();
    }
    return exitCodes.ok;
  },
};
