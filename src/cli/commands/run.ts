import type { Runtime, StartRunInput } from '../../engine/runtime-types.ts';
import type { RunStatus } from '../../journal/events.ts';
import type { RunRecord } from '../../store/store.ts';
import { exitCodes, type CliIo, type Command } from '../command.ts';
import { noticeDemoModels, openCliRuntime } from '../cli-environment.ts';
import { parseCommandLine, requirePositionals, showHelp } from '../parse-arguments.ts';
import { createEventPrinter } from '../print-events.ts';
import { createStyle, shouldColor } from '../style.ts';
import { terminalSafe } from '../terminal-text.ts';
import { stopped as followerStopped } from '../../internal/abort.ts';

const name = 'keel run';

export const runCommand: Command = {
  name: 'run',
  summary: 'start a run of an agent and print its events as they happen',
  help: `Usage: keel run AGENT INPUT [options]

Starts a run of AGENT with INPUT (the user's message). Without --detach the run executes in this
process and its events are printed as they happen.

Options:
  --session S     continue the conversation of session S (default: a new session)
  --user U        the end user the run acts for (default: anonymous)
  --detach        only enqueue the run and print its id; a \`keel worker\` executes it
  --config PATH   config file or directory (default: keel.config.{ts,mts,js,mjs} in the working directory)
  -h, --help      show this help

Exit status: 0 completed, 1 failed or cancelled (or an error), 2 usage error, 3 waiting
(approval, human, budget, ...), 130 interrupted (the run stays resumable by \`keel worker\`).
`,
  async run(argv, io) {
    const { values, positionals } = parseCommandLine(name, argv, {
      session: { type: 'string' },
      user: { type: 'string' },
      detach: { type: 'boolean' },
      config: { type: 'string' },
    });
    if (values.help === true) return showHelp(io, this.help);
    const [agent = '', input = ''] = requirePositionals(name, positionals, ['AGENT', 'INPUT']);
    const cli = await openCliRuntime(io, values.config === undefined ? {} : { configPath: values.config });
    try {
      const start: StartRunInput = {
        agent,
        input,
        ...(values.session === undefined ? {} : { sessionId: values.session }),
        ...(values.user === undefined ? {} : { userId: values.user }),
      };
      if (values.detach === true) {
        const { run } = await cli.runtime.startRun(start);
        io.stdout.write(`${terminalSafe(run.id)}\n`);
        return exitCodes.ok;
      }
      return await runAndPrint(start, cli.runtime, io, () => noticeDemoModels(cli.config, [agent], io));
    } finally {
      await cli.close();
    }
  },
};

/**
 * Runs `input` here (created and claimed in one step, see `Runtime.run`) while following its
 * journal, so events print as they are committed. `onStarted` is called once the run is stored,
 * before its first event prints.
 */
export async function runAndPrint(input: StartRunInput, runtime: Runtime, io: CliIo, onStarted: (run: RunRecord) => void = () => undefined): Promise<number> {
  const style = createStyle(shouldColor(io.stdout, io.env));
  const following = new AbortController();
  let interrupted = false;
  let stopped: () => void = () => undefined;
  const stopping = new Promise<undefined>((resolve) => (stopped = () => resolve(undefined)));
  // Ctrl-C parks the run rather than cancelling it: stop here at a safe point, keep it resumable.
  // Listened for from the start: one that comes while the run is being stored lets its lease go.
  const unsubscribe = io.onSignal(() => {
    if (interrupted) return;
    interrupted = true;
    io.stderr.write('\nstopping: the run stays resumable (keel worker) or can be cancelled (keel runs cancel)\n');
    void runtime.close().finally(() => {
      following.abort(followerStopped);
      stopped();
    });
  });

  let runId: string;
  let final: RunRecord;
  try {
    let created: (run: RunRecord) => void = () => undefined;
    const stored = new Promise<RunRecord>((resolve) => (created = resolve));
    const execution = runtime.run(input, { onStarted: (run) => (onStarted(run), created(run)) }).finally(() => following.abort(followerStopped));
    // After an interrupt the run rests unfinished, which the execution would keep waiting for.
    void execution.catch(() => undefined);
    // The execution fails before the run is stored only when it cannot be started (an unknown agent, say).
    ({ id: runId } = await Promise.race([stored, execution]));
    const printer = createEventPrinter({ write: (text) => io.stdout.write(text), style, runId });
    const tenant = input.tenantId === undefined ? {} : { tenantId: input.tenantId };
    let lastSeq = 0;
    let ended = false;
    const print = async (follow: boolean, signal?: AbortSignal) => {
      for await (const entry of runtime.events(runId, { afterSeq: lastSeq, follow, ...tenant, ...(signal === undefined ? {} : { signal }) })) {
        printer.print(entry);
        lastSeq = entry.seq;
        if (entry.type === 'run-end') ended = true;
      }
    };
    const [settled] = await Promise.all([Promise.race([execution, stopping]), print(true, following.signal)]);
    following.abort(followerStopped);
    final = settled ?? (await runtime.getRun(runId, tenant));
    // Whatever was committed between the last poll and the end of the execution: nothing
    // follows a printed end, so only a follower stopped before it reads again.
    if (!ended) await print(false);
  } finally {
    unsubscribe();
  }

  const dim = (text: string) => style('dim', text);
  const id = terminalSafe(runId);
  if (final.status === 'waiting') {
    io.stdout.write(dim(`run ${id} is waiting (${terminalSafe(final.waitingReason ?? 'unknown reason')}); see it with: keel runs show ${id}\n`));
  } else if (final.status === 'queued' || final.status === 'running') {
    io.stdout.write(dim(`run ${id} is ${final.status}; resume it with: keel worker --until-idle\n`));
  }
  return exitCodeForStatus(final.status, interrupted);
}

/** 0 completed, 1 failed or cancelled, 3 waiting; an unfinished run is an interruption (or a failure). */
export function exitCodeForStatus(status: RunStatus, interrupted = false): number {
  switch (status) {
    case 'completed':
      return exitCodes.ok;
    case 'failed':
    case 'cancelled':
      return exitCodes.failed;
    case 'waiting':
      return exitCodes.waiting;
    default:
      return interrupted ? exitCodes.interrupted : exitCodes.failed;
  }
}
