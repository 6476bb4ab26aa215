import { connect } from 'node:net';

export interface RawRequest {
  method: string;
  /** The request target exactly as sent: encode it yourself. */
  target: string;
  /** Values are written as the bytes given (a string is written as UTF-8). */
  headers: Array<[string, string | Buffer]>;
  body?: Buffer;
}

export interface RawResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/**
 * One HTTP/1.1 request over a fresh connection, written byte for byte (so it can carry what no
 * client library would send: bytes that are not UTF-8 in a header, a lone surrogate's bytes in
 * the URL), and its answer read until the server closes. Chunked answers are decoded.
 */
export function sendRaw(port: number, request: RawRequest, timeoutMs = 10_000): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const head: Buffer[] = [Buffer.from(`${request.method} ${request.target} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n`, 'latin1')];
    for (const [name, value] of request.headers)
      head.push(Buffer.from(`${name}: `, 'latin1'), typeof value === 'string' ? Buffer.from(value) : value, Buffer.from('\r\n'));
    if (request.body !== undefined) head.push(Buffer.from(`Content-Length: ${request.body.length}\r\n`));
    head.push(Buffer.from('\r\n'));
    const chunks: Buffer[] = [];
    const socket = connect(port, '127.0.0.1', () => {
      socket.write(Buffer.concat(head));
      if (request.body !== undefined) socket.write(request.body);
    });
    socket.setTimeout(timeoutMs, () => socket.destroy(new Error(`no answer within ${timeoutMs} ms to ${request.method} ${request.target.slice(0, 80)}`)));
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    // A server that answers before reading a large body may close while it is still being written.
    socket.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code !== 'EPIPE' && error.code !== 'ECONNRESET') reject(error);
    });
    socket.on('close', () => {
      const received = Buffer.concat(chunks);
      const end = received.indexOf('\r\n\r\n');
      if (end === -1) {
        reject(new Error(`no HTTP answer to ${request.method} ${request.target.slice(0, 80)}: ${JSON.stringify(received.toString('latin1').slice(0, 200))}`));
        return;
      }
      const [statusLine = '', ...lines] = received.subarray(0, end).toString('latin1').split('\r\n');
      const headers: Record<string, string> = {};
      for (const line of lines) headers[line.slice(0, line.indexOf(':')).toLowerCase()] = line.slice(line.indexOf(':') + 1).trim();
      let body: Buffer = received.subarray(end + 4);
      if (headers['transfer-encoding'] === 'chunked') body = dechunk(body);
      resolve({ status: Number(statusLine.split(' ')[1]), headers, body: body.toString('utf8') });
    });
  });
}

function dechunk(data: Buffer): Buffer {
  const parts: Buffer[] = [];
  let offset = 0;
  while (offset < data.length) {
    const lineEnd = data.indexOf('\r\n', offset);
    if (lineEnd === -1) break;
    const size = Number.parseInt(data.subarray(offset, lineEnd).toString('latin1'), 16);
    if (!Number.isFinite(size) || size === 0) break;
    parts.push(data.subarray(lineEnd + 2, lineEnd + 2 + size));
    offset = lineEnd + 2 + size + 2;
  }
  return Buffer.concat(parts);
}
