import type { JournalEvent } from './events.ts';

/** What a run starts from: the fields of `createRun`'s input, which its record keeps too. */
export interface RunStartFields {
  agent: string;
  input: string;
  sessionId: string;
  userId: string;
  metadata?: Record<string, unknown>;
}

/**
 * A run's `run-start` event (seq 1). The stores write it from `createRun`'s input; the engine
 * builds the same event from the run's record, which keeps `{}` for no metadata, so metadata is
 * in the event only when it holds something: both give this very event.
 *
 * @example
 * runStartEvent({ agent: 'support', input: 'Where is my order?', sessionId, userId }); // { type: 'run-start', … }
 */
export function runStartEvent(fields: RunStartFields): JournalEvent {
  return {
    type: 'run-start',
    agent: fields.agent,
    input: fields.input,
    sessionId: fields.sessionId,
    userId: fields.userId,
    ...(fields.metadata === undefined || Object.keys(fields.metadata).length === 0 ? {} : { metadata: fields.metadata }),
  };
}
