import { exitCodes, UsageError, type Command } from '../command.ts';
import { openCliRuntime } from '../cli-environment.ts';
import { parseCommandLine, requirePositionals, showHelp } from '../parse-arguments.ts';
import type { OutcomeResolution } from '../../engine/resolve-outcome.ts';
import { parseTenantScope, runTenant, tenantScopeHelp, tenantScopeOptions } from '../tenant-scope.ts';
import { terminalSafe } from '../terminal-text.ts';

const name = 'keel runs resolve';

export const runsResolveCommand: Command = {
  name: 'resolve',
  summary: 'settle an unsafe call whose outcome a crash left unknown',
  help: `Usage: keel runs resolve ID --call CALL_ID (--completed JSON | --failed MESSAGE | --rerun) [options]

A run waits with reason outcome-unknown when a process died while an unsafe tool call was in
flight and the tool has no reconcile hook. Find out in the downstream system what happened (the
run's waiting details name the call and its idempotency key), then say so here:

  --completed JSON   it took effect; JSON is what the tool would have returned
  --failed MESSAGE   it failed; the model is told MESSAGE
  --rerun            it never took effect; run the call once more

Once every unknown call of the run is settled, the run is queued and any worker resumes it.

Options:
  --call CALL_ID  the tool call to settle
  --actor NAME    who decided (journaled)
${tenantScopeHelp('find the run by its id in whichever tenant holds it')}  --config PATH   config file or directory (default: keel.config.* in the working directory)
  -h, --help      show this help
`,
  async run(argv, io) {
    const { values, positionals } = parseCommandLine(name, argv, {
      call: { type: 'string' },
      completed: { type: 'string' },
      failed: { type: 'string' },
      rerun: { type: 'boolean' },
      actor: { type: 'string' },
      ...tenantScopeOptions,
      config: { type: 'string' },
    });
    if (values.help === true) return showHelp(io, this.help);
    const [runId = ''] = requirePositionals(name, positionals, ['ID']);
    const resolution = toResolution(values);
    const scope = parseTenantScope(name, values);
    const cli = await openCliRuntime(io, values.config === undefined ? {} : { configPath: values.config });
    try {
      const tenantId = await runTenant(cli.runtime.store, scope, runId);
      const run = await cli.runtime.resolveToolOutcome(runId, [resolution], { tenantId, ...(values.actor === undefined ? {} : { actor: values.actor }) });
      const id = terminalSafe(run.id);
      io.stdout.write(run.status === 'queued' ? `${id} queued: a worker resumes it\n` : `${id} still waiting: other calls' outcomes are unknown\n`);
    } finally {
      await cli.close();
    }
    return exitCodes.ok;
  },
};

function toResolution(values: { call?: string; completed?: string; failed?: string; rerun?: boolean }): OutcomeResolution {
  if (values.call === undefined || values.call === '') throw new UsageError(name, '--call CALL_ID is required');
  const chosen = [values.completed !== undefined, values.failed !== undefined, values.rerun === true].filter(Boolean).length;
  if (chosen !== 1) throw new UsageError(name, 'give exactly one of --completed JSON, --failed MESSAGE, --rerun');
  if (values.rerun === true) return { callId: values.call, outcome: 'rerun' };
  if (values.failed !== undefined) return { callId: values.call, outcome: 'failed', message: values.failed };
  try {
    return { callId: values.call, outcome: 'completed', output: JSON.parse(values.completed ?? 'null') as unknown };
  } catch {
    throw new UsageError(name, '--completed takes the tool\'s output as JSON, e.g. --completed \'{"refundId":"r_1"}\'');
  }
}
