import type { RouteConfig } from '@hono/zod-openapi';
import type { Context } from 'hono';
import type { z } from 'zod';
import { KeelError, type ErrorCode } from '../../errors/index.ts';
import { assertJson } from '../../internal/text-rules.ts';
import { assertPermission, type Permission } from '../auth/permissions.ts';
import { describeIssues } from '../errors.ts';
import { requestText } from '../request-text.ts';
import { ErrorSchema } from '../schemas.ts';
import type { ApiApp, ServerEnv } from '../server-types.ts';

type Method = 'get' | 'post' | 'put' | 'delete';
type Parsed<T> = T extends z.ZodType ? z.output<T> : undefined;

/**
 * One endpoint: its OpenAPI description, the permission it needs, the zod schemas of its path
 * parameters, query and body — which both validate the request and generate `/openapi.json` —
 * and its handler, which only ever sees validated input.
 */
export interface ApiRoute<
  P extends z.ZodType | undefined,
  Q extends z.ZodType | undefined,
  B extends z.ZodType | undefined,
  H extends z.ZodType | undefined = undefined,
> {
  method: Method;
  /** OpenAPI style: `/v1/runs/{id}`. */
  path: string;
  summary: string;
  description?: string;
  tags: string[];
  /** `public` endpoints need no API key (health checks, the API description). */
  permission: Permission | 'public';
  /** `headers`: the request headers the endpoint reads, by lower-case name (`'last-event-id'`). */
  request?: { params?: P; query?: Q; headers?: H; body?: B };
  /** The answer to path parameters that fail their schema (an id that cannot exist). Default `ROUTE_NOT_FOUND`. */
  notFoundCode?: ErrorCode;
  /** The success responses; the error responses every endpoint shares are added. */
  responses: RouteConfig['responses'];
  handler(c: Context<ServerEnv>, input: { params: Parsed<P>; query: Parsed<Q>; headers: Parsed<H>; body: Parsed<B> }): Response | Promise<Response>;
}

const errorContent = { 'application/json': { schema: ErrorSchema } };
const sharedErrors: RouteConfig['responses'] = {
  400: { description: 'Invalid input (`INPUT_INVALID`)', content: errorContent },
  404: { description: 'Not found, or owned by another tenant or end user', content: errorContent },
};
const protectedErrors: RouteConfig['responses'] = {
  401: { description: 'Missing, invalid or revoked API key (`UNAUTHENTICATED`)', content: errorContent },
  403: { description: "The key's role lacks the permission (`FORBIDDEN`)", content: errorContent },
};

/**
 * Registers an endpoint on the app: in the OpenAPI registry (with its permission as
 * `x-keel-permission`) and on the router, behind its permission check and validation.
 *
 * @example
 * registerRoute(app, { method: 'get', path: '/v1/things/{id}', permission: 'runs:read', tags: ['things'],
 *   summary: 'Get a thing', request: { params: z.object({ id: idSchema }) },
 *   responses: { 200: { description: 'The thing' } },
 *   handler: (c, { params }) => c.json({ id: params.id }) });
 */
export function registerRoute<
  P extends z.ZodType | undefined,
  Q extends z.ZodType | undefined,
  B extends z.ZodType | undefined,
  H extends z.ZodType | undefined = undefined,
>(app: ApiApp, route: ApiRoute<P, Q, B, H>): void {
  const { params, query, headers, body } = route.request ?? {};
  app.openAPIRegistry.registerPath({
    method: route.method,
    path: route.path,
    summary: route.summary,
    ...(route.description === undefined ? {} : { description: route.description }),
    tags: route.tags,
    request: {
      ...(params === undefined ? {} : { params: params as never }),
      ...(query === undefined ? {} : { query: query as never }),
      ...(headers === undefined ? {} : { headers: headers as never }),
      ...(body === undefined ? {} : { body: { required: true, content: { 'application/json': { schema: body } } } }),
    },
    responses: { ...route.responses, ...sharedErrors, ...(route.permission === 'public' ? {} : protectedErrors) },
    security: route.permission === 'public' ? [] : [{ bearerAuth: [] }],
    'x-keel-permission': route.permission,
  });
  const permission = route.permission;
  app.on(route.method.toUpperCase(), toHonoPath(route.path), async (c) => {
    // The permission is checked before any input is looked at: a caller without it learns nothing.
    if (permission !== 'public') assertPermission(c.get('principal'), permission);
    const input = {
      params: parse(params, c.req.param(), 'path', route.notFoundCode),
      query: parse(query, c.req.query(), 'query'),
      headers: parse(headers, c.req.header(), 'header'),
      body: body === undefined ? undefined : parse(body, await readJson(c), 'body'),
    };
    return route.handler(c, input as { params: Parsed<P>; query: Parsed<Q>; headers: Parsed<H>; body: Parsed<B> });
  });
}

function toHonoPath(path: string): string {
  return path.replace(/\{([^}]+)\}/g, ':$1');
}

function parse(
  schema: z.ZodType | undefined,
  value: unknown,
  where: 'path' | 'query' | 'header' | 'body',
  notFoundCode: ErrorCode = 'ROUTE_NOT_FOUND',
): unknown {
  if (schema === undefined) return undefined;
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  // An id that cannot exist is simply not found: the same answer as an unknown one.
  if (where === 'path') throw new KeelError({ code: notFoundCode, message: 'No such object' });
  throw new KeelError({
    code: 'INPUT_INVALID',
    message: where === 'header' ? 'A request header is invalid' : `The request ${where} is invalid`,
    details: { in: where, issues: describeIssues(result.error.issues) },
  });
}

async function readJson(c: Context<ServerEnv>): Promise<unknown> {
  const type = c.req.header('content-type') ?? '';
  if (!/^application\/([\w.+-]+\+)?json\s*(;|$)/i.test(type)) {
    throw new KeelError({ code: 'UNSUPPORTED_MEDIA_TYPE', message: 'Send the request body as JSON with Content-Type: application/json' });
  }
  const text = await requestText(c);
  if (text === undefined) throw new KeelError({ code: 'INPUT_INVALID', message: 'The request body is not valid UTF-8' });
  let body: unknown;
  try {
    body = JSON.parse(text) as unknown;
  } catch {
    throw new KeelError({
      code: 'INPUT_INVALID',
      message: text.trim() === '' ? 'The request body is empty: send a JSON object' : 'The request body is not valid JSON',
    });
  }
  // Before any schema looks at it: nesting that would exhaust a recursive check, and strings
  // that cannot be stored faithfully, are refused here with the place named.
  assertJson(body, { what: 'the request body' });
  return body;
}
