import { Duplex } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { answerClientError } from './client-error.ts';

/** A socket that records what is written to it. */
function socket(options: { inFlight?: { headersSent: boolean } } = {}): Duplex & { written: string; destroyedNow: () => boolean } {
  let written = '';
  const duplex = new Duplex({
    read() {},
    write(chunk: Buffer, _encoding, callback) {
      written += chunk.toString();
      callback();
    },
  }) as Duplex & { written: string; destroyedNow: () => boolean; _httpMessage?: { headersSent: boolean } };
  if (options.inFlight !== undefined) duplex._httpMessage = options.inFlight;
  Object.defineProperty(duplex, 'written', { get: () => written });
  duplex.destroyedNow = () => duplex.destroyed;
  return duplex;
}

const failure = (code: string) => Object.assign(new Error(code), { code });

describe('answerClientError', () => {
  it.each([
    ['HPE_HEADER_OVERFLOW', '431 Request Header Fields Too Large', 'HEADERS_TOO_LARGE'],
    ['ERR_HTTP_REQUEST_TIMEOUT', '408 Request Timeout', 'REQUEST_TIMEOUT'],
    ['HPE_CHUNK_EXTENSIONS_OVERFLOW', '413 Content Too Large', 'BODY_TOO_LARGE'],
    ['HPE_INVALID_METHOD', '400 Bad Request', 'REQUEST_MALFORMED'],
    [undefined, '400 Bad Request', 'REQUEST_MALFORMED'],
  ])('answers %s with %s and the JSON error body, then closes', async (code, statusLine, errorCode) => {
    const target = socket();
    answerClientError(code === undefined ? new Error('odd') : failure(code), target);
    await new Promise((resolve) => setImmediate(resolve));
    const [head = '', body = ''] = target.written.split('\r\n\r\n');
    expect(head.split('\r\n')).toEqual([
      `HTTP/1.1 ${statusLine}`,
      'Content-Type: application/json',
      `Content-Length: ${Buffer.byteLength(body)}`,
      'Connection: close',
    ]);
    expect(JSON.parse(body)).toEqual({ error: { code: errorCode, message: expect.any(String) } });
    expect(target.destroyedNow()).toBe(true);
  });

  it('writes nothing into a response already under way, nor to a peer that reset the connection', () => {
    const answering = socket({ inFlight: { headersSent: true } });
    answerClientError(failure('HPE_INVALID_CHUNK_SIZE'), answering);
    const reset = socket();
    answerClientError(failure('ECONNRESET'), reset);
    expect([answering.written, answering.destroyedNow(), reset.written, reset.destroyedNow()]).toEqual(['', true, '', true]);
  });

  it('still answers when a response object exists but has sent nothing', async () => {
    const target = socket({ inFlight: { headersSent: false } });
    answerClientError(failure('HPE_INVALID_CHUNK_SIZE'), target);
    await new Promise((resolve) => setImmediate(resolve));
    expect(target.written).toMatch(/^HTTP\/1\.1 400 Bad Request/);
  });
});
