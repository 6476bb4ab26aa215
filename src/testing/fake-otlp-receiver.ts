import { once } from 'node:events';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gunzipSync } from 'node:zlib';

/** A span as the receiver decoded it from an OTLP `ExportTraceServiceRequest`. */
export interface ReceivedSpan {
  /** Hex, as in W3C trace context. */
  traceId: string;
  spanId: string;
  /** Empty for a root span. */
  parentSpanId: string;
  name: string;
  kind: 'unspecified' | 'internal' | 'server' | 'client' | 'producer' | 'consumer';
  /** Nanoseconds since the epoch. */
  startTimeUnixNano: bigint;
  endTimeUnixNano: bigint;
  attributes: Record<string, unknown>;
  events: Array<{ name: string; timeUnixNano: bigint; attributes: Record<string, unknown> }>;
  status: { code: 'unset' | 'ok' | 'error'; message: string };
  /** The attributes of the resource that sent it (`service.name`, …). */
  resource: Record<string, unknown>;
  scope: string;
}

export interface FakeOtlpReceiver {
  /** The OTLP/HTTP base endpoint: set it as `OTEL_EXPORTER_OTLP_ENDPOINT`. */
  readonly endpoint: string;
  /** Every span received so far, in arrival order. */
  readonly spans: ReceivedSpan[];
  /** The headers of each export request (to check `OTEL_EXPORTER_OTLP_HEADERS`). */
  readonly requests: Array<{ headers: Record<string, string | string[] | undefined> }>;
  /** Resolves once `predicate` holds for the spans received (checked on each export), or rejects after `timeoutMs`. */
  waitFor(predicate: (spans: ReceivedSpan[]) => boolean, timeoutMs?: number): Promise<ReceivedSpan[]>;
  close(): Promise<void>;
}

/*
 * The messages of opentelemetry-proto's `ExportTraceServiceRequest` that a trace export uses
 * (collector/trace/v1, trace/v1, common/v1, resource/v1), with the spec's field numbers.
 */
const otlpTraceProto = `
syntax = "proto3";
package keel.otlp;
message ExportTraceServiceRequest { repeated ResourceSpans resource_spans = 1; }
message ResourceSpans { Resource resource = 1; repeated ScopeSpans scope_spans = 2; string schema_url = 3; }
message Resource { repeated KeyValue attributes = 1; uint32 dropped_attributes_count = 2; }
message ScopeSpans { InstrumentationScope scope = 1; repeated Span spans = 2; string schema_url = 3; }
message InstrumentationScope { string name = 1; string version = 2; repeated KeyValue attributes = 3; uint32 dropped_attributes_count = 4; }
message Span {
  bytes trace_id = 1;
  bytes span_id = 2;
  string trace_state = 3;
  bytes parent_span_id = 4;
  fixed32 flags = 16;
  string name = 5;
  int32 kind = 6;
  fixed64 start_time_unix_nano = 7;
  fixed64 end_time_unix_nano = 8;
  repeated KeyValue attributes = 9;
  uint32 dropped_attributes_count = 10;
  repeated Event events = 11;
  uint32 dropped_events_count = 12;
  repeated Link links = 13;
  uint32 dropped_links_count = 14;
  Status status = 15;
}
message Event { fixed64 time_unix_nano = 1; string name = 2; repeated KeyValue attributes = 3; uint32 dropped_attributes_count = 4; }
message Link { bytes trace_id = 1; bytes span_id = 2; string trace_state = 3; repeated KeyValue attributes = 4; uint32 dropped_attributes_count = 5; fixed32 flags = 6; }
message Status { string message = 2; int32 code = 3; }
message KeyValue { string key = 1; AnyValue value = 2; }
message AnyValue {
  oneof value {
    string string_value = 1;
    bool bool_value = 2;
    int64 int_value = 3;
    double double_value = 4;
    ArrayValue array_value = 5;
    KeyValueList kvlist_value = 6;
    bytes bytes_value = 7;
  }
}
message ArrayValue { repeated AnyValue values = 1; }
message KeyValueList { repeated KeyValue values = 1; }
`;

const kinds: ReceivedSpan['kind'][] = ['unspecified', 'internal', 'server', 'client', 'producer', 'consumer'];
const statusCodes: ReceivedSpan['status']['code'][] = ['unset', 'ok', 'error'];

/**
 * A real OTLP/HTTP endpoint (`POST /v1/traces`, protobuf, gzip or not) that decodes every
 * `ExportTraceServiceRequest` it receives, for tests of tracing: point a runtime's
 * `OTEL_EXPORTER_OTLP_ENDPOINT` at `endpoint` and read `spans`.
 *
 * @example
 * const receiver = await startFakeOtlpReceiver();
 * const env = { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint, OTEL_BSP_SCHEDULE_DELAY: '50' };
 * // … run something with that environment …
 * const spans = await receiver.waitFor((spans) => spans.some((span) => span.name.startsWith('invoke_agent')));
 * await receiver.close();
 */
