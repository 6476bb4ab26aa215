import { open, rename, rm } from 'node:fs/promises';
import { resolve } from 'node:path';
import { feedbackEvalCases, type FeedbackExportOptions } from '../../oversight/feedback-export.ts';
import { exitCodes, UsageError, type Command } from '../command.ts';
import { cliTenantId, openCliStore } from '../cli-environment.ts';
import { parseChoice, parseCommandLine, requirePositionals, showHelp } from '../parse-arguments.ts';
import { terminalSafe } from '../terminal-text.ts';

const name = 'keel feedback export';

export const feedbackExportCommand: Command = {
  name: 'export',
  summary: 'write rated runs as evaluation cases (JSONL)',
  help: `Usage: keel feedback export [--format jsonl] [options]

Writes the end users' ratings of runs as evaluation cases, one JSON object per line, most
recently rated first:

  { "input", "expectedOutput" (the user's correction, when given), "output" (the run's answer),
    "rating" (1 or -1), "comment", "runId", "agent", "metadata" }

input, expectedOutput and metadata are Langfuse's dataset item fields, so the file uploads as a
dataset as it is. Runs erased with their session are left out.

Options:
  --format F      jsonl (the only format)
  --agent A       only ratings of agent A's runs
  --rating R      only ratings R (1 or -1)
  --since DATE    only ratings given or changed at or after DATE (2030-01-31 or an ISO 8601 time)
  --out FILE      write to FILE (replaced whole once complete) instead of stdout
  --tenant T      in tenant T (default "${cliTenantId}")
  -h, --help      show this help
`,
  async run(argv, io) {
    const { values, positionals } = parseCommandLine(name, argv, {
      format: { type: 'string' },
      agent: { type: 'string' },
      rating: { type: 'string' },
      since: { type: 'string' },
      out: { type: 'string' },
      tenant: { type: 'string' },
    });
    if (values.help === true) return showHelp(io, this.help);
    requirePositionals(name, positionals, []);
    parseChoice(name, '--format', values.format, ['jsonl'] as const);
    const rating = parseChoice(name, '--rating', values.rating, ['1', '-1'] as const);
    if (values.tenant !== undefined && values.tenant.trim() === '') throw new UsageError(name, '--tenant needs a tenant id');
    if (values.out !== undefined && values.out.trim() === '') throw new UsageError(name, '--out needs a file name');
    const options: FeedbackExportOptions = {
      tenantId: values.tenant ?? cliTenantId,
      ...(values.agent === undefined ? {} : { agent: values.agent }),
      ...(rating === undefined ? {} : { rating: rating === '1' ? 1 : -1 }),
      ...(values.since === undefined ? {} : { since: parseSince(values.since) }),
    };
    const store = await openCliStore(io);
    try {
      const cases = feedbackEvalCases(store, options);
      if (values.out === undefined) {
        for await (const evalCase of cases) io.stdout.write(`${JSON.stringify(evalCase)}\n`);
        return exitCodes.ok;
      }
      const path = resolve(io.cwd, values.out);
      const written = await writeLines(path, cases);
      io.stderr.write(`wrote ${written} eval case${written === 1 ? '' : 's'} to ${terminalSafe(path)}\n`);
    } finally {
      await store.close();
    }
    return exitCodes.ok;
  },
};

/** A calendar date (midnight UTC) or an ISO 8601 time with its zone. */
function parseSince(value: string): Date {
  const dateOnly = /^\d{4}-\d{2}-\d{2}$/.test(value);
  const dateTime = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/.test(value);
  const parsed = dateOnly || dateTime ? new Date(dateOnly ? `${value}T00:00:00Z` : value) : undefined;
  if (parsed === undefined || Number.isNaN(parsed.getTime())) {
    throw new UsageError(name, `--since takes a date (2030-01-31) or an ISO 8601 time with its zone (2030-01-31T09:00:00Z), got "${value}"`);
  }
  return parsed;
}

/**
 * Writes the lines to a temporary file beside `path` and renames it into place once complete, so
 * an interrupted export never leaves a truncated file where a complete one is expected.
 */
async function writeLines(path: string, cases: AsyncIterable<unknown>): Promise<number> {
  const temporary = `${path}.${process.pid}.partial`;
  const file = await open(temporary, 'w');
  let written = 0;
  try {
    for await (const evalCase of cases) {
      await file.write(`${JSON.stringify(evalCase)}\n`);
      written += 1;
    }
    await file.close();
    await rename(temporary, path);
  } catch (error) {
    await file.close().catch(() => undefined);
    await rm(temporary, { force: true });
    throw error;
  }
  return written;
}
