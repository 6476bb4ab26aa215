import { openStore } from '../../store/open-store.ts';
import { exitCodes, type Command } from '../command.ts';
import { databaseUrl, displayDatabaseUrl } from '../cli-environment.ts';
import { parseCommandLine, requirePositionals, showHelp } from '../parse-arguments.ts';

const name = 'keel migrate';

export const migrateCommand: Command = {
  name: 'migrate',
  summary: 'apply pending store migrations',
  help: `Usage: keel migrate

Applies pending migrations to the database in KEEL_DATABASE_URL (default sqlite:./.keel/keel.db).
Safe to run again and from several processes at once. Other commands migrate automatically.

Options:
  -h, --help   show this help
`,
  async run(argv, io) {
    const { values, positionals } = parseCommandLine(name, argv, {});
    if (values.help === true) return showHelp(io, this.help);
    requirePositionals(name, positionals, []);
    const url = databaseUrl(io);
    const store = await openStore(url);
    try {
      const before = await store.isMigrated();
      await store.migrate();
      io.stdout.write(`${displayDatabaseUrl(url)}: ${before ? 'already up to date' : 'migrations applied'}\n`);
    } finally {
      await store.close();
    }
    return exitCodes.ok;
  },
};
