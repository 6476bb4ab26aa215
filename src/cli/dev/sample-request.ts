import type { AgentDefinition } from '../../sdk/define-agent.ts';
import type { ToolDefinition } from '../../sdk/define-tool.ts';

/** A `POST /v1/runs` body `keel dev` suggests for an agent. */
export interface SampleRequest {
  agent: string;
  input: string;
  userId: string;
}

type JsonSchema = Record<string, unknown>;

/**
 * A first request worth sending to `agent`: its real name, and an input that exercises it. An
 * agent with tools is asked to do what its first tool does, with example arguments read from
 * the tool's input schema (`examples`, `default`, `enum`, an `e.g. "1001"` in a description,
 * else a value that fits the field's name and type), so the model has something to call the tool
 * with. An agent without tools is greeted.
 *
 * @example
 * sampleRequest(support).input; // 'Please look an order up by its number (orderId: 1001).'
 */
export function sampleRequest(agent: AgentDefinition): SampleRequest {
  const tool = agent.tools[0];
  return { agent: agent.name, input: tool === undefined ? 'Hello! What can you help me with?' : toolRequest(tool), userId: 'dev-user' };
}

function toolRequest(tool: ToolDefinition): string {
  // The description's first clause, as a request: "Look an order up by its number: …" → "look an order up by its number".
  const clause = tool.description.split(/[.:;\n]/, 1)[0]?.trim() ?? '';
  const task = clause === '' ? `use ${tool.name}` : `${clause.charAt(0).toLowerCase()}${clause.slice(1)}`;
  const properties = (tool.inputJsonSchema.properties ?? {}) as Record<string, JsonSchema>;
  const required = new Set(Array.isArray(tool.inputJsonSchema.required) ? (tool.inputJsonSchema.required as string[]) : Object.keys(properties));
  const fields = Object.entries(properties)
    .filter(([field]) => required.has(field))
    .slice(0, 4)
    .flatMap(([field, schema]) => {
      const value = exampleValue(field, schema);
      return value === undefined ? [] : [`${field}: ${value}`];
    });
  return `Please ${task}${fields.length === 0 ? '' : ` (${fields.join(', ')})`}.`;
}

function exampleValue(field: string, schema: JsonSchema): string | undefined {
  const given =
    (Array.isArray(schema.examples) ? schema.examples[0] : undefined) ??
    schema.default ??
    schema.const ??
    (Array.isArray(schema.enum) ? schema.enum[0] : undefined);
  if (given !== undefined) return typeof given === 'string' ? given : JSON.stringify(given);
  const fromDescription = typeof schema.description === 'string' ? /e\.g\.,?\s*"([^"]+)"|e\.g\.,?\s*([^\s,;)]+)/.exec(schema.description) : null;
  if (fromDescription !== null) return fromDescription[1] ?? fromDescription[2];
  const name = field.toLowerCase();
  switch (schema.type) {
    case 'number':
    case 'integer':
      return String(typeof schema.minimum === 'number' && schema.minimum > 0 ? schema.minimum : /amount|price|usd|total/.test(name) ? 20 : 2);
    case 'boolean':
      return 'yes';
    case 'string':
      if (schema.format === 'email' || name.includes('email')) return 'ana@example.com';
      if (schema.format === 'date') return '2030-01-15';
      if (schema.format === 'date-time') return '2030-01-15T09:00:00Z';
      if (/(?:^|_)id$|id$|number$/i.test(field)) return '1001';
      if (/reason|message|note|comment|text/.test(name)) return '"it arrived damaged"';
      if (/city|location|place/.test(name)) return 'Lisbon';
      if (/name$/.test(name)) return 'Ana';
      if (/query|search|question|topic/.test(name)) return '"opening hours"';
      return `"example ${field}"`;
    default:
      return undefined;
  }
}
