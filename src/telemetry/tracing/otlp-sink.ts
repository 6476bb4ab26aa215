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

const noLinks: ReadableSpan['links'] = [];

/**
 * A derived span in the shape the SDK's processor and exporter read. A class, so every span has
 * one shape (spans are made on every commit; an object literal with conditional spreads is not).
 */
class DerivedSpan implements ReadableSpan {
  readonly name: string;
  readonly kind: number;
  readonly parentSpanContext: ReadableSpan['parentSpanContext'];
  readonly startTime: [number, number];
  readonly endTime: [number, number];
  readonly duration: [number, number];
  readonly status: ReadableSpan['status'];
  readonly attributes: ReadableSpan['attributes'];
  readonly links = noLinks;
  readonly events: ReadableSpan['events'];
  readonly ended = true;
  readonly resource: Resource;
  readonly instrumentationScope = scope;
  readonly droppedAttributesCount = 0;
  readonly droppedEventsCount = 0;
  readonly droppedLinksCount = 0;
  readonly #context: { traceId: string; spanId: string; traceFlags: number };

  constructor(span: SpanRecord, resource: Resource) {
    this.name = span.name;
    this.kind = spanKind[span.kind];
    this.#context = { traceId: span.traceId, spanId: span.spanId, traceFlags: sampled };
    this.parentSpanContext =
      span.parentSpanId === undefined
        ? undefined
        : { traceId: span.traceId, spanId: span.parentSpanId, traceFlags: sampled, isRemote: span.parentIsRemote === true };
    this.startTime = hrTime(span.startMs);
    this.endTime = hrTime(span.endMs);
    this.duration = hrTime(Math.max(0, span.endMs - span.startMs));
    this.status =
      span.status.message === undefined ? { code: statusCode[span.status.code] } : { code: statusCode[span.status.code], message: span.status.message };
    this.attributes = span.attributes;
    this.events = span.events.length === 0 ? [] : span.events.map((event) => ({ name: event.name, time: hrTime(event.atMs), attributes: event.attributes }));
    this.resource = resource;
  }

  spanContext(): { traceId: string; spanId: string; traceFlags: number } {
    return this.#context;
  }
}

function toReadableSpan(span: SpanRecord, resource: Resource): ReadableSpan {
  return new DerivedSpan(span, resource);
}

/** Milliseconds since the epoch as OpenTelemetry's [seconds, nanoseconds]. */
function hrTime(ms: number): [number, number] {
  const whole = Math.max(0, ms);
  const seconds = Math.floor(whole / 1_000);
  const nanos = Math.min(999_999_999, Math.round((whole - seconds * 1_000) * 1e6));
  return [seconds, nanos];
}
