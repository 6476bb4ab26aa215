import type { JournalEntry } from '../../src/journal/events.ts';
import type { AgentDefinition } from '../../src/sdk/define-agent.ts';
import type { FakeModelServer } from '../../src/testing/index.ts';
import { createTestRuntime, type TestRuntime, type TestRuntimeOptions } from '../../src/testing/test-runtime.ts';

/** A test runtime whose `openai:` and `anthropic:` models talk to the fake server. */
export async function runtimeAgainst(server: FakeModelServer, agents: AgentDefinition[], options: Partial<TestRuntimeOptions> = {}): Promise<TestRuntime> {
  return await createTestRuntime({
    agents,
    providers: { openai: { baseURL: server.openaiBaseURL, apiKey: 'test' }, anthropic: { baseURL: server.anthropicBaseURL, apiKey: 'test' } },
    ...options,
  });
}

export function ofType<T extends JournalEntry['type']>(journal: JournalEntry[], type: T): Array<Extract<JournalEntry, { type: T }>> {
  return journal.filter((entry): entry is Extract<JournalEntry, { type: T }> => entry.type === type);
}

/** The two wire protocols, each as the primary model of an agent. */
export const wireProtocols = [
  { name: 'OpenAI', model: 'openai:gpt-4o-mini', other: 'anthropic:claude-haiku-4-5', path: '/v1/responses', otherPath: '/v1/messages' },
  { name: 'Anthropic', model: 'anthropic:claude-haiku-4-5', other: 'openai:gpt-4o-mini', path: '/v1/messages', otherPath: '/v1/responses' },
] as const;
