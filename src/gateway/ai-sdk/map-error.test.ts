import { APICallError } from '@ai-sdk/provider';
import { describe, expect, it } from 'vitest';
import { parseRetryAfter, toModelError } from './map-error.ts';

const context = { provider: 'openai.chat', modelId: 'gpt-4o-mini' };

function apiError(statusCode: number | undefined, message: string, extra: { isRetryable?: boolean; responseHeaders?: Record<string, string> } = {}) {
  return new APICallError({ message, url: 'http://x', requestBodyValues: { secret: 'prompt' }, statusCode, ...extra });
}

describe('parseRetryAfter', () => {
  it('reads retry-after-ms before retry-after', () => {
    expect(parseRetryAfter({ 'retry-after-ms': '1500', 'retry-after': '2' })).toBe(1.5);
    expect(parseRetryAfter({ 'retry-after': '2' })).toBe(2);
  });

  it('reads an HTTP date relative to now', () => {
    const now = Date.parse('2025-01-01T00:00:00Z');
    expect(parseRetryAfter({ 'retry-after': 'Wed, 01 Jan 2025 00:00:30 GMT' }, now)).toBe(30);
  });

  it('ignores missing or unreadable values', () => {
    expect(parseRetryAfter(undefined)).toBeUndefined();
    expect(parseRetryAfter({ 'retry-after': 'soon' })).toBeUndefined();
  });
});

describe('toModelError', () => {
  it.each([
    [403, 'MODEL_AUTH_FAILED'],
    [404, 'MODEL_REQUEST_REJECTED'],
    [408, 'MODEL_TIMEOUT'],
    [529, 'MODEL_UNAVAILABLE'],
  ])('maps status %i to %s', (status, code) => {
    expect(toModelError(apiError(status, 'boom'), context).code).toBe(code);
  });

  it('maps a redirect to an invalid response that is not worth retrying, and an unreadable 200 to one that is', () => {
    const redirect = toModelError(apiError(308, 'Permanent Redirect: the API moved to https://elsewhere.test/v1'), context);
    expect(redirect).toMatchObject({ code: 'MODEL_RESPONSE_INVALID', retryable: false, details: { status: 308 } });
    expect(toModelError(apiError(200, 'Invalid JSON response'), context)).toMatchObject({ code: 'MODEL_RESPONSE_INVALID', retryable: true });
  });

  it('maps a network failure without a status to MODEL_UNAVAILABLE', () => {
    const error = toModelError(apiError(undefined, 'Cannot connect to API: ECONNREFUSED', { isRetryable: true }), context);
    expect(error.code).toBe('MODEL_UNAVAILABLE');
  });

  it('keeps the request body out of the message and details, and redacts echoed keys', () => {
    const error = toModelError(apiError(401, 'Incorrect API key provided: sk-abc***************wxyz.'), context);
    const shown = JSON.stringify({ message: error.message, details: error.details });
    expect(shown).not.toContain('prompt');
    expect(shown).not.toContain('wxyz');
    expect(error.details).toEqual({ provider: 'openai.chat', modelId: 'gpt-4o-mini', status: 401 });
  });

  it('treats an unknown error as an invalid, non-retryable response', () => {
    const error = toModelError(new TypeError('undefined is not a function'), context);
    expect([error.code, error.retryable]).toEqual(['MODEL_RESPONSE_INVALID', false]);
  });
});
