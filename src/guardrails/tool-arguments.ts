import type { z } from 'zod';
import { defineGuardrail, type Guardrail, type GuardrailContext, type GuardrailVerdict } from '../sdk/define-guardrail.ts';
import { choiceOption, invalidOption } from './support/guardrail-options.ts';

/**
 * One policy on a tool's validated arguments. `field` is a dot path into them (`amountUsd`,
 * `refund.amount`, `items.*.price` for every item); a field that is absent or null passes
 * (whether it is required is the tool's input schema's business). `message` replaces the
 * reason's wording.
 */
export type ArgumentRule =
  /** A numeric cap (or floor): `{ field: 'amountUsd', max: 100 }`. */
  | { field: string; max?: number; min?: number; message?: string }
  /**
   * E-mail addresses only at these domains: `{ field: 'to', emailDomains: ['example.com'] }`. The
   * field may hold an address, a list of them, or a comma-separated line (`Ann <ann@x.com>, …`).
   * `example.com` allows that domain; `*.example.com` its subdomains.
   */
  | { field: string; emailDomains: readonly string[]; message?: string }
  /** Any zod schema (a refinement, say) the arguments must pass: its issues' messages tell the model what is wrong. */
  | { schema: z.ZodType; message?: string }
  /** A predicate of the arguments and the run: `true` passes; `false` fails with `message`; a string fails with that string. */
  | { check: (input: unknown, context: GuardrailContext) => boolean | string | Promise<boolean | string>; message?: string };

export interface ToolArgumentsOptions {
  /** Rules per tool name. */
  rules: Readonly<Record<string, ArgumentRule | readonly ArgumentRule[]>>;
  /** `block` (the default): the call is not run and the model is told what was wrong. `require-approval`: a person decides. */
  action?: 'block' | 'require-approval';
}

const name = 'tool-arguments';

/**
 * Argument policies for tool calls (at `tool-call`), per tool: amount caps, e-mail domain
 * allowlists, zod refinements and predicates on the validated input. Every failing rule is
 * reported at once, so the model can correct the call in one go.
 *
 * @example
 * toolArguments({
 *   rules: {
 *     issue_refund: { field: 'amountUsd', max: 100 },
 *     send_email: [{ field: 'to', emailDomains: ['example.com'] }, { check: (input) => !String((input as { body: string }).body).includes('password') || 'never send passwords' }],
 *     transfer: { schema: z.object({ currency: z.literal('EUR') }), message: 'only EUR transfers are allowed' },
 *   },
 * });
 */
export function toolArguments(options: ToolArgumentsOptions): Guardrail {
  if (typeof options?.rules !== 'object' || options.rules === null || Array.isArray(options.rules))
    throw invalidOption(name, 'rules must map tool names to rules');
  const rules = new Map(Object.entries(options.rules).map(([tool, list]) => [tool, (Array.isArray(list) ? list : [list]) as readonly ArgumentRule[]]));
  for (const [tool, list] of rules) list.forEach((rule, index) => validateRule(rule, `rules.${tool}[${index}]`));
  const action = choiceOption(name, 'action', options.action, ['block', 'require-approval']);
  return defineGuardrail({
    name,
    boundaries: ['tool-call'],
    async check(subject, context): Promise<GuardrailVerdict> {
      if (subject.boundary !== 'tool-call') return { verdict: 'allow' };
      const list = rules.get(subject.call.toolName);
      if (list === undefined) return { verdict: 'allow' };
      const problems: string[] = [];
      for (const rule of list) problems.push(...(await failures(rule, subject.call.input, context)));
      if (problems.length === 0) return { verdict: 'allow' };
      const reason = `${subject.call.toolName} was not run: ${problems.join('; ')}.`;
      return action === 'require-approval'
        ? { verdict: 'require-approval', reason: `${subject.call.toolName} needs a person's approval: ${problems.join('; ')}.` }
        : { verdict: 'block', reason: `${reason} Correct the arguments, or tell the user why it cannot be done.` };
    },
  });
}

