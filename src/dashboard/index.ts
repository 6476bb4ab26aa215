import { Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { KeelError } from '../errors/index.ts';
import { openApiRoutes } from '../server/routes/openapi.ts';
import { routeModules } from '../server/routes/index.ts';
import type { RouteModule } from '../server/server-types.ts';
import { registerAssets } from './assets.ts';
import type { DashboardApp, DashboardPage } from './dashboard-types.ts';
import { errorPage } from './error-page.ts';
import { dashboardPages } from './pages/index.ts';
import { sameOriginWrites, securityHeaders } from './security.ts';
import { requireSession } from './session.ts';

/** Forms are small: a key, a reason, edited arguments. */
const maxFormBytes = 256 * 1024;

/**
 * The dashboard at `/ui/` as one more module of the API's app (docs/adr/0023): the same
 * process, the same store, the same key authentication and permission matrix. Every response
 * carries the security headers; every request but the sign-in page's and the assets needs a
 * session; every state-changing request must come from this origin.
 *
 * @example
 * const app = createApp({ runtime, routes: routesWithDashboard });
 */
export function dashboardModule(pages: readonly DashboardPage[] = dashboardPages): RouteModule {
  return {
    name: 'dashboard',
    register(app, context) {
      const ui: DashboardApp = new Hono();
      ui.use('*', securityHeaders());
      ui.use(
        '*',
        bodyLimit({
          maxSize: maxFormBytes,
          onError: () => {
            throw new KeelError({ code: 'BODY_TOO_LARGE', message: `The form is larger than ${maxFormBytes} bytes` });
          },
        }),
      );
      ui.use('*', sameOriginWrites());
      ui.use('*', requireSession(context.store));
      registerAssets(ui);
      for (const page of pages) page.register(ui, context);
      ui.all('*', () => {
        throw new KeelError({ code: 'ROUTE_NOT_FOUND', message: 'There is no such page' });
      });
      ui.onError((error, c) => errorPage(c, error));
      app.get('/ui', (c) => c.redirect('/ui/', 301));
      app.route('/ui/', ui);
    },
  };
}

/** The API's modules with the dashboard, which `keel dev` and `keel start` serve (the API description stays last). */
export const routesWithDashboard: readonly RouteModule[] = [...routeModules.filter((module) => module !== openApiRoutes), dashboardModule(), openApiRoutes];

export type { DashboardApp, DashboardContext, DashboardEnv, DashboardPage } from './dashboard-types.ts';
export { layout, type NavKey, type PageOptions } from './layout.ts';
export { requirePermission } from './session.ts';
export { html, raw, type Html } from './html.ts';
