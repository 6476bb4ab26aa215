import { exitCodes, type Command } from '../command.ts';
import { noticeDemoModels, openCliRuntime } from '../cli-environment.ts';
import { describeSettled, observeSettledRuns } from '../settled-runs.ts';
import { parseCommandLine, parsePositiveInteger, requirePositionals, showHelp } from '../parse-arguments.ts';
import { createStyle, shouldColor } from '../style.ts';
import { terminalSafe } from '../terminal-text.ts';

const name = 'keel worker';

export const workerCommand: Command = {
  name: 'worker',
  summary: 'claim and execute queued and interrupted runs',
  help: `Usage: keel worker [options]

Claims runnable runs (queued ones, and runs interrupted by a crash once their lease expires) and
executes them, printing one line per run it finishes or parks. Stops gracefully on SIGINT or
SIGTERM: no new claims, in-flight steps finish or park, leases are released.

Options:
  --until-idle      exit once nothing runnable is left
  --concurrency N   runs executed at once (default 8)
  --config PATH     config file or directory (default: keel.config.* in the working directory)
  -h, --help        show this help
`,
  async run(argv, io) {
    const { values, positionals } = parseCommandLine(name, argv, {
      'until-idle': { type: 'boolean' },
      concurrency: { type: 'string' },
      config: { type: 'string' },
    });
    if (values.help === true) return showHelp(io, this.help);
    requirePositionals(name, positionals, []);
    const concurrency = parsePositiveInteger(name, '--concurrency', values.concurrency);
    const style = createStyle(shouldColor(io.stdout, io.env));
    const cli = await openCliRuntime(io, {
      ...(values.config === undefined ? {} : { configPath: values.config }),
      observers: [observeSettledRuns((settled) => io.stdout.write(`${describeSettled(settled, style)}\n`))],
    });
    let signalled = false;
    try {
      noticeDemoModels(cli.config, [...cli.config.agents.keys()], io);
      const worker = cli.runtime.startWorker({
        ...(concurrency === undefined ? {} : { concurrency }),
        untilIdle: values['until-idle'] === true,
      });
      const unsubscribe = io.onSignal((signal) => {
        if (signalled) return;
        signalled = true;
        io.stderr.write(`\n${signal}: stopping (finishing or parking in-flight steps, releasing leases)\n`);
        void worker.stop();
      });
      io.stderr.write(`${terminalSafe(`worker started (${cli.configPath}, agents: ${[...cli.config.agents.keys()].join(', ')})`)}\n`);
      try {
        await worker.done;
      } finally {
        unsubscribe();
      }
    } finally {
      await cli.close();
    }
    // A stop asked for by a signal is the normal way a long-running worker ends.
    return exitCodes.ok;
  },
};
