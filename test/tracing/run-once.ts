// Runs one agent turn through createRuntime with the environment it was given, and prints which
// OpenTelemetry modules were loaded along the way (as one JSON line on stdout).
import { registerHooks } from 'node:module';

const loaded = new Set<string>();
registerHooks({
  resolve(specifier, context, nextResolve) {
    const resolved = nextResolve(specifier, context);
    const match = /node_modules\/(@opentelemetry\/[^/]+|protobufjs)\//.exec(resolved.url);
    if (match?.[1] !== undefined) loaded.add(match[1]);
    return resolved;
  },
});

const { createRuntime } = await import('../../src/keel.ts');
const { defineAgent } = await import('../../src/sdk/define-agent.ts');
const { defineConfig } = await import('../../src/sdk/define-config.ts');
const { createSqliteStore } = await import('../../src/store/sqlite/sqlite-store.ts');
const { createSilentLogger } = await import('../../src/telemetry/logger.ts');
const { scriptedModel } = await import('../../src/testing/scripted-model.ts');

const store = createSqliteStore({ path: ':memory:' });
await store.migrate();
const agent = defineAgent({ name: 'greeter', model: scriptedModel([{ text: 'Hello.' }]), instructions: 'Greet.' });
const runtime = createRuntime({ config: defineConfig({ agents: [agent] }), store, env: process.env, logger: createSilentLogger() });
const run = await runtime.run({ agent: 'greeter', input: 'hi' });
await runtime.close();
await store.close();
process.stdout.write(`${JSON.stringify({ status: run.status, loaded: [...loaded].sort() })}\n`);
