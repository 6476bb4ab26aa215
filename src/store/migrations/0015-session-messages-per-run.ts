import type { Migration } from './migration.ts';

/*
 * A session's history was stored a message per row: a run's end wrote two rows per tool-calling
 * turn (the model's call and the tool's result), each into the table and its two indexes, so the
 * last commit of a run grew with its length (42 rows for a 20-turn run, measured at about five
 * times a turn's commit on SQLite). It is now stored a run's messages per row, a JSON array in
 * order: one row per run, whatever its length. `position` orders those rows within the session,
 * as it ordered messages before. Existing rows become one-message arrays, keeping their order.
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
ALTER TABLE session_messages RENAME COLUMN message TO messages;
UPDATE session_messages SET messages = json_build_array(messages);
`,
  },
};
