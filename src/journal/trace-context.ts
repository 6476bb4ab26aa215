import { hash } from 'node:crypto';

/**
 * W3C Trace Context, as far as a run needs it: the caller's trace (from a `traceparent` header)
 * that the run's spans join, and the trace id a run gets without one. Shared by the store (which
 * keeps a run's `traceparent`), the server (which reads it from requests) and the tracer.
 */
export interface TraceContext {
  /** 32 lowercase hex digits, not all zero. */
  traceId: string;
  /** The caller's span: 16 lowercase hex digits, not all zero. */
  parentSpanId: string;
  /** The caller's sampling decision (flag bit 0). */
  sampled: boolean;
}

const version00 = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;
// A later version may append fields after the flags; its first four fields read as version 00.
const laterVersion = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})(-|$)/;

/**
 * Parses a `traceparent` header value. Anything invalid is `undefined` — the W3C spec says to
 * ignore such a header and start a new trace, never to fail the request.
 *
 * @example
 * parseTraceparent('00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01');
 * // { traceId: '4bf92f3577b34da6a3ce929d0e0e4736', parentSpanId: '00f067aa0ba902b7', sampled: true }
 */
export function parseTraceparent(value: string | null | undefined): TraceContext | undefined {
  if (typeof value !== 'string' || value.length > 512) return undefined;
  const trimmed = value.trim();
  const exact = version00.exec(trimmed);
  const later = exact === null ? laterVersion.exec(trimmed) : null;
  if (exact === null && (later === null || later[1] === '00' || later[1] === 'ff')) return undefined;
  const [traceId, parentSpanId, flags] = exact === null ? [later?.[2], later?.[3], later?.[4]] : [exact[1], exact[2], exact[3]];
  if (traceId === undefined || parentSpanId === undefined || flags === undefined) return undefined;
  if (/^0+$/.test(traceId) || /^0+$/.test(parentSpanId)) return undefined;
  return { traceId, parentSpanId, sampled: (Number.parseInt(flags, 16) & 1) === 1 };
}

/**
 * The `traceparent` (version 00) of a trace context.
 *
 * @example
 * formatTraceparent({ traceId, parentSpanId, sampled: true }); // '00-…-…-01'
 */
export function formatTraceparent(context: TraceContext): string {
  return `00-${context.traceId}-${context.parentSpanId}-${context.sampled ? '01' : '00'}`;
}

/**
 * The trace id of a run started without a `traceparent`: a function of the run id alone, so
 * every process that touches the run — whichever node resumes it after a crash — names the same
 * trace without asking anyone.
 *
 * @example
 * runTraceId('run_0m1abc'); // 32 hex digits, the same on every node
 */
export function runTraceId(runId: string): string {
  return hash('sha256', `keel.trace\u0000${runId}`, 'hex').slice(0, 32);
}

/** A run's trace id: the caller's when it sent a valid `traceparent`, else derived from the run id. */
export function traceIdOfRun(run: { id: string; traceparent: string | null }): string {
  return parseTraceparent(run.traceparent)?.traceId ?? runTraceId(run.id);
}
