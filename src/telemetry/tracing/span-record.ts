/**
 * A finished span as Keel derives it from a run's journal: plain data, with ids and times
 * decided by the journal, so any process can build the same span. The OTLP exporter turns it
 * into the SDK's `ReadableSpan`; tests read it as it is.
 */
export interface SpanRecord {
  name: string;
  kind: 'internal' | 'client';
  /** 32 hex digits. */
  traceId: string;
  /** 16 hex digits. */
  spanId: string;
  /** The parent span (the caller's span for a run's root); absent for a root without a caller. */
  parentSpanId?: string;
  /** Whether the parent is the caller's span, from another process (W3C `traceparent`). */
  parentIsRemote?: boolean;
  /** Epoch milliseconds (fractions allowed). */
  startMs: number;
  endMs: number;
  attributes: Record<string, SpanAttributeValue>;
  events: SpanEventRecord[];
  status: { code: 'unset' | 'error'; message?: string };
}

export type SpanAttributeValue = string | number | boolean | string[];

export interface SpanEventRecord {
  name: string;
  atMs: number;
  attributes: Record<string, SpanAttributeValue>;
}

/** Where derived spans go: the OTLP exporter, or a list in tests. */
export interface SpanSink {
  /** Takes finished spans; never throws and never waits (batching is the sink's business). */
  export(spans: readonly SpanRecord[]): void;
  /** Sends what is buffered. */
  flush(): Promise<void>;
  /** Flushes, then stops for good. */
  shutdown(): Promise<void>;
}
