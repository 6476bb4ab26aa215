import { KeelError } from '../errors/index.ts';
import type { AgentDefinition } from './define-agent.ts';

export interface ProviderSettings {
  /** Base URL of an OpenAI-compatible endpoint, for `openai-compatible:<model>` strings. */
  openaiCompatible?: { baseURL: string; apiKey?: string; name?: string };
  openai?: { baseURL?: string; apiKey?: string };
  anthropic?: { baseURL?: string; apiKey?: string };
}

export interface ConfigOptions {
  agents: AgentDefinition[];
  providers?: ProviderSettings;
}

export interface KeelConfig {
  readonly kind: 'keel.config';
  readonly agents: ReadonlyMap<string, AgentDefinition>;
  readonly providers: ProviderSettings;
}

/**
 * The default export of `keel.config.ts`.
 *
 * @example
 * export default defineConfig({ agents: [support] });
 */
export function defineConfig(options: ConfigOptions): KeelConfig {
  if (options === null || typeof options !== 'object' || !Array.isArray(options.agents)) {
    throw new KeelError({ code: 'CONFIG_INVALID', message: 'defineConfig() needs { agents: [...] }' });
  }
  const agents = new Map<string, AgentDefinition>();
  for (const agent of options.agents) {
    if (agent?.kind !== 'keel.agent') {
      throw new KeelError({ code: 'CONFIG_INVALID', message: 'every entry of agents must come from defineAgent()' });
    }
    if (agents.has(agent.name)) {
      throw new KeelError({ code: 'CONFIG_INVALID', message: `two agents are named "${agent.name}"` });
    }
    agents.set(agent.name, agent);
  }
  return { kind: 'keel.config', agents, providers: options.providers ?? {} };
}