function validateRule(rule: ArgumentRule, where: string): void {
  if (typeof rule !== 'object' || rule === null) throw invalidOption(name, `${where} must be a rule object`);
  if ('schema' in rule) {
    if (typeof (rule.schema as { safeParseAsync?: unknown })?.safeParseAsync !== 'function') throw invalidOption(name, `${where}.schema must be a zod schema`);
    return;
  }
  if ('check' in rule) {
    if (typeof rule.check !== 'function') throw invalidOption(name, `${where}.check must be a function`);
    return;
  }
  if (typeof rule.field !== 'string' || rule.field === '') throw invalidOption(name, `${where} needs a field, a schema or a check`);
  if ('emailDomains' in rule) {
    if (
      !Array.isArray(rule.emailDomains) ||
      !rule.emailDomains.every((domain) => typeof domain === 'string' && /^(?:\*\.)?[a-z0-9.-]+\.[a-z]{2,}$/i.test(domain))
    ) {
      throw invalidOption(name, `${where}.emailDomains must be a list of domains (example.com, *.example.com)`);
    }
    return;
  }
  const { max, min } = rule as { max?: unknown; min?: unknown };
  if (max === undefined && min === undefined) throw invalidOption(name, `${where} needs max, min or emailDomains`);
  for (const [key, value] of [
    ['max', max],
    ['min', min],
  ] as const) {
    if (value !== undefined && !(typeof value === 'number' && Number.isFinite(value))) throw invalidOption(name, `${where}.${key} must be a number`);
  }
}

async function failures(rule: ArgumentRule, input: unknown, context: GuardrailContext): Promise<string[]> {
  if ('schema' in rule) {
    const parsed = await rule.schema.safeParseAsync(input);
    if (parsed.success) return [];
    return rule.message !== undefined
      ? [rule.message]
      : parsed.error.issues.map((issue) => `${issue.path.length > 0 ? `${issue.path.join('.')}: ` : ''}${issue.message}`);
  }
  if ('check' in rule) {
    const verdict = await rule.check(input, context);
    if (verdict === true) return [];
    return [typeof verdict === 'string' && verdict.trim() !== '' ? verdict : (rule.message ?? 'the arguments break a rule of this tool')];
  }
  const found = valuesAt(input, rule.field.split('.'));
  const problems: string[] = [];
  for (const { path, value } of found) {
    const problem = 'emailDomains' in rule ? emailProblem(path, value, rule.emailDomains) : numberProblem(path, value, rule);
    if (problem !== undefined) problems.push(rule.message ?? problem);
  }
  return [...new Set(problems)];
}

function numberProblem(path: string, value: unknown, rule: { max?: number; min?: number }): string | undefined {
  if (typeof value !== 'number' || !Number.isFinite(value)) return `${path} must be a number`;
  if (rule.max !== undefined && value > rule.max) return `${path} is ${value}, above the limit of ${rule.max}`;
  if (rule.min !== undefined && value < rule.min) return `${path} is ${value}, below the minimum of ${rule.min}`;
  return undefined;
}

function emailProblem(path: string, value: unknown, domains: readonly string[]): string | undefined {
  const addresses = (Array.isArray(value) ? value : [value]).flatMap((item) => (typeof item === 'string' ? item.split(/[,;]/) : [item]));
  for (const address of addresses) {
    if (typeof address !== 'string') return `${path} must hold e-mail addresses`;
    const trimmed = address.trim();
    if (trimmed === '') continue;
    const bare = /<([^<>]+)>\s*$/.exec(trimmed)?.[1]?.trim() ?? trimmed;
    const at = bare.lastIndexOf('@');
    if (at <= 0 || at === bare.length - 1) return `${path}: "${bare}" is not an e-mail address`;
    const domain = bare
      .slice(at + 1)
      .toLowerCase()
      .replace(/\.$/, '');
    const allowed = domains.some((entry) => {
      const wanted = entry.toLowerCase();
      return wanted.startsWith('*.') ? domain.endsWith(wanted.slice(1)) : domain === wanted;
    });
    if (!allowed) return `${path}: e-mail to the domain ${domain} is not allowed (allowed: ${domains.join(', ')})`;
  }
  return undefined;
}

/** The values at a dot path, `*` standing for every element of a list (or value of an object); each with its concrete path. */
function valuesAt(input: unknown, segments: readonly string[], prefix = ''): Array<{ path: string; value: unknown }> {
  if (segments.length === 0) return input === undefined || input === null ? [] : [{ path: prefix, value: input }];
  if (typeof input !== 'object' || input === null) return [];
  const [head, ...rest] = segments as [string, ...string[]];
  const join = (key: string) => (prefix === '' ? key : `${prefix}.${key}`);
  if (head === '*') {
    const entries = Array.isArray(input) ? input.map((value, index) => [String(index), value] as const) : Object.entries(input);
    return entries.flatMap(([key, value]) => valuesAt(value, rest, join(key)));
  }
  if (!Object.hasOwn(input, head)) return [];
  return valuesAt((input as Record<string, unknown>)[head], rest, join(head));
}
