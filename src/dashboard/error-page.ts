import type { Context } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { HTTPException } from 'hono/http-exception';
import { KeelError } from '../errors/index.ts';
import type { DashboardEnv } from './dashboard-types.ts';
import { html } from './html.ts';
import { layout } from './layout.ts';

const titles: Partial<Record<number, string>> = {
  400: 'That request is not valid',
  401: 'Sign in again',
  403: 'Not allowed',
  404: 'Not found',
  413: 'Too large',
};

/**
 * Anything a page threw as an HTML page with the catalogue's status and code: a 404 for an
 * unknown run, a 400 naming the bad filter, a 403 naming the missing permission. Faults inside
 * the server are logged with the request id and shown without detail, as the API does.
 */
export function errorPage(c: Context<DashboardEnv>, thrown: unknown): Response | Promise<Response> {
  const error = KeelError.isInstance(thrown)
    ? thrown
    : thrown instanceof HTTPException && thrown.status === 413
      ? new KeelError({ code: 'BODY_TOO_LARGE', message: 'The form is larger than the dashboard accepts' })
      : new KeelError({ code: 'INTERNAL', message: 'Unexpected error', cause: thrown });
  const requestId = c.get('requestId');
  if (error.status >= 500) c.get('log').error({ err: thrown, requestId, code: error.code }, 'dashboard request failed');
  const message = error.status >= 500 ? `Something went wrong on the server (request ${requestId}).` : error.message;
  const body = html`<section class="error" role="alert">
    <p>${message}</p>
    <p class="muted">
      Code <code>${error.code}</code>${error.status === 401 ? html` · <a href="/ui/sign-in">Sign in</a>` : html` · <a href="/ui/">Back to the overview</a>`}
    </p>
  </section>`;
  // htmx swaps error responses too (4.x): it gets the error alone, where it would have put the fragment, not a page inside the page.
  if (c.req.header('hx-request') === 'true') return c.html(body, error.status as ContentfulStatusCode);
  return c.html(layout(c, { title: titles[error.status] ?? 'Error', body }), error.status as ContentfulStatusCode);
}
