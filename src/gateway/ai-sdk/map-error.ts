import {
  APICallError,
  EmptyResponseBodyError,
  InvalidArgumentError,
  InvalidPromptError,
  InvalidResponseDataError,
  JSONParseError,
  LoadAPIKeyError,
  NoContentGeneratedError,
  TypeValidationError,
  UnsupportedFunctionalityError,
} from '@ai-sdk/provider';
import { isAbortError, isProviderStreamError } from '@ai-sdk/provider-utils';
import { KeelError, type ErrorCode } from '../../errors/index.ts';

export interface ModelErrorContext {
  provider: string;
  modelId: string;
  signal?: AbortSignal;
}

interface Failure {
  status: number | undefined;
  message: string;
  /** The raw response body, where providers put machine-readable codes. */
  body: string;
  /** The provider's own verdict, used only where the status alone cannot tell. */
  isRetryable: boolean | undefined;
  headers: Record<string, string> | undefined;
}

/**
 * Translates whatever an AI SDK model threw (or put in an `error` stream part) into a KeelError.
 * Only the status, the provider's message and the retry headers are kept: request bodies and
 * headers (which carry the API key) never reach `message` or `details`.
 *
 * @example
 * try { await model.doGenerate(options); } catch (error) { throw toModelError(error, { provider, modelId }); }
 */
export function toModelError(error: unknown, context: ModelErrorContext): KeelError {
  if (KeelError.isInstance(error)) return error;
  const where = `${context.provider} model "${context.modelId}"`;
  const make = (code: ErrorCode, message: string, status?: number, extra: { retryable?: boolean; retryAfterSeconds?: number } = {}) =>
    new KeelError({
      code,
      message: `${where}: ${redact(message)}`,
      details: { provider: context.provider, modelId: context.modelId, ...(status === undefined ? {} : { status }) },
      cause: error,
      ...extra,
    });

  if (context.signal?.aborted === true || isAbortError(error)) {
    return make('MODEL_TIMEOUT', 'the request was aborted before the model answered');
  }
  const failure = describeFailure(error);
  if (failure !== undefined) {
    const { status, message } = failure;
    if (status === undefined || status < 400) {
      // 2xx with a body that would not parse (an HTML page, say) versus a connection lost
      // mid-response, which the SDK marks retryable. A redirect answers the same way every
      // time (Keel follows none): asking again only delays the error.
      if (failure.isRetryable === true) return make('MODEL_UNAVAILABLE', `connection failed: ${message}`, status);
      const redirected = status !== undefined && status >= 300 && status < 400;
      return make('MODEL_RESPONSE_INVALID', `unreadable response: ${message}`, status, redirected ? { retryable: false } : {});
    }
    if (status === 429) {
      const retryAfterSeconds = parseRetryAfter(failure.headers);
      return make('MODEL_RATE_LIMITED', `rate limited (429): ${message}`, status, retryAfterSeconds === undefined ? {} : { retryAfterSeconds });
    }
    if (status === 401 || status === 403) return make('MODEL_AUTH_FAILED', `authentication failed (${status}): ${message}`, status);
    if (status === 408) return make('MODEL_TIMEOUT', `request timed out (408): ${message}`, status);
    if (status >= 500) return make('MODEL_UNAVAILABLE', `provider unavailable (${status}): ${message}`, status);
    const evidence = `${message}\n${failure.body}`;
    if (status === 413 || contextTooLong.test(evidence)) return make('MODEL_CONTEXT_TOO_LONG', `context window exceeded (${status}): ${message}`, status);
    if (contentFiltered.test(evidence)) return make('MODEL_CONTENT_FILTERED', `refused by the provider's content policy (${status}): ${message}`, status);
    return make('MODEL_REQUEST_REJECTED', `request rejected (${status}): ${message}`, status);
  }
  const message = error instanceof Error ? error.message : String(error);
  if (LoadAPIKeyError.isInstance(error)) return make('MODEL_KEY_MISSING', message);
  if (InvalidPromptError.isInstance(error) || InvalidArgumentError.isInstance(error) || UnsupportedFunctionalityError.isInstance(error)) {
    return make('MODEL_REQUEST_REJECTED', message);
  }
  if (
    JSONParseError.isInstance(error) ||
    TypeValidationError.isInstance(error) ||
    InvalidResponseDataError.isInstance(error) ||
    EmptyResponseBodyError.isInstance(error) ||
    NoContentGeneratedError.isInstance(error)
  ) {
    return make('MODEL_RESPONSE_INVALID', `unreadable response: ${message}`);
  }
  // Not a failure we recognise (most likely a bug in a provider): retrying would not help.
  return make('MODEL_RESPONSE_INVALID', message, undefined, { retryable: false });
}

/*
 * Providers say "your prompt is too long" and "refused by the safety system" only in words and
 * codes, with a plain 400: OpenAI `context_length_exceeded` / `content_policy_violation` (and
 * Azure's `content_filter`), Anthropic "prompt is too long" / "content filtering policy",
 * Google "exceeds the maximum number of tokens" / SAFETY blocks. These are worth telling apart
 * from other 400s because another model may well accept the same request (a fallback).
 */
const contextTooLong =
  /context_length_exceeded|maximum context length|context window|prompt is too long|input is too long|exceeds the maximum number of tokens|too many tokens/i;
const contentFiltered = /content_policy_violation|content_filter|content filtering policy|safety system|content management policy|blocked.{0,20}\bsafety\b/i;

/** The HTTP-level facts of an APICallError, a provider stream error, or an error-shaped object. */
function describeFailure(error: unknown): Failure | undefined {
  if (APICallError.isInstance(error)) {
    return { status: error.statusCode, message: error.message, body: error.responseBody ?? '', isRetryable: error.isRetryable, headers: error.responseHeaders };
  }
  if (isProviderStreamError(error)) {
    return { status: error.statusCode ?? 500, message: error.message, body: '', isRetryable: error.isRetryable, headers: undefined };
  }
  // OpenAI-style `{ message, type, code }` objects that arrived in a stream without a status.
  if (!(error instanceof Error) && typeof error === 'object' && error !== null && typeof (error as { message?: unknown }).message === 'string') {
    return { status: 500, message: (error as { message: string }).message, body: '', isRetryable: undefined, headers: undefined };
  }
  return undefined;
}

/**
 * Seconds to wait, from `retry-after-ms` (OpenAI) or `retry-after` (seconds or an HTTP date).
 *
 * @example
 * parseRetryAfter({ 'retry-after': '20' }); // 20
 */
export function parseRetryAfter(headers: Record<string, string> | undefined, now = Date.now()): number | undefined {
  if (headers === undefined) return undefined;
  const milliseconds = Number.parseFloat(headers['retry-after-ms'] ?? '');
  if (Number.isFinite(milliseconds) && milliseconds >= 0) return milliseconds / 1000;
  const value = headers['retry-after'];
  if (value === undefined) return undefined;
  const seconds = Number.parseFloat(value);
  if (Number.isFinite(seconds) && seconds >= 0) return seconds;
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, (date - now) / 1000);
}

/** Providers sometimes echo (part of) a key in auth errors; never pass that on. */
function redact(message: string): string {
  return message.replace(/\b(?:sk|pk|rk|key)[-_][A-Za-z0-9_*-]{6,}/g, '[redacted]');
}
