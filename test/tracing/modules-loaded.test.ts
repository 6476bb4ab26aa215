import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { repositoryRoot } from '../crash/worker-process.ts';
import { startFakeOtlpReceiver } from '../../src/testing/index.ts';

const run = promisify(execFile);

/** Runs one agent turn in a fresh Node process and reports the OpenTelemetry modules it loaded. */
async function modulesLoaded(env: Record<string, string>): Promise<{ status: string; loaded: string[] }> {
  const clean = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('OTEL_')));
  const { stdout } = await run(process.execPath, ['--conditions=keel-source', 'test/tracing/run-once.ts'], { cwd: repositoryRoot, env: { ...clean, ...env } });
  return JSON.parse(stdout.trim().split('\n').at(-1) ?? '{}') as { status: string; loaded: string[] };
}

describe('OpenTelemetry is loaded only when tracing is configured', () => {
  it('loads none of the SDK, the exporter or protobuf without an OTLP endpoint', async () => {
    const { status, loaded } = await modulesLoaded({});
    expect(status).toBe('completed');
    // Only the API facade (no-op without an SDK), which prom-client's process metrics require.
    expect(loaded).toEqual(['@opentelemetry/api']);
  });

  it('loads the SDK and the OTLP exporter when an endpoint is set (so the check above can see them)', async () => {
    const receiver = await startFakeOtlpReceiver();
    try {
      const { status, loaded } = await modulesLoaded({ OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint });
      expect(status).toBe('completed');
      expect(loaded).toEqual(expect.arrayContaining(['@opentelemetry/sdk-trace', '@opentelemetry/exporter-trace-otlp-proto', '@opentelemetry/resources']));
      expect(receiver.spans.map((span) => span.name)).toContain('invoke_agent greeter');
    } finally {
      await receiver.close();
    }
  });
});
