import type { GuardrailReplacement, GuardrailSubject } from '../../sdk/define-guardrail.ts';

// Tool results and structured answers are JSON (the journal holds them so): no cycles, but a
// pathological nesting depth is cut off rather than overflowing the stack.
const maximumDepth = 64;

/** Every string inside a JSON-like value (the value itself when it is a string), in document order. */
export function stringsIn(value: unknown): string[] {
  const found: string[] = [];
  const walk = (node: unknown, depth: number) => {
    if (typeof node === 'string') found.push(node);
    else if (depth < maximumDepth && Array.isArray(node)) for (const item of node) walk(item, depth + 1);
    else if (depth < maximumDepth && typeof node === 'object' && node !== null) for (const item of Object.values(node)) walk(item, depth + 1);
  };
  walk(value, 0);
  return found;
}

/** Every number inside a JSON-like value. */
export function numbersIn(value: unknown): number[] {
  const found: number[] = [];
  const walk = (node: unknown, depth: number) => {
    if (typeof node === 'number' && Number.isFinite(node)) found.push(node);
    else if (depth < maximumDepth && Array.isArray(node)) for (const item of node) walk(item, depth + 1);
    else if (depth < maximumDepth && typeof node === 'object' && node !== null) for (const item of Object.values(node)) walk(item, depth + 1);
  };
  walk(value, 0);
  return found;
}

/**
 * The value with `change` applied to every string inside it (object keys are left alone: they
 * name fields, they do not carry values). Unchanged parts are the same objects.
 */
export function mapStrings(value: unknown, change: (text: string) => string): unknown {
  const walk = (node: unknown, depth: number): unknown => {
    if (typeof node === 'string') return change(node);
    if (depth >= maximumDepth || typeof node !== 'object' || node === null) return node;
    if (Array.isArray(node)) {
      const items = node.map((item) => walk(item, depth + 1));
      return items.every((item, index) => item === node[index]) ? node : items;
    }
    let changed = false;
    const entries = Object.entries(node).map(([key, item]) => {
      const next = walk(item, depth + 1);
      changed ||= next !== item;
      return [key, next] as const;
    });
    return changed ? Object.fromEntries(entries) : node;
  };
  return walk(value, 0);
}

/**
 * A replacement with `change` applied to every text of the subject: the text, the structured
 * answer (both, at `output`, so a structured answer stays structured), the tool's arguments or
 * its result.
 */
function changedValue(subject: GuardrailSubject, change: (text: string) => string): GuardrailReplacement {
  switch (subject.boundary) {
    case 'input':
    case 'model-output':
      return { text: change(subject.text) };
    case 'output': {
      const text = change(subject.text);
      return { text, output: subject.output === subject.text ? text : mapStrings(subject.output, change) };
    }
    case 'tool-call':
      return { args: mapStrings(subject.call.input, change) };
    case 'tool-result':
      return { output: mapStrings(subject.output, change) };
  }
}

/**
 * The subject's value as it reached the guardrail, as a replacement: what a `flag` verdict
 * hands on. It must carry the whole current value, not nothing: the engine's fold reads the
 * last `modify` of a boundary as what the model sees, so an empty replacement after a redaction
 * would bring the unredacted value back.
 */
export function currentValue(subject: GuardrailSubject): GuardrailReplacement {
  return changedValue(subject, (text) => text);
}

/** How a reason names what was checked: "the message", "the result of lookup_order", … */
export function checkedThing(subject: GuardrailSubject): string {
  switch (subject.boundary) {
    case 'input':
      return 'the message';
    case 'model-output':
      return "the model's turn";
    case 'output':
      return 'the answer';
    case 'tool-call':
      return `the arguments of ${subject.call.toolName}`;
    case 'tool-result':
      return `the result of ${subject.call.toolName}`;
  }
}
