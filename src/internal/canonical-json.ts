import { KeelError } from '../errors/index.ts';

/**
 * Deterministic JSON for hashing: object keys sorted, no whitespace. For JSON values this is the
 * output RFC 8785 (JCS) specifies: JCS takes its number and string forms from ECMAScript's
 * `JSON.stringify` and sorts keys by UTF-16 code units, which is what `Array.prototype.sort`
 * does. Written here rather than taken as a dependency because it is these few lines.
 *
 * Only JSON is accepted: a non-finite number, a bigint, a function, a symbol, `undefined` in an
 * array or at the top, or an object that is not plain (a `Date`, a `Map`, a class instance)
 * throws `INPUT_INVALID`, because its stored form would not hash the same. An object property
 * whose value is `undefined` is left out, as `JSON.stringify` and therefore the store leave it out.
 *
 * @example
 * canonicalJson({ b: [1, 'x'], a: { d: true, c: null } }); // '{"a":{"c":null,"d":true},"b":[1,"x"]}'
 */
export function canonicalJson(value: unknown): string {
  return write(value, '$', new Set());
}

function write(value: unknown, path: string, ancestors: Set<object>): string {
  if (value === null || typeof value === 'boolean' || typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw notJson(path, `is ${String(value)}`);
    return JSON.stringify(value);
  }
  if (typeof value === 'object') {
    if (ancestors.has(value)) throw notJson(path, 'refers to itself');
    ancestors.add(value);
    const text = Array.isArray(value) ? writeArray(value, path, ancestors) : writeObject(value, path, ancestors);
    ancestors.delete(value);
    return text;
  }
  throw notJson(path, value === undefined ? 'is undefined' : `is a ${typeof value}`);
}

function writeArray(value: unknown[], path: string, ancestors: Set<object>): string {
  const items: string[] = [];
  // A loop rather than map: map skips the holes of a sparse array, which would leave ",," behind.
  for (let index = 0; index < value.length; index += 1) items.push(write(value[index], `${path}[${index}]`, ancestors));
  return `[${items.join(',')}]`;
}

function writeObject(value: object, path: string, ancestors: Set<object>): string {
  const prototype = Object.getPrototypeOf(value) as unknown;
  if (prototype !== Object.prototype && prototype !== null) throw notJson(path, 'is not a plain object');
  const record = value as Record<string, unknown>;
  const members: string[] = [];
  for (const key of Object.keys(record).sort()) {
    if (record[key] === undefined) continue;
    members.push(`${JSON.stringify(key)}:${write(record[key], `${path}.${key}`, ancestors)}`);
  }
  return `{${members.join(',')}}`;
}

function notJson(path: string, problem: string): KeelError {
  return new KeelError({ code: 'INPUT_INVALID', message: `The value at ${path} ${problem}: only JSON values can be hashed.`, details: { path } });
}
