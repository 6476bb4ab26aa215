import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { z } from 'zod';
import { routesWithDashboard } from '../../src/dashboard/index.ts';
import type { Worker } from '../../src/engine/runtime-types.ts';
import type { AgentDefinition } from '../../src/sdk/define-agent.ts';
import { defineAgent } from '../../src/sdk/define-agent.ts';
import { defineTool } from '../../src/sdk/define-tool.ts';
import { createApiKey } from '../../src/server/auth/api-keys.ts';
import { sessionCookieBaseName } from '../../src/server/auth/session-cookie.ts';
import { createApp } from '../../src/server/app.ts';
import type { ApiApp } from '../../src/server/server-types.ts';
import { startServer, type RunningServer } from '../../src/server/start-server.ts';
import type { ApiKeyRole } from '../../src/store/api-key-store.ts';
import { createSilentLogger } from '../../src/telemetry/logger.ts';
import { startFakeModelServer, type FakeModelServer, type FakeResponder } from '../../src/testing/index.ts';
import { createTestRuntime, type TestRuntime } from '../../src/testing/test-runtime.ts';

/** Keys of tenant `acme` by role, plus `other`: an admin key of tenant `globex`. */
export type DashboardKeys = Record<ApiKeyRole | 'other', string>;

export interface DashboardTestApp extends TestRuntime {
  app: ApiApp;
  keys: DashboardKeys;
  /** The fake OpenAI-compatible model server the `support` agent talks to. */
  upstream: FakeModelServer;
  worker: Worker | undefined;
  /**
   * A request to the app as a signed-in browser would send it: the session cookie of `as` (a
   * role, a raw key, or `null` for none; see `sessionCookie`) and, for state-changing methods, this origin's
   * `Origin` and `Sec-Fetch-Site: same-origin` (override with `headers`). `form` is sent
   * url-encoded; `encodedForm` is sent as it is, as a url-encoded body (for bytes `form` cannot make).
   */
  ui(
    method: string,
    path: string,
    options?: {
      as?: ApiKeyRole | 'other' | null | { key: string };
      form?: Record<string, string>;
      encodedForm?: string;
      headers?: Record<string, string>;
    },
  ): Promise<Response>;
  /**
   * The `Cookie` header of a signed-in browser for `as` (a role or a raw key): signs in through
   * `POST /ui/sign-in` the first time, and reuses that sign-in afterwards (`fresh` signs in again).
   */
  sessionCookie(as: ApiKeyRole | 'other' | { key: string }, options?: { fresh?: boolean }): Promise<string>;
  close(): Promise<void>;
}

export interface DashboardTestOptions {
  /** Default: one agent, `support`, on the fake model server, with a `lookup` tool. */
  agents?: (upstream: FakeModelServer) => AgentDefinition[];
  /** How the fake model server answers. Default: one `lookup` call, then a short answer. */
  responder?: FakeResponder;
  /** A worker executing runs in the background, as `keel dev` does. Default true. */
  worker?: boolean;
}

export const lookupTool = defineTool({
  name: 'lookup',
  description: 'Look an order up',
  input: z.object({ order: z.string() }),
  effect: 'read',
  execute: ({ order }) => ({ order, status: 'shipped' }),
});

/** One `lookup` call, then an answer. */
export const defaultResponder: FakeResponder = (request) =>
  request.messages.some((message) => message.role === 'tool')
    ? { text: 'Your order has shipped.' }
    : { text: 'Let me check.', toolCalls: [{ name: 'lookup', arguments: { order: 'A-1' } }] };

/**
 * The API with the dashboard over a fresh SQLite test runtime, the `support` agent on Keel's fake
 * model server, one key per role; requests through `app.request` (no port).
 */
