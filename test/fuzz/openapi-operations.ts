/**
 * The API's endpoints and every place a request can carry a value, read from its own OpenAPI
 * document: a new endpoint, parameter or body field is fuzzed without touching the test.
 */
export type JsonSchema = Record<string, unknown>;

export interface Parameter {
  name: string;
  in: 'path' | 'query' | 'header';
  required: boolean;
  schema: JsonSchema;
}

export interface Operation {
  method: string;
  /** OpenAPI style: `/v1/runs/{id}`. */
  path: string;
  parameters: Parameter[];
  body: JsonSchema | undefined;
  isPublic: boolean;
}

/** What a value means, as far as validation goes. */
export type FieldKind = 'identifier' | 'text' | 'strict-string' | 'enum' | 'number' | 'boolean' | 'array' | 'object' | 'record' | 'any';

/** A place in a JSON body: property names and array indexes. */
export type Pointer = Array<string | number>;

export interface BodyField {
  pointer: Pointer;
  schema: JsonSchema;
  kind: FieldKind;
}

interface OpenApiDocument {
  paths: Record<
    string,
    Record<
      string,
      { parameters?: Array<Parameter & { schema?: JsonSchema }>; requestBody?: { content?: Record<string, { schema?: JsonSchema }> }; security?: unknown[] }
    >
  >;
  components?: { schemas?: Record<string, JsonSchema> };
}

export function operationsOf(document: OpenApiDocument): Operation[] {
  const resolve = resolver(document);
  return Object.entries(document.paths).flatMap(([path, methods]) =>
    Object.entries(methods).map(([method, operation]) => {
      const body = operation.requestBody?.content?.['application/json']?.schema;
      return {
        method: method.toUpperCase(),
        path,
        parameters: (operation.parameters ?? []).map((parameter) => ({
          name: parameter.name,
          in: parameter.in,
          required: parameter.required === true,
          schema: resolve(parameter.schema ?? {}),
        })),
        body: body === undefined ? undefined : resolve(body),
        isPublic: Array.isArray(operation.security) && operation.security.length === 0,
      };
    }),
  );
}

/** Inlines `$ref`s to `#/components/schemas/…` (the document has no cycles). */
function resolver(document: OpenApiDocument): (schema: JsonSchema) => JsonSchema {
  const resolve = (schema: unknown): unknown => {
    if (Array.isArray(schema)) return schema.map(resolve);
    if (typeof schema !== 'object' || schema === null) return schema;
    const ref = (schema as { $ref?: unknown }).$ref;
    if (typeof ref === 'string') {
      const name = ref.replace('#/components/schemas/', '');
      const target = document.components?.schemas?.[name];
      if (target === undefined) throw new Error(`unresolved ${ref}`);
      return resolve(target);
    }
    return Object.fromEntries(Object.entries(schema).map(([key, value]) => [key, resolve(value)]));
  };
  return (schema) => resolve(schema) as JsonSchema;
}

/** The JSON types a schema admits (`any` for an unconstrained one). */
export function allowedTypes(schema: JsonSchema): Set<string> {
  const branches = (schema.anyOf ?? schema.oneOf) as JsonSchema[] | undefined;
  if (branches !== undefined) return new Set(branches.flatMap((branch) => [...allowedTypes(branch)]));
  const types = new Set<string>();
  if (Array.isArray(schema.type)) for (const type of schema.type as string[]) types.add(type);
  else if (typeof schema.type === 'string') types.add(schema.type);
  else if (schema.const !== undefined) types.add(schema.const === null ? 'null' : Array.isArray(schema.const) ? 'array' : typeof schema.const);
  else if (Array.isArray(schema.enum)) for (const value of schema.enum) types.add(value === null ? 'null' : typeof value);
  else if (schema.properties !== undefined) types.add('object');
  else types.add('any');
  if (schema.nullable === true) types.add('null');
  if (types.has('integer')) types.add('number');
  return types;
}

export function kindOf(schema: JsonSchema): FieldKind {
  if (schema['x-keel-identifier'] === true) return 'identifier';
  if (Array.isArray(schema.enum) || schema.const !== undefined) return 'enum';
  const branches = (schema.anyOf ?? schema.oneOf) as JsonSchema[] | undefined;
  if (branches !== undefined) {
    const kinds = branches.filter((branch) => !(branch.type === 'null')).map(kindOf);
    if (kinds.includes('text')) return 'text';
    if (kinds.every((kind) => kind === 'strict-string')) return 'strict-string';
    return kinds[0] ?? 'any';
  }
  switch (schema.type) {
    case 'string':
      // A format or a pattern means the string is not free text: none of the hostile values fits it.
      // A length bound alone does not: free text (a reason, a comment) may be bounded and still hold any character.
      return schema.format !== undefined || schema.pattern !== undefined ? 'strict-string' : 'text';
    case 'number':
    case 'integer':
      return 'number';
    case 'boolean':
      return 'boolean';
    case 'array':
      return 'array';
    case 'object':
      return schema.properties === undefined ? 'record' : 'object';
    default:
      return 'any';
  }
}

/** Every field of a body schema, depth first; an array's items are fields at index 0. */
export function bodyFields(schema: JsonSchema, pointer: Pointer = []): BodyField[] {
  const fields: BodyField[] = [];
  const properties = (schema.properties ?? {}) as Record<string, JsonSchema>;
  for (const [name, property] of Object.entries(properties)) {
    const at = [...pointer, name];
    fields.push({ pointer: at, schema: property, kind: kindOf(property) });
    fields.push(...nested(property, at));
  }
  return fields;
}

function nested(schema: JsonSchema, pointer: Pointer): BodyField[] {
  const branches = (schema.anyOf ?? schema.oneOf) as JsonSchema[] | undefined;
  const objectLike = branches?.find((branch) => branch.type === 'object' || branch.type === 'array') ?? schema;
  if (objectLike.type === 'array' && typeof objectLike.items === 'object' && objectLike.items !== null) {
    const items = objectLike.items as JsonSchema;
    const at = [...pointer, 0];
    // Items that are objects are walked; items that are values are fields of their own.
    return items.properties !== undefined ? bodyFields(items, at) : [{ pointer: at, schema: items, kind: kindOf(items) }];
  }
  if (objectLike.type === 'object' && objectLike.properties !== undefined) return bodyFields(objectLike, pointer);
  return [];
}

/** A copy of `value` with `pointer` set to `replacement`, creating objects and arrays on the way. */
export function withValue(value: unknown, pointer: Pointer, replacement: unknown): unknown {
  const copy = structuredClone(value) as Record<string | number, unknown>;
  let target = copy;
  pointer.forEach((key, index) => {
    if (index === pointer.length - 1) {
      target[key] = replacement;
      return;
    }
    const next = target[key];
    if (typeof next !== 'object' || next === null) target[key] = typeof pointer[index + 1] === 'number' ? [] : {};
    target = target[key] as Record<string | number, unknown>;
  });
  return copy;
}
