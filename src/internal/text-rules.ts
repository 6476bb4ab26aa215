import { KeelError } from '../errors/index.ts';

/**
 * What Keel accepts as text and as identifiers, checked at every boundary (HTTP, SDK, CLI) and
 * again by the stores, so that what is stored and compared is exactly what was validated.
 *
 * - Text (inputs, metadata values, any string) must be well-formed Unicode: a lone UTF-16
 *   surrogate cannot be stored faithfully (SQLite turns it into U+FFFD, so two different ids
 *   would collide; PostgreSQL refuses it).
 * - Identifiers (user, session, tenant, idempotency keys, key names, metadata keys) must also be
 *   free of characters that make two ids look alike or rewrite a terminal: controls (C0, DEL,
 *   C1), bidirectional controls, invisible format characters, noncharacters, and U+FFFD (a
 *   decoding accident, never a real name) — and of `.` and `..` as path segments (`../x`,
 *   `a/./b`, `..`): an id may one day name a directory (a session's workspace, an export), and
 *   one that climbs out of it is never a real name either. `/` itself is fine (`org/user`).
 */

// Bidi embeddings, overrides and isolates, the Arabic letter mark and the LRM/RLM marks.
const bidiControls = /[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/u;
// Zero-width space, joiners, word joiner and invisible operators, the byte-order mark, soft hyphen.
const invisibleFormat = /[\u00ad\u200b-\u200d\u2060-\u2064\ufeff]/u;
// C0 controls, DEL and C1 controls.
const controls = /[\u0000-\u001f\u007f-\u009f]/u;
// U+FDD0..U+FDEF and the last two code points of every plane.
const nonCharacters =
  /[\ufdd0-\ufdef\ufffe\uffff]|[\u{1fffe}\u{1ffff}\u{2fffe}\u{2ffff}\u{3fffe}\u{3ffff}\u{4fffe}\u{4ffff}\u{5fffe}\u{5ffff}\u{6fffe}\u{6ffff}\u{7fffe}\u{7ffff}\u{8fffe}\u{8ffff}\u{9fffe}\u{9ffff}\u{afffe}\u{affff}\u{bfffe}\u{bffff}\u{cfffe}\u{cffff}\u{dfffe}\u{dffff}\u{efffe}\u{effff}\u{ffffe}\u{fffff}\u{10fffe}\u{10ffff}]/u;

/** Why `value` is not acceptable text, or `undefined` when it is. */
export function textProblem(value: string): string | undefined {
  return value.isWellFormed() ? undefined : 'is not well-formed Unicode (it holds a lone surrogate)';
}

/** Why `value` is not an acceptable identifier, or `undefined` when it is. */
export function identifierProblem(value: string): string | undefined {
  const text = textProblem(value);
  if (text !== undefined) return text;
  if (value.trim() === '') return 'is empty';
  if (controls.test(value)) return 'contains a control character';
  if (bidiControls.test(value)) return 'contains a bidirectional control character';
  if (invisibleFormat.test(value)) return 'contains an invisible formatting character';
  if (nonCharacters.test(value)) return 'contains a Unicode noncharacter';
  if (value.includes('\ufffd')) return 'contains U+FFFD (a character that could not be decoded)';
  if (value.split(/[/\\]/).some((segment) => segment === '.' || segment === '..')) return 'contains "." or ".." as a path segment';
  return undefined;
}

/** Limits on the shape of a JSON value: how deep it nests and how many values it holds. */
export interface JsonLimits {
  maxDepth: number;
  maxNodes: number;
}

export const defaultJsonLimits: JsonLimits = { maxDepth: 32, maxNodes: 10_000 };

/**
 * Why a parsed JSON value is not acceptable — nested deeper than `maxDepth`, more than
 * `maxNodes` values, or a string or key that is not well-formed — with the path of the first
 * offending place (`metadata.tags[3]`), or `undefined`. Iterative, so no nesting can exhaust the
 * stack; it stops at the first problem.
 *
 * @example
 * jsonProblem(JSON.parse(body), { maxDepth: 32, maxNodes: 10_000 }); // { path: 'metadata.a.b', problem: 'nests deeper than 32 levels' }
 */
export function jsonProblem(value: unknown, limits: JsonLimits = defaultJsonLimits, root = ''): { path: string; problem: string } | undefined {
  const stack: Array<{ value: unknown; path: string; depth: number }> = [{ value, path: root, depth: 0 }];
  let nodes = 0;
  while (stack.length > 0) {
    const { value: current, path, depth } = stack.pop()!;
    nodes += 1;
    if (nodes > limits.maxNodes) return { path: root, problem: `holds more than ${limits.maxNodes} values` };
    if (typeof current === 'string') {
      const problem = textProblem(current);
      if (problem !== undefined) return { path, problem };
      continue;
    }
    if (typeof current !== 'object' || current === null) continue;
    if (depth >= limits.maxDepth) return { path, problem: `nests deeper than ${limits.maxDepth} levels` };
    if (Array.isArray(current)) {
      for (let index = current.length - 1; index >= 0; index -= 1) stack.push({ value: current[index], path: `${path}[${index}]`, depth: depth + 1 });
      continue;
    }
    for (const [key, child] of Object.entries(current)) {
      const problem = textProblem(key);
      if (problem !== undefined) return { path: joinPath(path, '(a key)'), problem: `has a key that ${problem}` };
      stack.push({ value: child, path: joinPath(path, key), depth: depth + 1 });
    }
  }
  return undefined;
}

/**
 * Throws `INPUT_INVALID` naming `field` unless `value` is an acceptable identifier.
 *
 * @example
 * assertIdentifier(input.userId, 'userId');
 */
export function assertIdentifier(value: unknown, field: string, maxLength = 200): void {
  if (typeof value !== 'string') throw invalid(field, 'must be a string');
  if (value.length > maxLength) throw invalid(field, `is longer than ${maxLength} characters`);
  const problem = identifierProblem(value);
  if (problem !== undefined) throw invalid(field, problem);
}

/** Throws `INPUT_INVALID` naming `field` unless `value` is well-formed text. */
export function assertText(value: unknown, field: string): void {
  if (typeof value !== 'string') throw invalid(field, 'must be a string');
  const problem = textProblem(value);
  if (problem !== undefined) throw invalid(field, problem);
}

/**
 * Throws `INPUT_INVALID` naming the offending place (below `root`, e.g. `metadata.tags[2]`)
 * unless `value` is JSON of acceptable shape; `what` names the whole value when the problem is
 * the whole value.
 */
export function assertJson(value: unknown, options: { root?: string; what?: string; limits?: JsonLimits } = {}): void {
  const found = jsonProblem(value, options.limits ?? defaultJsonLimits, options.root ?? '');
  if (found !== undefined) throw invalid(found.path === '' ? (options.what ?? 'the value') : found.path, found.problem);
}

function invalid(field: string, problem: string): KeelError {
  return new KeelError({ code: 'INPUT_INVALID', message: `${field} ${problem}`, details: { field, problem } });
}

function joinPath(path: string, key: string): string {
  const segment = /^[A-Za-z_$][\w$]*$/.test(key) ? key : JSON.stringify(key);
  if (path === '') return segment;
  return /^[A-Za-z_$]/.test(segment) ? `${path}.${segment}` : `${path}[${segment}]`;
}
