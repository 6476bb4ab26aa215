import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger, type Logger } from '../telemetry/logger.ts';
import { alertSinkFromSettings } from './alert-settings.ts';
import { createWebhookAlertSink, type SpendAlert } from './alert-sink.ts';

interface Received {
  method: string;
  contentType: string | undefined;
  secret: string | undefined;
  body: unknown;
}

/** A local webhook receiver that answers each request with the next handler in `script`. */
async function startReceiver(script: Array<(response: ServerResponse) => void>): Promise<{ url: string; received: Received[]; server: Server }> {
  const received: Received[] = [];
  const server = createServer((request: IncomingMessage, response: ServerResponse) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      received.push({
        method: request.method ?? '',
        contentType: request.headers['content-type'],
        secret: request.headers['x-keel-secret'] as string | undefined,
        body: JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown,
      });
      const answer = script[received.length - 1] ?? ((r: ServerResponse) => r.writeHead(200).end());
      answer(response);
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  servers.push(server);
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks/secret-token`, received, server };
}

const servers: Server[] = [];
afterEach(async () => {
  for (const server of servers.splice(0)) {
    server.closeAllConnections();
    server.close();
    await once(server, 'close');
  }
});

/** A logger whose JSON lines land in `lines`. */
function capturingLogger(): { logger: Logger; lines: Array<Record<string, unknown>> } {
  const lines: Array<Record<string, unknown>> = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(JSON.parse(chunk.toString('utf8')) as Record<string, unknown>);
      done();
    },
  });
  return { logger: createLogger({ level: 'debug', destination }), lines };
}

const alert: SpendAlert = {
  kind: 'cost-spike',
  key: 'cost-spike:2030-01-08',
  tenantId: 'tenant-a',
  at: '2030-01-08T12:00:00.000Z',
  message: 'Spend today is more than 2 times the daily average of the previous 7 days',
  day: '2030-01-08',
  todayUsd: 3,
  dailyAverageUsd: 1,
  factor: 2,
};

describe('webhook alert sink', () => {
  it('POSTs the alert as JSON, with the configured headers', async () => {
    const receiver = await startReceiver([]);
    const { logger } = capturingLogger();
    await createWebhookAlertSink({ url: receiver.url, logger, headers: { 'x-keel-secret': 's3cret' } }).send(alert);
    expect(receiver.received).toEqual([{ method: 'POST', contentType: 'application/json', secret: 's3cret', body: alert }]);
  });

  it('retries a 5xx and a 429 answer, then delivers', async () => {
    const receiver = await startReceiver([
      (r) => r.writeHead(503).end('down'),
      (r) => r.writeHead(429, { 'retry-after': '0' }).end(),
      (r) => r.writeHead(204).end(),
    ]);
    const { logger, lines } = capturingLogger();
    await createWebhookAlertSink({ url: receiver.url, logger, retryDelayMs: 1 }).send(alert);
    expect(receiver.received).toHaveLength(3);
    expect(lines.filter((line) => line.msg === 'alert webhook failed').map((line) => line.status)).toEqual([503, 429]);
    expect(lines.some((line) => line.msg === 'alert delivered')).toBe(true);
  });

  it('retries an answer that never comes, after its timeout', async () => {
    // The first request is left hanging; the sink's timeout gives up on it and tries again.
    const receiver = await startReceiver([() => undefined, (r) => r.writeHead(200).end()]);
    const { logger } = capturingLogger();
    await createWebhookAlertSink({ url: receiver.url, logger, timeoutMs: 200, retryDelayMs: 1 }).send(alert);
    expect(receiver.received).toHaveLength(2);
  });

  it('logs and gives up after its retries, never throwing, and never logs the secret path', async () => {
    const receiver = await startReceiver([
      (r) => r.writeHead(500).end(),
      (r) => r.writeHead(500).end(),
      (r) => r.writeHead(500).end(),
      (r) => r.writeHead(500).end(),
    ]);
    const { logger, lines } = capturingLogger();
    await expect(createWebhookAlertSink({ url: receiver.url, logger, retries: 2, retryDelayMs: 1 }).send(alert)).resolves.toBeUndefined();
    expect(receiver.received).toHaveLength(3);
    const failures = lines.filter((line) => line.msg === 'alert webhook failed');
    expect(failures.map((line) => line.givingUp)).toEqual([false, false, true]);
    expect(JSON.stringify(lines)).not.toContain('secret-token');
  });

  it('does not retry a 4xx answer that another attempt cannot fix', async () => {
    const receiver = await startReceiver([(r) => r.writeHead(404).end(), (r) => r.writeHead(200).end()]);
    const { logger } = capturingLogger();
    await createWebhookAlertSink({ url: receiver.url, logger, retryDelayMs: 1 }).send(alert);
    expect(receiver.received).toHaveLength(1);
  });

  it('survives a receiver that is not listening', async () => {
    const receiver = await startReceiver([]);
    receiver.server.close();
    await once(receiver.server, 'close');
    servers.splice(servers.indexOf(receiver.server), 1);
    const { logger, lines } = capturingLogger();
    await createWebhookAlertSink({ url: receiver.url, logger, retries: 1, retryDelayMs: 1 }).send(alert);
    expect(lines.filter((line) => line.msg === 'alert webhook failed')).toHaveLength(2);
  });
});

describe('alertSinkFromSettings', () => {
  it('uses the config URL over KEEL_ALERT_WEBHOOK_URL, and the variable when the config has none', async () => {
    const fromConfig = await startReceiver([]);
    const fromEnv = await startReceiver([]);
    const { logger } = capturingLogger();
    const env = { KEEL_ALERT_WEBHOOK_URL: fromEnv.url };
    await alertSinkFromSettings({ settings: { webhookUrl: fromConfig.url }, env, logger }).send(alert);
    await alertSinkFromSettings({ settings: {}, env, logger }).send(alert);
    expect(fromConfig.received).toHaveLength(1);
    expect(fromEnv.received).toHaveLength(1);
  });

  it('logs alerts when no webhook is configured', async () => {
    const { logger, lines } = capturingLogger();
    await alertSinkFromSettings({ settings: undefined, env: {}, logger }).send(alert);
    expect(lines).toEqual([expect.objectContaining({ level: 40, msg: alert.message, alert })]);
  });
});
