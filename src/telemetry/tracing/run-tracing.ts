import type { CommitObserver } from '../../engine/commits.ts';
import type { Store } from '../../store/store.ts';
import type { Logger } from '../logger.ts';
import { createOtlpSpanSink } from './otlp-sink.ts';
import type { SpanSink } from './span-record.ts';
import { createTraceObserver } from './trace-observer.ts';
import { tracingSettingsFromEnv, type OtlpTracingSettings } from './tracing-settings.ts';

/** `createRuntime({ tracing })`: off, or where spans go. Default: OTLP when the `OTEL_*` variables say so. */
export type TracingOption =
  | false
  | {
      /** Export to this OTLP endpoint (default: from the environment). */
      otlp?: OtlpTracingSettings;
      /** Hand spans to this sink instead of exporting them over OTLP (tests, custom exporters). */
      sink?: SpanSink;
      /** Message contents, tool arguments and results in spans. Default: `otlp.captureContent`, else false. */
      captureContent?: boolean;
    };

export interface RunTracing {
  observer: CommitObserver;
  /** Sends what is buffered, then stops (the end of `runtime.close()`). */
  shutdown(): Promise<void>;
}

/**
 * The tracing a runtime gets: `undefined` when it is off (no option and no endpoint in `env`), in
 * which case nothing of OpenTelemetry is loaded.
 *
 * @example
 * const tracing = runTracing({ option: options.tracing, env, store, logger });
 */
export function runTracing(input: {
  option: TracingOption | undefined;
  env: Record<string, string | undefined>;
  store: Pick<Store, 'readJournal'>;
  logger: Logger;
}): RunTracing | undefined {
  const { option, logger } = input;
  if (option === false) return undefined;
  let otlp = option?.otlp;
  if (otlp === undefined && option?.sink === undefined) {
    const fromEnv = tracingSettingsFromEnv(input.env);
    if (fromEnv.ignored.length > 0) logger.warn({ variables: fromEnv.ignored }, 'tracing: ignoring environment variables that do not parse');
    otlp = fromEnv.settings;
  }
  const sink = option?.sink ?? (otlp === undefined ? undefined : createOtlpSpanSink({ settings: otlp, logger }));
  if (sink === undefined) return undefined;
  const captureContent = option?.captureContent ?? otlp?.captureContent ?? false;
  if (otlp !== undefined) logger.info({ endpoint: new URL(otlp.url).origin, service: otlp.serviceName, captureContent }, 'tracing: exporting spans over OTLP');
  return {
    observer: createTraceObserver({ store: input.store, sink, captureContent }),
    // A collector that is down must not turn a clean shutdown into a failed one: the spans are lost, and said so.
    shutdown: () => sink.shutdown().catch((error: unknown) => logger.warn({ err: error }, 'tracing: spans could not be sent at shutdown')),
  };
}