export async function startFakeOtlpReceiver(): Promise<FakeOtlpReceiver> {
  // Loaded here, not at the top: importing the test kit costs nothing for tests that never trace.
  const protobuf = (await import('protobufjs')).default;
  const requestType = protobuf.parse(otlpTraceProto, { keepCase: true }).root.lookupType('keel.otlp.ExportTraceServiceRequest');
  const spans: ReceivedSpan[] = [];
  const requests: FakeOtlpReceiver['requests'] = [];
  const listeners = new Set<() => void>();

  const server = createServer((request: IncomingMessage, response: ServerResponse) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      if (request.method !== 'POST' || request.url?.split('?')[0] !== '/v1/traces') {
        response.writeHead(404).end();
        return;
      }
      try {
        const raw = Buffer.concat(chunks);
        const body = request.headers['content-encoding'] === 'gzip' ? gunzipSync(raw) : raw;
        const decoded = requestType.toObject(requestType.decode(body), { longs: String, arrays: true }) as DecodedRequest;
        requests.push({ headers: { ...request.headers } });
        spans.push(...flatten(decoded));
      } catch (error) {
        response.writeHead(400, { 'content-type': 'text/plain' }).end(String(error));
        return;
      }
      // An empty ExportTraceServiceResponse: full success.
      response.writeHead(200, { 'content-type': 'application/x-protobuf' }).end();
      for (const listener of listeners) listener();
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;

  return {
    endpoint: `http://127.0.0.1:${port}`,
    spans,
    requests,
    waitFor(predicate, timeoutMs = 10_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          if (!predicate(spans)) return;
          cleanup();
          resolve(spans);
        };
        const timer = setTimeout(() => {
          cleanup();
          reject(
            new Error(`the OTLP receiver did not get the expected spans within ${timeoutMs} ms (got: ${spans.map((span) => span.name).join(', ') || 'none'})`),
          );
        }, timeoutMs);
        const cleanup = () => {
          clearTimeout(timer);
          listeners.delete(check);
        };
        listeners.add(check);
        check();
      });
    },
    async close() {
      server.closeAllConnections();
      server.close();
      await once(server, 'close');
    },
  };
}

interface DecodedKeyValue {
  key: string;
  value?: DecodedAnyValue;
}
interface DecodedAnyValue {
  string_value?: string;
  bool_value?: boolean;
  int_value?: string;
  double_value?: number;
  array_value?: { values: DecodedAnyValue[] };
  kvlist_value?: { values: DecodedKeyValue[] };
  bytes_value?: Uint8Array;
}
interface DecodedSpan {
  trace_id?: Uint8Array;
  span_id?: Uint8Array;
  parent_span_id?: Uint8Array;
  name?: string;
  kind?: number;
  start_time_unix_nano?: string;
  end_time_unix_nano?: string;
  attributes: DecodedKeyValue[];
  events: Array<{ name?: string; time_unix_nano?: string; attributes: DecodedKeyValue[] }>;
  status?: { message?: string; code?: number };
}
interface DecodedRequest {
  resource_spans: Array<{ resource?: { attributes: DecodedKeyValue[] }; scope_spans: Array<{ scope?: { name: string }; spans: DecodedSpan[] }> }>;
}

function flatten(request: DecodedRequest): ReceivedSpan[] {
  return request.resource_spans.flatMap((resourceSpans) => {
    const resource = attributesOf(resourceSpans.resource?.attributes ?? []);
    return resourceSpans.scope_spans.flatMap((scopeSpans) =>
      scopeSpans.spans.map((span) => ({
        traceId: hex(span.trace_id),
        spanId: hex(span.span_id),
        parentSpanId: hex(span.parent_span_id),
        name: span.name ?? '',
        kind: kinds[span.kind ?? 0] ?? 'unspecified',
        startTimeUnixNano: BigInt(span.start_time_unix_nano ?? '0'),
        endTimeUnixNano: BigInt(span.end_time_unix_nano ?? '0'),
        attributes: attributesOf(span.attributes),
        events: span.events.map((event) => ({
          name: event.name ?? '',
          timeUnixNano: BigInt(event.time_unix_nano ?? '0'),
          attributes: attributesOf(event.attributes),
        })),
        status: { code: statusCodes[span.status?.code ?? 0] ?? 'unset', message: span.status?.message ?? '' },
        resource,
        scope: scopeSpans.scope?.name ?? '',
      })),
    );
  });
}

function hex(bytes: Uint8Array | undefined): string {
  return bytes === undefined ? '' : Buffer.from(bytes).toString('hex');
}

function attributesOf(list: DecodedKeyValue[]): Record<string, unknown> {
  return Object.fromEntries(list.map((entry) => [entry.key, valueOf(entry.value)]));
}

function valueOf(value: DecodedAnyValue | undefined): unknown {
  if (value === undefined) return undefined;
  if (value.string_value !== undefined) return value.string_value;
  if (value.bool_value !== undefined) return value.bool_value;
  if (value.int_value !== undefined) return Number(value.int_value);
  if (value.double_value !== undefined) return value.double_value;
  if (value.array_value !== undefined) return value.array_value.values.map(valueOf);
  if (value.kvlist_value !== undefined) return attributesOf(value.kvlist_value.values);
  return value.bytes_value;
}
