import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { DatabaseSync } from 'node:sqlite';
import { routesWithDashboard } from '../src/dashboard/index.ts';
import { createRuntime } from '../src/keel.ts';
import { createApiKey } from '../src/server/auth/api-keys.ts';
import { sessionCookieBaseName } from '../src/server/auth/session-cookie.ts';
import { createApp } from '../src/server/app.ts';
import { startServer } from '../src/server/start-server.ts';
import { defineAgent } from '../src/sdk/define-agent.ts';
import { defineConfig } from '../src/sdk/define-config.ts';
import { createSqliteStore } from '../src/store/sqlite/sqlite-store.ts';
import { createSilentLogger } from '../src/telemetry/logger.ts';
import { instantModel } from './lib/instant-model.ts';
import { writeLongRun } from './lib/long-run.ts';
import { compare, unavailable, type BenchModule, type BenchOptions, type BenchReport } from './lib/report.ts';
import { withTemporaryDirectory } from './lib/temporary-directory.ts';
import { interleave, median } from './lib/timing.ts';

/*
 * The dashboard with many runs stored: the runs page (first page of 50, newest first) and the
 * timeline of a 200-step run, against the sign-in page of the same server (a page that reads
 * nothing from the store: the floor of any page). Each page is measured twice: time to first
 * byte (a Node `fetch` with the session cookie, until the response headers) and the time
 * Chromium takes to a rendered page (Navigation Timing `loadEventEnd`: HTML, stylesheet and
 * scripts loaded and run). The store holds 100,000 runs of the signed-in tenant (3,000 in quick
 * mode), written straight into the schema; the long run is written through the store port.
 */
const sizes = { full: { runs: 100_000, rounds: 15 }, quick: { runs: 3_000, rounds: 2 } };
const steps = 200;
const barMs = 300;
const id = 'dashboard-pages';
const title = 'Dashboard pages with many runs stored';
const chromiumPath = process.env.KEEL_CHROMIUM ?? '/usr/bin/chromium';

function seed(path: string, count: number, tenantId: string): void {
  const db = new DatabaseSync(path);
  const base = Date.parse('2030-01-01T00:00:00.000Z');
  const insertSession = db.prepare('INSERT INTO sessions (tenant_id, id, user_id, agent, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)');
  const insertRun = db.prepare(`
    INSERT INTO runs (id, tenant_id, agent, session_id, user_id, status, input, usage, metadata, last_seq, created_at, updated_at, started_at, ended_at, cost_nano_usd)
    VALUES (?, ?, ?, ?, ?, ?, 'Where is my order?', '{"inputTokens":1200,"outputTokens":80,"cachedTokens":0}', '{}', 6, ?, ?, ?, ?, 250000)`);
  db.exec('BEGIN');
  const sessions = 2_000;
  for (let index = 0; index < sessions; index += 1) {
    const at = new Date(base).toISOString();
    insertSession.run(tenantId, `ses-${index}`, `user-${index}`, 'support', at, at);
  }
  for (let index = 0; index < count; index += 1) {
    const created = new Date(base + index * 1_000).toISOString();
    const ended = new Date(base + index * 1_000 + 2_500).toISOString();
    const session = index % sessions;
    insertRun.run(
      `run-${index}`,
      tenantId,
      index % 3 === 0 ? 'billing' : 'support',
      `ses-${session}`,
      `user-${session}`,
      index % 20 === 0 ? 'failed' : 'completed',
      created,
      ended,
      created,
      ended,
    );
  }
  db.exec('COMMIT');
  db.close();
}

