import type { Logger } from '../logger.ts';
import type { SpanRecord, SpanSink } from './span-record.ts';
import type { OtlpTracingSettings } from './tracing-settings.ts';

type ReadableSpan = import('@opentelemetry/sdk-trace').ReadableSpan;
type BatchSpanProcessor = import('@opentelemetry/sdk-trace').BatchSpanProcessor;
type Resource = import('@opentelemetry/resources').Resource;

const scope = { name: 'keel', version: '0.1.0' };
// The numeric values of the API's SpanKind, SpanStatusCode and TraceFlags: spelled out so that
// turning a span record into the SDK's shape needs no import of the API either.
const spanKind = { internal: 0, client: 2 } as const;
const statusCode = { unset: 0, error: 2 } as const;
const sampled = 1;

/**
 * A span sink that exports over OTLP/HTTP with protobuf through the OpenTelemetry SDK's batch
 * span processor. The SDK is loaded with `import()` when the sink is created, so a process
 * without tracing configured never loads any of it; spans handed over before it has loaded wait
 * for it.
 *
 * @example
 * const sink = createOtlpSpanSink({ settings, logger });
 * sink.export(spans);
 * await sink.shutdown();
 */
export function createOtlpSpanSink(options: { settings: OtlpTracingSettings; logger: Logger }): SpanSink {
  const { settings, logger } = options;
  const waiting: SpanRecord[] = [];
  let ready: { processor: BatchSpanProcessor; resource: Resource } | undefined;
  let stopped = false;
  const loading = loadProcessor(settings).then(
    (loaded) => {
      ready = loaded;
      for (const span of waiting.splice(0)) loaded.processor.onEnd(toReadableSpan(span, loaded.resource));
    },
    (error: unknown) => {
      waiting.length = 0;
      logger.error({ err: error }, 'tracing is off: the OpenTelemetry exporter could not be loaded');
    },
  );
  return {
    export(spans) {
      if (stopped) return;
      if (ready === undefined) waiting.push(...spans);
      else for (const span of spans) ready.processor.onEnd(toReadableSpan(span, ready.resource));
    },
    async flush() {
      await loading;
      await ready?.processor.forceFlush();
    },
    async shutdown() {
      await loading;
      stopped = true;
      await ready?.processor.shutdown();
    },
  };
}

async function loadProcessor(settings: OtlpTracingSettings): Promise<{ processor: BatchSpanProcessor; resource: Resource }> {
  const [{ BatchSpanProcessor }, { OTLPTraceExporter }, { resourceFromAttributes }] = await Promise.all([
    import('@opentelemetry/sdk-trace'),
    import('@opentelemetry/exporter-trace-otlp-proto'),
    import('@opentelemetry/resources'),
  ]);
  const exporter = new OTLPTraceExporter({
    url: settings.url,
    headers: settings.headers,
    ...(settings.timeoutMs === undefined ? {} : { timeoutMillis: settings.timeoutMs }),
  });
  const { scheduledDelayMs, maxQueueSize, maxExportBatchSize, exportTimeoutMs } = settings.batch;
  const processor = new BatchSpanProcessor({
    exporter,
    ...(scheduledDelayMs === undefined ? {} : { scheduledDelayMillis: scheduledDelayMs }),
    ...(maxQueueSize === undefined ? {} : { maxQueueSize }),
    ...(maxExportBatchSize === undefined ? {} : { maxExportBatchSize }),
    ...(exportTimeoutMs === undefined ? {} : { exportTimeoutMillis: exportTimeoutMs }),
  });
  const resource = resourceFromAttributes({ ...settings.resourceAttributes, 'service.name': settings.serviceName });
  return { processor, resource };
}

function toReadableSpan(span: SpanRecord, resource: Resource): ReadableSpan {
  const context = { traceId: span.traceId, spanId: span.spanId, traceFlags: sampled };
  return {
    name: span.name,
    kind: spanKind[span.kind],
    spanContext: () => context,
    ...(span.parentSpanId === undefined
      ? {}
      : { parentSpanContext: { traceId: span.traceId, spanId: span.parentSpanId, traceFlags: sampled, isRemote: span.parentIsRemote === true } }),
    startTime: hrTime(span.startMs),
    endTime: hrTime(span.endMs),
    duration: hrTime(Math.max(0, span.endMs - span.startMs)),
    status: { code: statusCode[span.status.code], ...(span.status.message === undefined ? {} : { message: span.status.message }) },
    attributes: span.attributes,
    links: [],
    events: span.events.map((event) => ({ name: event.name, time: hrTime(event.atMs), attributes: event.attributes })),
    ended: true,
    resource,
    instrumentationScope: scope,
    droppedAttributesCount: 0,
    droppedEventsCount: 0,
    droppedLinksCount: 0,
  };
}

/** Milliseconds since the epoch as OpenTelemetry's [seconds, nanoseconds]. */
function hrTime(ms: number): [number, number] {
  const whole = Math.max(0, ms);
  const seconds = Math.floor(whole / 1_000);
  const nanos = Math.min(999_999_999, Math.round((whole - seconds * 1_000) * 1e6));
  return [seconds, nanos];
}
