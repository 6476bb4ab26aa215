import { defineGuardrail, type Guardrail, type GuardrailVerdict } from '../sdk/define-guardrail.ts';
import { stringListOption } from './support/guardrail-options.ts';

export interface ToolResultShapeOptions {
  /** Tools whose results are HTML on purpose (a page fetcher): their HTML is data, not an error page. */
  htmlTools?: readonly string[];
}

const name = 'tool-result-shape';

/**
 * "This is not what was promised" (at `tool-result`): results that are an upstream's failure
 * dressed as data are withheld, and the model gets an error saying what came back instead, so it
 * neither reads an error page as facts nor retries blindly on garbage. Blocked:
 *
 * - an HTML page: a string starting with `<!DOCTYPE` or `<html` (a proxy's 502 page, a login
 *   page), unless the tool is one of `htmlTools`;
 * - a JSON payload cut short, or malformed: a string starting with `{` or `[` that does not parse;
 * - an empty body: a blank string, or no value at all from a tool whose `outputSchema` promises one;
 * - text where the `outputSchema` promises JSON (an object, a list, a number or a boolean).
 *
 * Results that are errors already pass through as they are.
 *
 * @example
 * defineAgent({ ..., guardrails: { toolResult: [toolResultShape({ htmlTools: ['fetch_page'] })] } });
 */
export function toolResultShape(options: ToolResultShapeOptions = {}): Guardrail {
  const htmlTools = new Set(options.htmlTools === undefined ? [] : stringListOption(name, 'htmlTools', options.htmlTools));
  return defineGuardrail({
    name,
    boundaries: ['tool-result'],
    check(subject): GuardrailVerdict {
      if (subject.boundary !== 'tool-result' || subject.error !== undefined) return { verdict: 'allow' };
      const { toolName, outputSchema } = subject.call;
      const promised = promisedTypes(outputSchema);
      const problem = shapeProblem(subject.output, promised, htmlTools.has(toolName));
      if (problem === undefined) return { verdict: 'allow' };
      return {
        verdict: 'block',
        reason: `The result of ${toolName} is not what the tool promises: ${problem}. Treat the call as failed; do not use its result as data.`,
      };
    },
  });
}

const jsonTypes = new Set(['object', 'array', 'number', 'integer', 'boolean']);

/** The JSON types an output schema allows (`undefined`: no schema, or one that says nothing of the type). */
function promisedTypes(schema: Record<string, unknown> | undefined): Set<string> | undefined {
  if (schema === undefined) return undefined;
  const { type } = schema;
  if (typeof type === 'string') return new Set([type]);
  if (Array.isArray(type)) return new Set(type.filter((item): item is string => typeof item === 'string'));
  for (const key of ['anyOf', 'oneOf'] as const) {
    const options = schema[key];
    if (Array.isArray(options)) {
      const union = new Set<string>();
      for (const option of options) {
        const types = typeof option === 'object' && option !== null ? promisedTypes(option as Record<string, unknown>) : undefined;
        if (types === undefined) return undefined;
        for (const each of types) union.add(each);
      }
      return union;
    }
  }
  return undefined;
}

function shapeProblem(output: unknown, promised: Set<string> | undefined, htmlAllowed: boolean): string | undefined {
  if (output === undefined || output === null) {
    return promised !== undefined && !promised.has('null') ? 'an empty body came back' : undefined;
  }
  if (typeof output !== 'string') return undefined;
  const text = output.replace(/^\uFEFF/, '').trimStart();
  if (text.trim() === '') return 'an empty body came back';
  const wantsJson = promised !== undefined && [...promised].some((type) => jsonTypes.has(type)) && !promised.has('string');
  if (/^<(?:!doctype\s+html|html[\s>])/i.test(text) && !htmlAllowed) return 'an HTML page came back instead of data';
  if (text.startsWith('{') || text.startsWith('[')) {
    const state = jsonState(text);
    if (state === 'truncated') return 'a JSON payload came back cut short (truncated)';
    if (state === 'malformed') return 'malformed JSON came back';
    return undefined;
  }
  if (wantsJson && !isJsonScalar(text)) return `text came back where ${[...promised].join(' or ')} was promised`;
  return undefined;
}

function isJsonScalar(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

/**
 * Whether a text that opens like JSON parses, and if not, whether it was cut short: it ends
 * inside a string, or with brackets still open (and nothing closed that was never opened).
 */
function jsonState(text: string): 'valid' | 'truncated' | 'malformed' {
  try {
    JSON.parse(text);
    return 'valid';
  } catch {
    // Below: a linear scan of brackets and strings.
  }
  const open: string[] = [];
  let inString = false;
  for (let index = 0; index < text.length; index += 1) {
    const character = text[index];
    if (inString) {
      if (character === '\\') index += 1;
      else if (character === '"') inString = false;
      continue;
    }
    if (character === '"') inString = true;
    else if (character === '{' || character === '[') open.push(character === '{' ? '}' : ']');
    else if (character === '}' || character === ']') {
      if (open.pop() !== character) return 'malformed';
      if (open.length === 0 && text.slice(index + 1).trim() !== '') return 'malformed';
    }
  }
  return inString || open.length > 0 ? 'truncated' : 'malformed';
}
