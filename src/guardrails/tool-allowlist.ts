import { defineGuardrail, type Guardrail, type GuardrailContext, type GuardrailVerdict } from '../sdk/define-guardrail.ts';
import { invalidOption, stringListOption } from './support/guardrail-options.ts';

/** A list of tool names, or a function of the run choosing one (`undefined`: no restriction from it). */
export type ToolList = readonly string[] | ((context: GuardrailContext) => readonly string[] | undefined);

export interface ToolAllowlistOptions {
  /**
   * The tools that may run. A list, or a function of the run (`(context) => …`, which can read
   * `context.agent`, so one list in `defineConfig({ guardrails })` can differ per agent).
   */
  tools: ToolList;
  /**
   * Narrower lists for some tenants: `{ acme: ['lookup_order'] }`, or a function of the run
   * returning a list (or `undefined` for no tenant restriction). A call runs only when both
   * `tools` and the tenant's list allow it: a tenant's list narrows, it never widens.
   */
  byTenant?: Readonly<Record<string, readonly string[]>> | ((context: GuardrailContext) => readonly string[] | undefined);
}

const name = 'tool-allowlist';

/**
 * Only listed tools run (at `tool-call`): a call of any other is refused before it runs and the
 * model is told the tool is not available, so it can answer without it.
 *
 * @example
 * toolAllowlist({ tools: ['lookup_order', 'issue_refund'], byTenant: { acme: ['lookup_order'] } });
 * toolAllowlist({ tools: (context) => (context.agent === 'support' ? ['lookup_order'] : []) });
 */
export function toolAllowlist(options: ToolAllowlistOptions): Guardrail {
  const tools = listOption(options?.tools, 'tools');
  if (tools === undefined) throw invalidOption(name, 'tools is required: a list of tool names, or a function of the run');
  const byTenant = tenantOption(options.byTenant);
  return defineGuardrail({
    name,
    boundaries: ['tool-call'],
    check(subject, context): GuardrailVerdict {
      if (subject.boundary !== 'tool-call') return { verdict: 'allow' };
      const { toolName } = subject.call;
      const allowed = typeof tools === 'function' ? tools(context) : tools;
      if (allowed !== undefined && !allowed.includes(toolName)) {
        return { verdict: 'block', reason: `The tool ${toolName} is not allowed for this agent. Do not call it again; answer without it.` };
      }
      const forTenant = byTenant === undefined ? undefined : typeof byTenant === 'function' ? byTenant(context) : byTenant[context.tenantId];
      if (forTenant !== undefined && !forTenant.includes(toolName)) {
        return { verdict: 'block', reason: `The tool ${toolName} is not enabled for this account. Do not call it again; answer without it.` };
      }
      return { verdict: 'allow' };
    },
  });
}

function listOption(value: unknown, option: string): ToolList | undefined {
  if (value === undefined) return undefined;
  if (typeof value === 'function') return value as ToolList;
  if (Array.isArray(value) && value.length === 0) return [];
  return stringListOption(name, option, value);
}

function tenantOption(value: ToolAllowlistOptions['byTenant']): ToolAllowlistOptions['byTenant'] {
  if (value === undefined || typeof value === 'function') return value;
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw invalidOption(name, 'byTenant must map tenant ids to lists of tool names, or be a function');
  return Object.fromEntries(
    Object.entries(value).map(([tenant, list]) => [tenant, Array.isArray(list) && list.length === 0 ? [] : stringListOption(name, `byTenant.${tenant}`, list)]),
  );
}
