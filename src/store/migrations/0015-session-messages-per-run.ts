import type { Migration } from './migration.ts';

/*
 * On SQLite, a session's history was stored a message per row: a run's end wrote two rows per
 * tool-calling turn (the model's call and the tool's result), each into the table and its two
 * indexes, so the last commit of a run grew with its length (42 rows for a 20-turn run, measured
 * at about six times a turn's commit). It is now stored a run's messages per row, a JSON array
 * in order (column `messages`): one row per run, whatever its length. `position` orders those
 * rows within the session, as it ordered messages before. Existing rows become one-message
 * arrays, keeping their order.
 *
 * The column is renamed so that a process of an earlier version still open on the file fails
 * loudly on the new rows rather than reading an array as a message: stop older processes before
 * starting this version (docs/adr/0031-session-history-per-run.md).
 *
 * PostgreSQL keeps a row per message: its run end inserts them in one statement (one round trip
 * however many), and its nodes may be upgraded one at a time, which a renamed column would break.
 */
export const sessionMessagesPerRun: Migration = {
  version: 15,
  name: 'session-messages-per-run',
  sql: {
    sqlite: `
ALTER TABLE session_messages RENAME COLUMN message TO messages;
UPDATE session_messages SET messages = '[' || messages || ']';
`,
    postgres: `
SELECT 1;
`,
  },
};
