/** Where and how traces are exported, read from the standard `OTEL_*` variables. */
export interface OtlpTracingSettings {
  /** The OTLP/HTTP traces endpoint, e.g. `http://collector:4318/v1/traces`. */
  url: string;
  headers: Record<string, string>;
  /** Per export request. Default: the exporter's (10 s). */
  timeoutMs?: number;
  serviceName: string;
  resourceAttributes: Record<string, string>;
  batch: { scheduledDelayMs?: number; maxQueueSize?: number; maxExportBatchSize?: number; exportTimeoutMs?: number };
  /** `OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT=true`: message contents, tool arguments and results in spans. */
  captureContent: boolean;
}

/**
 * The tracing settings of an environment, or `undefined` when tracing is off: it is on when
 * `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT` or `OTEL_EXPORTER_OTLP_ENDPOINT` is set (unless
 * `OTEL_SDK_DISABLED=true` or `OTEL_TRACES_EXPORTER=none`). Values that do not parse are left
 * out and named in `ignored`, as the OpenTelemetry spec asks (a warning, not a failure).
 *
 * @example
 * tracingSettingsFromEnv({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://localhost:4318' }).settings?.url; // 'http://localhost:4318/v1/traces'
 */
export function tracingSettingsFromEnv(env: Record<string, string | undefined>): { settings?: OtlpTracingSettings; ignored: string[] } {
  const read = (name: string) => {
    const value = env[name]?.trim();
    return value === undefined || value === '' ? undefined : value;
  };
  if (read('OTEL_SDK_DISABLED')?.toLowerCase() === 'true' || read('OTEL_TRACES_EXPORTER')?.toLowerCase() === 'none') return { ignored: [] };
  const tracesEndpoint = read('OTEL_EXPORTER_OTLP_TRACES_ENDPOINT');
  const baseEndpoint = read('OTEL_EXPORTER_OTLP_ENDPOINT');
  const url = tracesEndpoint ?? (baseEndpoint === undefined ? undefined : `${baseEndpoint.replace(/\/+$/, '')}/v1/traces`);
  if (url === undefined) return { ignored: [] };
  const ignored: string[] = [];
  if (!URL.canParse(url)) return { ignored: [tracesEndpoint === undefined ? 'OTEL_EXPORTER_OTLP_ENDPOINT' : 'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT'] };
  const milliseconds = (name: string): number | undefined => {
    const raw = read(name);
    if (raw === undefined) return undefined;
    const value = Number(raw);
    if (Number.isInteger(value) && value >= 0) return value;
    ignored.push(name);
    return undefined;
  };
  const resourceAttributes = keyValues(read('OTEL_RESOURCE_ATTRIBUTES'));
  const timeoutMs = milliseconds('OTEL_EXPORTER_OTLP_TRACES_TIMEOUT') ?? milliseconds('OTEL_EXPORTER_OTLP_TIMEOUT');
  const batch = {
    scheduledDelayMs: milliseconds('OTEL_BSP_SCHEDULE_DELAY'),
    maxQueueSize: milliseconds('OTEL_BSP_MAX_QUEUE_SIZE'),
    maxExportBatchSize: milliseconds('OTEL_BSP_MAX_EXPORT_BATCH_SIZE'),
    exportTimeoutMs: milliseconds('OTEL_BSP_EXPORT_TIMEOUT'),
  };
  return {
    settings: {
      url,
      headers: { ...keyValues(read('OTEL_EXPORTER_OTLP_HEADERS')), ...keyValues(read('OTEL_EXPORTER_OTLP_TRACES_HEADERS')) },
      ...(timeoutMs === undefined ? {} : { timeoutMs }),
      serviceName: read('OTEL_SERVICE_NAME') ?? resourceAttributes['service.name'] ?? 'keel',
      resourceAttributes,
      batch: Object.fromEntries(Object.entries(batch).filter(([, value]) => value !== undefined)),
      captureContent: read('OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT')?.toLowerCase() === 'true',
    },
    ignored,
  };
}

/** `key1=value1,key2=value2` with percent-encoded values (the W3C Baggage-like OTel list format). */
function keyValues(raw: string | undefined): Record<string, string> {
  const result: Record<string, string> = {};
  for (const pair of raw?.split(',') ?? []) {
    const separator = pair.indexOf('=');
    if (separator <= 0) continue;
    const key = pair.slice(0, separator).trim();
    try {
      result[key] = decodeURIComponent(pair.slice(separator + 1).trim());
    } catch {
      // A value that does not decode is left out, like any other malformed entry.
    }
  }
  return result;
}