export async function createDashboardTestApp(options: DashboardTestOptions = {}): Promise<DashboardTestApp> {
  const upstream = await startFakeModelServer({ responder: options.responder ?? defaultResponder });
  const agents = options.agents?.(upstream) ?? [
    defineAgent({ name: 'support', model: 'openai:fake-model', instructions: 'Help with orders.', tools: [lookupTool], limits: { maxSteps: 20 } }),
  ];
  const test = await createTestRuntime({ agents, providers: { openai: { baseURL: upstream.openaiBaseURL, apiKey: 'test' } } });
  const worker = options.worker === false ? undefined : test.runtime.startWorker({ pollIntervalMs: 20 });
  const app = createApp({ runtime: test.runtime, logger: createSilentLogger(), heartbeatMs: 1_000, routes: routesWithDashboard });
  const mint = async (tenantId: string, role: ApiKeyRole) => (await createApiKey(test.store, { tenantId, role, name: role })).key;
  const keys: DashboardKeys = {
    admin: await mint('acme', 'admin'),
    app: await mint('acme', 'app'),
    reviewer: await mint('acme', 'reviewer'),
    viewer: await mint('acme', 'viewer'),
    other: await mint('globex', 'admin'),
  };
  const signedIn = new Map<string, string>();
  const sessionCookie: DashboardTestApp['sessionCookie'] = async (as, cookieOptions = {}) => {
    const key = typeof as === 'object' ? as.key : keys[as];
    const known = signedIn.get(key);
    if (known !== undefined && cookieOptions.fresh !== true) return known;
    const response = await app.request('http://localhost/ui/sign-in', {
      method: 'POST',
      headers: { origin: 'http://localhost', 'sec-fetch-site': 'same-origin', 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ key, next: '/ui/' }).toString(),
    });
    const cookie = (response.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
    if (response.status !== 303 || !cookie.startsWith(`${sessionCookieBaseName}=`)) throw new Error(`signing in answered ${response.status}`);
    if (cookieOptions.fresh !== true) signedIn.set(key, cookie);
    return cookie;
  };
  return {
    ...test,
    app,
    keys,
    upstream,
    worker,
    sessionCookie,
    async ui(method, path, requestOptions = {}) {
      const as = requestOptions.as === undefined ? 'admin' : requestOptions.as;
      const headers: Record<string, string> = {};
      if (as !== null) headers.cookie = await sessionCookie(as);
      // Signing out ends the reused sign-in: the next request signs in again.
      if (as !== null && method === 'POST' && path === '/ui/sign-out') signedIn.delete(typeof as === 'object' ? as.key : keys[as]);
      if (method !== 'GET' && method !== 'HEAD') Object.assign(headers, { origin: 'http://localhost', 'sec-fetch-site': 'same-origin' });
      let body: string | undefined;
      if (requestOptions.form !== undefined || requestOptions.encodedForm !== undefined) {
        body = requestOptions.encodedForm ?? new URLSearchParams(requestOptions.form).toString();
        headers['content-type'] = 'application/x-www-form-urlencoded';
      }
      Object.assign(headers, requestOptions.headers);
      return app.request(`http://localhost${path}`, { method, headers, ...(body === undefined ? {} : { body }) });
    },
    async close() {
      await worker?.stop();
      await test.close();
      await upstream.close();
    },
  };
}

export interface DashboardBrowser {
  /** The server, listening on a free port of 127.0.0.1: `${url}/ui/`. */
  url: string;
  server: RunningServer;
  context: BrowserContext;
  page: Page;
  /** Signs the page in with the key of `role` (default admin) through the sign-in form. */
  signIn(role?: ApiKeyRole | 'other'): Promise<void>;
  close(): Promise<void>;
}

/** Debian's Chromium, as CI installs it; the flags keep it off the network and quiet. */
export const chromiumPath = process.env.KEEL_CHROMIUM ?? '/usr/bin/chromium';
export const chromiumArgs = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/**
 * Serves `test.app` on a free port and opens it in a fresh headless Chromium (a new user data
 * directory each time, deleted on close).
 *
 * @example
 * const test = await createDashboardTestApp();
 * const browser = await openDashboardBrowser(test);
 * await browser.signIn('viewer');
 * await browser.page.goto(`${browser.url}/ui/runs`);
 * await browser.close();
 * await test.close();
 */
export async function openDashboardBrowser(test: DashboardTestApp, options: { viewport?: { width: number; height: number } } = {}): Promise<DashboardBrowser> {
  const shutdown = new AbortController();
  const app = createApp({
    runtime: test.runtime,
    logger: createSilentLogger(),
    heartbeatMs: 1_000,
    shutdownSignal: shutdown.signal,
    routes: routesWithDashboard,
  });
  const server = await startServer({ app, port: 0 });
  const userData = mkdtempSync(join(tmpdir(), 'keel-chromium-'));
  let context: BrowserContext;
  try {
    context = await chromium.launchPersistentContext(userData, {
      executablePath: chromiumPath,
      args: chromiumArgs,
      headless: true,
      viewport: options.viewport ?? { width: 1366, height: 900 },
    });
  } catch (error) {
    // A browser that cannot start leaves no server listening and no profile behind.
    shutdown.abort();
    await server.close({ drainMs: 0 });
    rmSync(userData, { recursive: true, force: true });
    throw error;
  }
  const page = context.pages()[0] ?? (await context.newPage());
  return {
    url: server.url,
    server,
    context,
    page,
    async signIn(role = 'admin') {
      await page.goto(`${server.url}/ui/sign-in`);
      await page.getByLabel('API key').fill(test.keys[role]);
      await Promise.all([page.waitForURL(`${server.url}/ui/`), page.getByRole('button', { name: 'Sign in' }).click()]);
    },
    async close() {
      shutdown.abort();
      await context.close();
      await server.close({ drainMs: 100 });
      rmSync(userData, { recursive: true, force: true });
    },
  };
}
