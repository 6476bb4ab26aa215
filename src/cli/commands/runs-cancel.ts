import { exitCodes, type Command } from '../command.ts';
import { openCliRuntime } from '../cli-environment.ts';
import { parseCommandLine, requirePositionals, showHelp } from '../parse-arguments.ts';
import { parseTenantScope, runTenant, tenantScopeHelp, tenantScopeOptions } from '../tenant-scope.ts';
import { terminalSafe } from '../terminal-text.ts';

const name = 'keel runs cancel';

export const runsCancelCommand: Command = {
  name: 'cancel',
  summary: 'cancel a run that has not ended',
  help: `Usage: keel runs cancel ID [options]

Cancels a run. A run nobody is executing ends at once; a run another process is executing stops
at that process's next lease heartbeat.

Options:
${tenantScopeHelp('find the run by its id in whichever tenant holds it')}  --config PATH   config file or directory (default: keel.config.* in the working directory)
  -h, --help      show this help
`,
  async run(argv, io) {
    const { values, positionals } = parseCommandLine(name, argv, { ...tenantScopeOptions, config: { type: 'string' } });
    if (values.help === true) return showHelp(io, this.help);
    const [runId = ''] = requirePositionals(name, positionals, ['ID']);
    const scope = parseTenantScope(name, values);
    const cli = await openCliRuntime(io, values.config === undefined ? {} : { configPath: values.config });
    try {
      const run = await cli.runtime.cancelRun(runId, { tenantId: await runTenant(cli.runtime.store, scope, runId) });
      const id = terminalSafe(run.id);
      if (run.status === 'cancelled') io.stdout.write(`${id} cancelled\n`);
      else io.stdout.write(`${id} cancellation requested (status ${run.status}): the process executing it stops it shortly\n`);
    } finally {
      await cli.close();
    }
    return exitCodes.ok;
  },
};
