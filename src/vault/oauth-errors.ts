import * as oauth from 'oauth4webapi';
import { KeelError } from '../errors/index.ts';

/*
 * oauth4webapi's errors carry the provider's response, and for a malformed answer its whole
 * body, tokens included. Keel's errors therefore never keep them as `cause` (loggers serialise
 * causes): they carry the OAuth error code, the HTTP status and the provider's description with
 * every secret of the request blanked out.
 */

/** OAuth error codes retrying the same request may fix. */
const transientErrors = ['temporarily_unavailable', 'server_error', 'slow_down'];

export interface OAuthErrorContext {
  provider: string;
  /** What was being done, for the message: `exchange the authorization code`, `refresh the access token`. */
  operation: string;
  /** The request's secrets (refresh token, code, verifier, client secret), never to appear in a message. */
  secrets: readonly (string | undefined)[];
  timeoutMs: number;
}

/** Maps whatever the token request threw to `OAUTH_INVALID_GRANT` or `OAUTH_FAILED`. */
export async function toOAuthError(error: unknown, context: OAuthErrorContext): Promise<KeelError> {
  if (KeelError.isInstance(error)) return error;
  const { provider, operation } = context;
  const failed = (message: string, retryable: boolean, details: Record<string, unknown> = {}) =>
    new KeelError({
      code: 'OAUTH_FAILED',
      message: redact(`Could not ${operation} at "${provider}": ${message}`, context.secrets),
      retryable,
      details: { provider, ...details },
    });

  const fromOAuthError = (oauthError: string, description: string | undefined, status: number): KeelError => {
    const detail = description === undefined ? '' : `: ${description}`;
    const details = { provider, error: oauthError, status };
    if (oauthError === 'invalid_grant') {
      return new KeelError({
        code: 'OAUTH_INVALID_GRANT',
        message: redact(`"${provider}" refused to ${operation} (invalid_grant${detail}); the user must connect "${provider}" again.`, context.secrets),
        details,
      });
    }
    const retryable = status >= 500 || status === 429 || transientErrors.includes(oauthError);
    return failed(`the provider answered ${status} ${oauthError}${detail}.`, retryable, details);
  };

  if (error instanceof oauth.ResponseBodyError) return fromOAuthError(error.error, error.error_description, error.status);
  if (error instanceof oauth.WWWAuthenticateChallengeError) {
    // A 401 with a challenge (RFC 6749 5.2 for a client that failed Basic authentication); the
    // OAuth error, when there is one, is in the body oauth4webapi left unread.
    const body = await bodyError(error.response);
    const oauthError = body?.error ?? error.cause[0]?.parameters.error;
    const description = body?.description === undefined ? '' : `: ${body.description}`;
    const retryable = error.status >= 500 || error.status === 429;
    const what = oauthError === undefined ? `a ${error.cause[0]?.scheme ?? 'WWW-Authenticate'} challenge` : `${oauthError}${description}`;
    return failed(`the provider answered ${error.status} ${what} (check the client id and secret).`, retryable, {
      status: error.status,
      ...(oauthError === undefined ? {} : { error: oauthError }),
    });
  }
  if (error instanceof oauth.OperationProcessingError) {
    // oauth4webapi reads OAuth errors from 4xx JSON answers only; a 5xx (or a page that is not
    // JSON) arrives here with the unread response as its cause.
    if (error.cause instanceof Response && error.cause.status !== 200) {
      const status = error.cause.status;
      const body = await bodyError(error.cause);
      if (body !== undefined) return fromOAuthError(body.error, body.description, status);
      return failed(`the provider answered HTTP ${status} without an OAuth error.`, status >= 500 || status === 429, { status });
    }
    // A 200 that is not a token response (HTML from a proxy, a body cut short): worth another try.
    return failed(`the provider's answer is not a valid token response (${error.message}).`, true);
  }
  if (error instanceof oauth.UnsupportedOperationError) return failed(`${error.message}.`, false);
  if (error instanceof DOMException && error.name === 'TimeoutError') return failed(`the provider did not answer within ${context.timeoutMs} ms.`, true);
  if (error instanceof DOMException && error.name === 'AbortError') return failed('the request was aborted.', true);
  if (error instanceof TypeError) {
    // fetch reports an unreachable server as a TypeError with the socket error as its cause.
    const reason = error.cause instanceof Error ? error.cause.message : error.message;
    return failed(`the provider could not be reached (${reason}).`, true);
  }
  return failed(error instanceof Error ? error.message : String(error), false);
}

async function bodyError(response: Response): Promise<{ error: string; description: string | undefined } | undefined> {
  try {
    const body = (await response.json()) as { error?: unknown; error_description?: unknown };
    if (typeof body.error !== 'string') return undefined;
    return { error: body.error, description: typeof body.error_description === 'string' ? body.error_description : undefined };
  } catch {
    return undefined;
  }
}

/** The text with every secret (of a useful length) replaced. */
export function redact(text: string, secrets: readonly (string | undefined)[]): string {
  let result = text;
  for (const secret of secrets) if (secret !== undefined && secret.length >= 4) result = result.split(secret).join('[redacted]');
  return result;
}
