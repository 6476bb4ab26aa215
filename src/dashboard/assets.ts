import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import type { DashboardApp } from './dashboard-types.ts';

const require = createRequire(import.meta.url);

/**
 * Every file `/ui/assets/` serves, by name: the dashboard's own (next to this module in
 * `assets/`, copied to `dist/dashboard/assets/` by the build) and the two libraries, read from
 * their installed packages. A fixed list, not a directory: no path from a request reaches the
 * file system. Nothing comes from a CDN, so the dashboard works offline and makes no request
 * to another origin.
 */
const files: Record<string, { path: () => string; type: string }> = {
  'dashboard.css': { path: () => own('dashboard.css'), type: 'text/css; charset=utf-8' },
  'oversight.css': { path: () => own('oversight.css'), type: 'text/css; charset=utf-8' },
  'sign-in.js': { path: () => own('sign-in.js'), type: 'text/javascript; charset=utf-8' },
  'charts.js': { path: () => own('charts.js'), type: 'text/javascript; charset=utf-8' },
  'live-timeline.js': { path: () => own('live-timeline.js'), type: 'text/javascript; charset=utf-8' },
  'live-runs.js': { path: () => own('live-runs.js'), type: 'text/javascript; charset=utf-8' },
  'htmx.min.js': { path: () => require.resolve('htmx.org/dist/htmx.min.js'), type: 'text/javascript; charset=utf-8' },
  'uplot.min.js': { path: () => require.resolve('uplot/dist/uPlot.iife.min.js'), type: 'text/javascript; charset=utf-8' },
  'uplot.min.css': { path: () => require.resolve('uplot/dist/uPlot.min.css'), type: 'text/css; charset=utf-8' },
};

function own(name: string): string {
  return fileURLToPath(new URL(`./assets/${name}`, import.meta.url));
}

/** The names pages may list in `layout({ scripts, styles })`. */
export type AssetName = keyof typeof files;

interface Loaded {
  body: Uint8Array<ArrayBuffer>;
  type: string;
  etag: string;
}

/**
 * `GET /ui/assets/{name}`: each file read once, on first request, and served from memory with an
 * ETag (a conditional request gets 304) and a short cache lifetime, so an upgrade is picked up.
 */
export function registerAssets(ui: DashboardApp): void {
  const loaded = new Map<string, Loaded>();
  ui.get('/assets/:name', (c) => {
    const name = c.req.param('name');
    const file = Object.hasOwn(files, name) ? files[name] : undefined;
    if (file === undefined) return c.text('Not found', 404);
    let asset = loaded.get(name);
    if (asset === undefined) {
      const body = new Uint8Array(readFileSync(file.path()));
      asset = { body, type: file.type, etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 22)}"` };
      loaded.set(name, asset);
    }
    c.header('ETag', asset.etag);
    c.header('Cache-Control', 'public, max-age=300');
    if (c.req.header('if-none-match') === asset.etag) return c.body(null, 304);
    c.header('Content-Type', asset.type);
    return c.body(asset.body);
  });
}
