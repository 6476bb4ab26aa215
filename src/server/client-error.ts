import type { Duplex } from 'node:stream';
import { errorCatalogue, type ErrorCode } from '../errors/index.ts';
import type { Logger } from '../telemetry/logger.ts';

/** What each of Node's parser errors means in the catalogue's terms; anything else is a malformed request. */
const parserErrors: Partial<Record<string, { code: ErrorCode; message: string }>> = {
  HPE_HEADER_OVERFLOW: {
    code: 'HEADERS_TOO_LARGE',
    message: 'The request line and headers are too large: send large values in a JSON body, not in the URL or headers',
  },
  HPE_CHUNK_EXTENSIONS_OVERFLOW: { code: 'BODY_TOO_LARGE', message: 'The chunk extensions of the request body are too large' },
  ERR_HTTP_REQUEST_TIMEOUT: { code: 'REQUEST_TIMEOUT', message: 'The request was not received in time' },
};
const malformed = { code: 'REQUEST_MALFORMED', message: 'The request is not well-formed HTTP' } as const;

const reasons: Record<number, string> = { 400: 'Bad Request', 408: 'Request Timeout', 413: 'Content Too Large', 431: 'Request Header Fields Too Large' };

/**
 * The `clientError` handler of the HTTP server: a request Node's parser refused (a URL or headers
 * over the size limit, bytes that are not HTTP, a broken chunked body, a timeout) never reaches
 * the app, and Node's own answer is an empty 400/431. This one answers with the API's JSON error
 * body and closes the connection — unless a response has already begun on it, where nothing can be
 * written without corrupting it, or the peer is gone.
 *
 * @example
 * server.on('clientError', (error, socket) => answerClientError(error, socket, logger));
 */
export function answerClientError(error: Error & { code?: string }, socket: Duplex, logger?: Logger): void {
  // `_httpMessage` is the response in flight on this socket, if any: Node's own handler checks it
  // the same way, since a request can fail mid-body after the app began answering it.
  const inFlight = (socket as Duplex & { _httpMessage?: { headersSent?: boolean } })._httpMessage;
  if (error.code === 'ECONNRESET' || !socket.writable || inFlight?.headersSent === true) {
    socket.destroy();
    return;
  }
  const answer = parserErrors[error.code ?? ''] ?? malformed;
  const status = errorCatalogue[answer.code].status;
  logger?.debug({ code: answer.code, parserError: error.code }, 'refused a request the HTTP parser could not read');
  const body = JSON.stringify({ error: answer });
  socket.end(
    `HTTP/1.1 ${status} ${reasons[status] ?? 'Bad Request'}\r\n` +
      'Content-Type: application/json\r\n' +
      `Content-Length: ${Buffer.byteLength(body)}\r\n` +
      'Connection: close\r\n\r\n' +
      body,
  );
  // `end` flushes the answer; the socket is destroyed once it has, or soon after if the peer stalls.
  const timer = setTimeout(() => socket.destroy(), 1_000);
  timer.unref();
  socket.once('close', () => clearTimeout(timer));
  socket.once('finish', () => socket.destroy());
}
