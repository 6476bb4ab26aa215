/**
 * Keel's layers, enforced in `npm run lint` (docs/architecture.md draws them). Each rule names a
 * layer and what it must never import. Type-only imports count: a cycle through types is still
 * a cycle. Tests (`*.test.ts`) may reach across layers; shipped code may never reach tests.
 */
/** Test support that lives next to the code it tests and never ships (no entry point in tsconfig.build.json reaches it). */
const testSupport = '(\\.test\\.ts|-race-worker\\.ts|test-helpers\\.ts|postgres-test-database\\.ts)$|^src/store/contract/';

const layer = (name, folders, forbidden, comment) => ({
  name,
  severity: 'error',
  comment,
  from: { path: `^src/(${folders})/`, pathNot: testSupport },
  to: { path: `^src/(${forbidden.join('|')})` },
});

const adapters = ['store/sqlite/', 'store/postgres/', 'store/open-store\\.ts', 'gateway/ai-sdk/', 'gateway/resolve-model\\.ts', 'gateway/gateway\\.ts'];
const top = ['server/', 'cli/', 'testing/', 'keel(?:-env)?\\.ts', 'index\\.ts'];

export const forbidden = [
  {
    name: 'no-cycles',
    severity: 'error',
    comment: 'Layers import one way; a cycle, even through types, means a vocabulary sits in the wrong layer.',
    from: { path: '^src/', pathNot: testSupport },
    to: { circular: true },
  },
  {
    name: 'no-tests-in-shipped-code',
    severity: 'error',
    comment: 'What ships in dist/ must not load test files, vitest or the store contract suite.',
    from: { path: '^src/', pathNot: testSupport },
    to: { path: `${testSupport}|node_modules/vitest/` },
  },
  layer('errors-below-all', 'errors', ['(?!errors/)'], 'The error catalogue depends on nothing of Keel.'),
  layer('journal-below-all', 'journal', ['(?!journal/|errors/)'], 'The journal vocabulary sits below every layer that shares it.'),
  layer('internal-helpers', 'internal', ['(?!internal/|errors/)'], 'Internal helpers depend on nothing but errors.'),
  layer(
    'store-knows-no-domain',
    'store',
    ['gateway/', 'sdk/', 'engine/', 'cost/', 'protection/', ...top],
    'The store knows the journal, not the layers that use it.',
  ),
  layer(
    'gateway-below-sdk',
    'gateway',
    ['sdk/', 'engine/', 'cost/', 'protection/', 'store/sqlite/', 'store/postgres/', ...top],
    'The gateway builds models from a ModelChoice; it knows no agent definition.',
  ),
  layer(
    'cost-below-engine',
    'cost',
    ['sdk/', 'engine/', 'protection/', 'store/sqlite/', 'store/postgres/', 'gateway/ai-sdk/', ...top],
    'Cost control works on the store port and prices.',
  ),
  layer(
    'sdk-below-engine',
    'sdk',
    ['engine/', 'protection/', 'store/sqlite/', 'store/postgres/', 'store/open-store\\.ts', 'gateway/ai-sdk/', ...top],
    'Definitions know no runtime.',
  ),
  layer(
    'engine-knows-ports-only',
    'engine',
    [...adapters, 'protection/', ...top],
    'The engine knows the Store port and the Model interface: never an adapter, a provider or the wiring.',
  ),
  layer(
    'vault-knows-store-port-only',
    'vault',
    ['sdk/', 'engine/', 'cost/', 'protection/', 'gateway/', 'journal/', ...adapters, ...top],
    'The vault works on the store port and node:crypto: the SDK and the composition root use it, never the other way.',
  ),
  layer('protection-above-engine', 'protection', [...adapters, ...top], 'Rate limits use the store port and the engine hooks.'),
  layer(
    'oversight-above-engine',
    'oversight',
    [...adapters, ...top],
    'The inbox, escalations and feedback work on the runtime and the store port; the API, the CLI and the dashboard sit on them.',
  ),
  layer(
    'guardrail-detectors-standalone',
    'guardrails/detectors',
    ['(?!guardrails/detectors/|errors/|internal/)'],
    'The detectors are pure functions over text, public on their own (keel/guardrails): they depend on nothing of Keel but errors.',
  ),
  {
    name: 'telemetry-below-engine',
    severity: 'error',
    comment: 'Logging is used by every layer: the logger depends on nothing of Keel.',
    from: { path: '^src/telemetry/logger\\.ts$' },
    to: { path: '^src/' },
  },
  layer(
    'observability-above-engine',
    'telemetry/(?:tracing|metrics|alerts)',
    [...adapters, 'cli/', 'server/', 'testing/', 'keel(?:-env)?\\.ts', 'index\\.ts'],
    'Traces, metrics and alert rules are commit observers and store queries: they know the engine, the journal and the store port, never an adapter or the wiring.',
  ),
  layer(
    'server-below-cli',
    'server',
    ['cli/', 'testing/', 'dashboard/', 'store/sqlite/', 'store/postgres/'],
    'The HTTP API knows the runtime and the store port; the dashboard sits on it, never the other way.',
  ),
  layer(
    'dashboard-above-server',
    'dashboard',
    ['cli/', 'testing/', ...adapters, 'keel(?:-env)?\\.ts', 'index\\.ts'],
    "The dashboard is pages over the API's authentication, the runtime and the store port: the CLI serves it, it knows no adapter or wiring.",
  ),
];

/** @type {import('dependency-cruiser').IConfiguration} */
export default {
  forbidden,
  options: {
    tsPreCompilationDeps: true,
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^(dist|node_modules)/' },
    moduleSystems: ['es6'],
  },
};
