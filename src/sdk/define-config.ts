import { alertSettingsProblems, type AlertSettings } from '../cost/alert-settings.ts';
import { KeelError } from '../errors/index.ts';
import { pricingProblems } from '../gateway/pricing/validate-pricing.ts';
import type { PricingOverrides } from '../gateway/pricing/types.ts';
import type { ProviderSettings } from '../gateway/provider-settings.ts';
import { checkOAuthSettings, type OAuthProviderSettings, type OAuthSettings } from '../vault/oauth-settings.ts';
import type { AgentDefinition } from './define-agent.ts';
import { boundaryOptionNames, guardrailProblems, type AgentGuardrails } from './define-guardrail.ts';

export interface ConfigOptions {
  agents: AgentDefinition[];
  providers?: ProviderSettings;
  /**
   * Prices for models the built-in catalogue lacks or prices differently (fine-tunes, local
   * models, negotiated rates), keyed `provider:modelId`, in USD per million tokens.
   */
  pricing?: PricingOverrides;
  /** Spend alerts: the webhook they go to and when they fire (budget thresholds, cost spikes). */
  alerts?: AlertSettings;
  /** Guardrails every agent gets, before its own (by boundary). */
  guardrails?: AgentGuardrails;
  /** Human oversight: where approval reminders and new escalations are POSTed (default: `KEEL_OVERSIGHT_WEBHOOK_URL`). */
  oversight?: { webhookUrl?: string };
  /**
   * OAuth 2.0 providers end users connect their accounts from (`GET /v1/oauth/{provider}/start`).
   * A provider's name is the credential its tokens are stored under: a tool that declares it in
   * `credentials` gets the user's access token, refreshed when it has expired.
   */
  oauth?: OAuthSettings;
}

export interface KeelConfig {
  readonly kind: 'keel.config';
  readonly agents: ReadonlyMap<string, AgentDefinition>;
  readonly providers: ProviderSettings;
  readonly pricing: PricingOverrides;
  readonly alerts: AlertSettings;
  readonly oversight: { webhookUrl?: string };
  /** OAuth providers by name. */
  readonly oauth: ReadonlyMap<string, OAuthProviderSettings>;
}

/**
 * The default export of `keel.config.ts`.
 *
 * @example
 * export default defineConfig({
 *   agents: [support],
 *   pricing: { 'openai:ft:gpt-4o-mini:acme::abc123': { inputPerMTok: 0.3, outputPerMTok: 1.2, cachedInputPerMTok: 0.15 } },
 *   alerts: { webhookUrl: 'https://hooks.example.com/keel', budgetThresholds: [0.8, 1] },
 * });
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
    agents.set(agent.name, withDefaultGuardrails(agent, options.guardrails));
  }
  const problems = [
    ...guardrailProblems(options.guardrails, 'defineConfig()'),
    ...(options.oversight?.webhookUrl !== undefined && !/^https?:\/\//.test(options.oversight.webhookUrl)
      ? ['oversight.webhookUrl must be an http(s) URL']
      : []),
    ...(options.pricing === undefined ? [] : pricingProblems(options.pricing)),
    ...(options.alerts === undefined ? [] : alertSettingsProblems(options.alerts)),
  ];
  if (problems.length > 0) throw new KeelError({ code: 'CONFIG_INVALID', message: `defineConfig(): ${problems.join('; ')}` });
  return {
    kind: 'keel.config',
    agents,
    providers: options.providers ?? {},
    pricing: options.pricing ?? {},
    alerts: options.alerts ?? {},
    oversight: options.oversight ?? {},
    oauth: checkOAuthSettings(options.oauth),
  };
}

/** The agent with the config's guardrails before its own, boundary by boundary. */
function withDefaultGuardrails(agent: AgentDefinition, defaults: AgentGuardrails | undefined): AgentDefinition {
  if (defaults === undefined) return agent;
  const merged: AgentGuardrails = {};
  for (const option of Object.values(boundaryOptionNames)) {
    const list = [...(defaults[option] ?? []), ...(agent.guardrails[option] ?? [])];
    if (list.length > 0) merged[option] = list;
  }
  const loopDetection = agent.guardrails.loopDetection ?? defaults.loopDetection;
  if (loopDetection !== undefined) merged.loopDetection = loopDetection;
  return { ...agent, guardrails: merged };
}

/**
 * Whether the config needs the vault: a tool that declares `credentials`, or an OAuth provider.
 * `keel start` refuses to start such a config without `KEEL_MASTER_KEY`.
 *
 * @example
 * if (configUsesVault(config) && !process.env.KEEL_MASTER_KEY) throw new Error('set KEEL_MASTER_KEY');
 */
export function configUsesVault(config: KeelConfig): boolean {
  if (config.oauth.size > 0) return true;
  return [...config.agents.values()].some((agent) => agent.tools.some((tool) => tool.credentials.length > 0));
}