async function run(options: BenchOptions): Promise<BenchReport> {
  if (!existsSync(chromiumPath)) return unavailable(id, title, `no Chromium at ${chromiumPath} (.ci/run installs Debian's chromium)`);
  const size = options.quick ? sizes.quick : sizes.full;
  const { chromium } = await import('playwright-core');
  return await withTemporaryDirectory(async (directory) => {
    const path = join(directory, 'keel.db');
    const tenantId = 'acme';
    const store = createSqliteStore({ path });
    await store.migrate();
    options.log(`${id}: seeding ${size.runs} runs and a ${steps}-step run`);
    seed(path, size.runs, tenantId);
    const longRunId = await writeLongRun(store, { tenantId, steps });
    const { key } = await createApiKey(store, { tenantId, role: 'viewer', name: 'bench' });
    const agent = defineAgent({ name: 'support', model: instantModel({ turns: 0, toolName: 'none' }), instructions: 'Answer.' });
    const runtime = createRuntime({ config: defineConfig({ agents: [agent] }), store, logger: createSilentLogger(), tracing: false });
    const app = createApp({ runtime, logger: createSilentLogger(), loadShedding: false, rateLimiter: false, routes: routesWithDashboard });
    const server = await startServer({ app, port: 0 });
    const userData = mkdtempSync(join(tmpdir(), 'keel-bench-chromium-'));
    const context = await chromium.launchPersistentContext(userData, {
      executablePath: chromiumPath,
      headless: true,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
      viewport: { width: 1366, height: 900 },
    });
    try {
      // Signed in as a browser is: the cookie names a sign-in, not the key.
      const signIn = await fetch(`${server.url}/ui/sign-in`, {
        method: 'POST',
        redirect: 'manual',
        headers: { origin: server.url, 'sec-fetch-site': 'same-origin', 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ key, next: '/ui/' }).toString(),
      });
      const token = /^keel_session=([^;]+)/.exec(signIn.headers.get('set-cookie') ?? '')?.[1];
      if (token === undefined) throw new Error(`signing in answered ${signIn.status}`);
      const cookie = `${sessionCookieBaseName}=${token}`;
      await context.addCookies([{ name: sessionCookieBaseName, value: token, url: server.url, httpOnly: true, sameSite: 'Strict' }]);
      const page = context.pages()[0] ?? (await context.newPage());
      // `user-7` has one run in 2,000: its page of 50 reads the tenant's runs to the oldest.
      const paths = { baseline: '/ui/sign-in', runs: '/ui/runs', filtered: '/ui/runs?user=user-7&status=completed', timeline: `/ui/runs/${longRunId}` };
      const expected = { baseline: 'Sign in', runs: `data-run-id="run-${size.runs - 1}"`, filtered: 'data-run-id="run-', timeline: `Step ${steps}` };

      const firstByte = async (name: keyof typeof paths): Promise<number> => {
        const started = performance.now();
        const response = await fetch(`${server.url}${paths[name]}`, { headers: { cookie } });
        const ttfb = performance.now() - started;
        const body = await response.text();
        if (response.status !== 200 || !body.includes(expected[name]))
          throw new Error(`${paths[name]} answered ${response.status} without "${expected[name]}"`);
        return ttfb;
      };
      const rendered = async (name: keyof typeof paths): Promise<number> => {
        // From a blank page, so no navigation pays for unloading the previous page.
        await page.goto('about:blank');
        await page.goto(`${server.url}${paths[name]}`, { waitUntil: 'load' });
        if (!(await page.content()).includes(expected[name])) throw new Error(`${paths[name]} rendered without "${expected[name]}"`);
        // Evaluated in the page (Navigation Timing): from the navigation's start to the end of its load event.
        return Number(
          await page.evaluate("(() => { const n = performance.getEntriesByType('navigation')[0]; return n ? n.loadEventEnd - n.startTime : NaN; })()"),
        );
      };
      const contenders = {
        baselineTtfb: () => firstByte('baseline'),
        runsTtfb: () => firstByte('runs'),
        timelineTtfb: () => firstByte('timeline'),
        filteredTtfb: () => firstByte('filtered'),
        baselineRender: () => rendered('baseline'),
        runsRender: () => rendered('runs'),
        timelineRender: () => rendered('timeline'),
      };
      options.log(`${id}: ${size.rounds} rounds of each page, fetched and rendered in Chromium`);
      await interleave(1, contenders);
      const ms = await interleave(size.rounds, contenders);
      const deepPage = await (async () => {
        // A page far down the list costs what the first does (keyset paging): one sample per round.
        const samples: number[] = [];
        let cursorPath = '/ui/runs';
        for (let hop = 0; hop < 3; hop += 1) {
          const body = await (await fetch(`${server.url}${cursorPath}`, { headers: { cookie } })).text();
          const next = /href="(\/ui\/runs\?cursor=[^"]+)" rel="next"/.exec(body)?.[1];
          if (next === undefined) break;
          cursorPath = next.replace(/&amp;/g, '&');
        }
        if (!cursorPath.includes('cursor=')) throw new Error('the runs page has no older page');
        for (let round = 0; round < size.rounds; round += 1) {
          const started = performance.now();
          const response = await fetch(`${server.url}${cursorPath}`, { headers: { cookie } });
          const body = await response.text();
          samples.push(performance.now() - started);
          if (response.status !== 200 || (body.match(/data-run-id=/g) ?? []).length !== 50)
            throw new Error(`${cursorPath} answered ${response.status} without a page of 50 runs`);
        }
        return median(samples);
      })();
      const bar = (name: string, value: number) =>
        compare({
          name,
          baseline: { label: 'bar', value: barMs, unit: 'ms' },
          measured: { label: `${size.runs} runs stored`, value, unit: 'ms' },
          ratioOf: `measured / ${barMs} ms bar`,
          bar: { text: `<= ${barMs} ms`, max: 1 },
        });
      const versusBaseline = (name: string, value: number, baseline: number, what: string) =>
        compare({
          name,
          baseline: { label: `sign-in page, ${what}`, value: baseline, unit: 'ms' },
          measured: { label: `${size.runs} runs stored`, value, unit: 'ms' },
          ratioOf: 'page / sign-in page',
        });
      return {
        id,
        title,
        status: 'ok',
        figures: [
          bar('runs page: time to first byte', ms.runsTtfb),
          bar('runs page: rendered in Chromium', ms.runsRender),
          bar(`${steps}-step run timeline: time to first byte`, ms.timelineTtfb),
          bar(`${steps}-step run timeline: rendered in Chromium`, ms.timelineRender),
          versusBaseline('runs page vs sign-in page: time to first byte', ms.runsTtfb, ms.baselineTtfb, 'first byte'),
          versusBaseline('runs page vs sign-in page: rendered', ms.runsRender, ms.baselineRender, 'rendered'),
          versusBaseline(`${steps}-step timeline vs sign-in page: time to first byte`, ms.timelineTtfb, ms.baselineTtfb, 'first byte'),
          versusBaseline(`${steps}-step timeline vs sign-in page: rendered`, ms.timelineRender, ms.baselineRender, 'rendered'),
          versusBaseline('runs page 4 pages deep vs sign-in page: whole response', deepPage, ms.baselineTtfb, 'first byte'),
          bar('runs page filtered by one user of 2,000 and a status: time to first byte', ms.filteredTtfb),
        ],
        details: { runsStored: size.runs, steps, rounds: size.rounds, baselineTtfbMs: ms.baselineTtfb, baselineRenderMs: ms.baselineRender },
      };
    } finally {
      await context.close();
      rmSync(userData, { recursive: true, force: true });
      await server.close({ drainMs: 100 });
      await runtime.close();
      await store.close();
    }
  });
}

export const dashboardPages: BenchModule = { id, title, run };
