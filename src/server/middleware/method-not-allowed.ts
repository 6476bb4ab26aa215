import type { MiddlewareHandler } from 'hono';
import { KeelError } from '../../errors/index.ts';

/** An endpoint as the OpenAPI registry holds it: `get`, `/v1/runs/{id}`. */
export interface KnownRoute {
  method: string;
  path: string;
}

/**
 * Answers 405 `METHOD_NOT_ALLOWED` with an `Allow` header when the path is an endpoint's but the
 * method is none of its (`PATCH /v1/runs`), instead of the 404 a router gives for "no such
 * method and path". `routes` is read on first use, once every endpoint is registered; a `GET`
 * endpoint also allows `HEAD` (Hono answers it from the `GET` handler).
 *
 * @example
 * app.use('*', methodNotAllowed(() => [{ method: 'get', path: '/v1/runs/{id}' }]));
 */
export function methodNotAllowed(routes: () => readonly KnownRoute[]): MiddlewareHandler {
  let compiled: { patterns: Array<{ pattern: RegExp; methods: Set<string> }>; served: Map<string, RegExp> } | undefined;
  const compile = () => {
    const byPath = new Map<string, Set<string>>();
    for (const route of routes()) {
      const methods = byPath.get(route.path) ?? new Set<string>();
      methods.add(route.method.toUpperCase());
      if (route.method.toUpperCase() === 'GET') methods.add('HEAD');
      byPath.set(route.path, methods);
    }
    // Per method, one pattern for every path that has it: a request an endpoint serves, the
    // usual case, is let through after one test instead of one per endpoint.
    const patterns: Array<{ pattern: RegExp; methods: Set<string> }> = [];
    const sourcesByMethod = new Map<string, string[]>();
    for (const [path, methods] of byPath) {
      const source = pathSource(path);
      patterns.push({ pattern: new RegExp(`^${source}$`), methods });
      for (const method of methods) sourcesByMethod.set(method, [...(sourcesByMethod.get(method) ?? []), source]);
    }
    const served = new Map([...sourcesByMethod].map(([method, sources]) => [method, new RegExp(`^(?:${sources.join('|')})$`)]));
    return { patterns, served };
  };
  return async (c, next) => {
    compiled ??= compile();
    if (compiled.served.get(c.req.method)?.test(c.req.path) === true) return next();
    const matching = compiled.patterns.filter((entry) => entry.pattern.test(c.req.path));
    if (matching.length > 0 && !matching.some((entry) => entry.methods.has(c.req.method))) {
      const allow = [...new Set(matching.flatMap((entry) => [...entry.methods]))].sort();
      c.header('Allow', allow.join(', '));
      throw new KeelError({
        code: 'METHOD_NOT_ALLOWED',
        message: `${c.req.method} is not a method of this endpoint; it has ${allow.join(', ')}`,
        details: { allow },
      });
    }
    await next();
  };
}

/** `/v1/runs/{id}` → a pattern's source matching one path segment per parameter, as the router does. */
function pathSource(path: string): string {
  return path
    .split(/(\{[^}]+\})/)
    .map((part) => (/^\{[^}]+\}$/.test(part) ? '[^/]+' : part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')))
    .join('');
}
